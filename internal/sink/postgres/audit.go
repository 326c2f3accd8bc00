package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// migrateLedger adds the digest column to a ledger of c's schema made
// before it, once per schema; a ledger that does not exist, or that
// another process migrated meanwhile, is fine.
func (s *Sink) migrateLedger(ctx context.Context, c *conn) error {
	return s.migrated.Ensure(ctx, c.target.Schema, func(ctx context.Context) error {
		cols, _, err := columns(ctx, c, c.target, sink.LedgerTable)
		if err != nil || !sqlsink.LedgerLacksDigest(cols) {
			return err
		}
		_, err = c.Exec(ctx, strings.Replace(sqlsink.LedgerMigrateSQL(c.target, true), "ADD COLUMN", "ADD COLUMN IF NOT EXISTS", 1))
		return err
	})
}

// LedgerEntries returns every ledger row sorted by key (sink.Lister);
// none when no load ever created the ledger.
func (s *Sink) LedgerEntries(ctx context.Context) ([]sink.LedgerEntry, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Release()
	if err := s.migrateLedger(ctx, c); err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sqlsink.LedgerListSQL(c.target))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	defer rows.Close()
	es, err := sqlsink.ScanLedgerRows(rows.Next, rows.Scan)
	if err == nil {
		err = rows.Err()
	}
	if isUndefinedTable(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	return es, nil
}

// CountRows counts key's rows in table (sink.Counter).
func (s *Sink) CountRows(ctx context.Context, table, key string, oneTable bool) (int64, bool, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return 0, false, err
	}
	defer c.Release()
	var n int64
	err = c.QueryRow(ctx, sqlsink.CountRowsSQL(c.target, table, oneTable), sqlsink.CountRowsArgs(key, oneTable)...).Scan(&n)
	if isUndefinedTable(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("count rows of %s: %w", table, err)
	}
	return n, true, nil
}

var (
	_ sink.Lister  = (*Sink)(nil)
	_ sink.Counter = (*Sink)(nil)
)

// DigestRows reads key's rows in table back and digests them
// (sink.Digester). Numbers of type numeric are read as text, which keeps
// every digit.
func (s *Sink) DigestRows(ctx context.Context, table, key string, oneTable bool) (int64, string, bool, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return 0, "", false, err
	}
	defer c.Release()
	all, exists, err := columns(ctx, c, c.target, table)
	if err != nil || !exists {
		if err != nil {
			err = fmt.Errorf("read rows of %s: %w", table, err)
		}
		return 0, "", false, err
	}
	cols := sqlsink.DataColumns(all)
	exprs := make([]string, len(cols))
	for i, col := range cols {
		exprs[i] = c.target.Quote(col.Name)
		if col.Type == schema.Decimal {
			exprs[i] += "::text"
		}
	}
	rows, err := c.Query(ctx, sqlsink.DigestSelectSQL(c.target, table, exprs, oneTable), sqlsink.CountRowsArgs(key, oneTable)...)
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	defer rows.Close()
	n, d, err := sqlsink.DigestScan(rows.Next, rows.Scan, cols, nil)
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	return n, d, true, nil
}

var _ sink.Digester = (*Sink)(nil)
