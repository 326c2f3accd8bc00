package mysql

import (
	"context"
	"fmt"
	"slices"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: what status and verify read (sink.Lister, sink.Counter,
// sink.Digester) and the ledger's migration to the digest column.

// errDupField is ER_DUP_FIELDNAME: the column exists.
const errDupField = 1060

// ledgerMigrateSQL adds the digest column to a ledger made before it.
func ledgerMigrateSQL(t sqlsink.Target) string {
	return "ALTER TABLE " + t.Table(sink.LedgerTable) + " ADD COLUMN `" + sqlsink.ColDigest + "` VARCHAR(64)"
}

// migrateLedger adds the digest column to a ledger made before it; a
// ledger that does not exist, or that another session migrated meanwhile,
// is fine.
func (s *Sink) migrateLedger(ctx context.Context) error {
	cols, _, err := columns(ctx, s.db, s.schema, sink.LedgerTable)
	if err != nil || !sqlsink.LedgerLacksDigest(cols) {
		return err
	}
	if _, err := s.db.ExecContext(ctx, ledgerMigrateSQL(s.target)); err != nil && !isError(err, errDupField) {
		return fmt.Errorf("add column %s to %s: %w", sqlsink.ColDigest, sink.LedgerTable, err)
	}
	return nil
}

// LedgerEntries returns every ledger row sorted by key (sink.Lister);
// none when no load ever created the ledger.
func (s *Sink) LedgerEntries(ctx context.Context) ([]sink.LedgerEntry, error) {
	if err := s.migrated.Ensure(ctx, s.schema, s.migrateLedger); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, sqlsink.LedgerListSQL(s.target))
	if isError(err, errNoSuchTable) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	defer rows.Close()
	es, err := sqlsink.ScanLedgerRows(rows.Next, rows.Scan)
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	return es, nil
}

// CountRows counts key's rows in table (sink.Counter).
func (s *Sink) CountRows(ctx context.Context, table, key string, oneTable bool) (int64, bool, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, sqlsink.CountRowsSQL(s.target, table, oneTable), sqlsink.CountRowsArgs(key, oneTable)...).Scan(&n)
	if isError(err, errNoSuchTable) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("count rows of %s: %w", table, err)
	}
	return n, true, nil
}

// DigestRows reads key's rows in table back and digests them
// (sink.Digester): the driver's values (text as bytes, DECIMAL as its
// text, DATETIME as text or time) go through sink.Canonical as they are.
func (s *Sink) DigestRows(ctx context.Context, table, key string, oneTable bool) (int64, string, bool, error) {
	all, _, err := columns(ctx, s.db, s.schema, table)
	if err != nil || len(all) == 0 {
		if err != nil {
			err = fmt.Errorf("read rows of %s: %w", table, err)
		}
		return 0, "", false, err
	}
	cols := sqlsink.DataColumns(all)
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = s.target.Quote(c.Name)
	}
	rows, err := s.db.QueryContext(ctx, sqlsink.DigestSelectSQL(s.target, table, exprs, oneTable), sqlsink.CountRowsArgs(key, oneTable)...)
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

var (
	_ sink.Lister   = (*Sink)(nil)
	_ sink.Counter  = (*Sink)(nil)
	_ sink.Digester = (*Sink)(nil)
)

// DigestColumns returns cols as DigestRows reads them back: a decimal
// column too long for DECIMAL(65,30) is LONGTEXT, text (sqlsink.DigestTyper).
func (l *loadTx) DigestColumns(cols []schema.Column) []schema.Column {
	return digestColumns(cols)
}

func digestColumns(cols []schema.Column) []schema.Column {
	var out []schema.Column
	for i, c := range cols {
		if c.Type == schema.Decimal && c.MaxLen > maxDecimalLen {
			if out == nil {
				out = slices.Clone(cols)
			}
			out[i].Type = schema.Text
		}
	}
	if out == nil {
		return cols
	}
	return out
}

var _ sqlsink.DigestTyper = (*loadTx)(nil)
