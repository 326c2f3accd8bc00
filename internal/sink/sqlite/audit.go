package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// migrateLedger adds the digest column to a ledger made before it. A
// ledger that another process migrated meanwhile is fine.
func migrateLedger(ctx context.Context, db *sql.DB) error {
	cols, _, err := columns(ctx, db, sink.LedgerTable)
	if err != nil || !sqlsink.LedgerLacksDigest(cols) {
		return err
	}
	if _, err := db.ExecContext(ctx, sqlsink.LedgerMigrateSQL(target, true)); err != nil && !strings.Contains(err.Error(), "duplicate column") {
		return fmt.Errorf("add column %s to %s: %w", sqlsink.ColDigest, sink.LedgerTable, err)
	}
	return nil
}

// LedgerEntries returns every ledger row sorted by key (sink.Lister);
// none when no load ever created the ledger.
func (s *Sink) LedgerEntries(ctx context.Context) ([]sink.LedgerEntry, error) {
	if _, exists, err := columns(ctx, s.db, sink.LedgerTable); err != nil || !exists {
		if err != nil {
			err = fmt.Errorf("read %s: %w", sink.LedgerTable, err)
		}
		return nil, err
	}
	return sqlsink.ListLedger(ctx, s.db, target, tableChecked)
}

// CountRows counts key's rows in table (sink.Counter).
func (s *Sink) CountRows(ctx context.Context, table, key string, oneTable bool) (int64, bool, error) {
	if _, exists, err := columns(ctx, s.db, table); err != nil || !exists {
		if err != nil {
			err = fmt.Errorf("count rows of %s: %w", table, err)
		}
		return 0, false, err
	}
	return sqlsink.CountKeyRows(ctx, s.db, target, table, key, oneTable, tableChecked)
}

// tableChecked is the noTable of reads whose table was looked up first:
// no error means a missing table.
func tableChecked(error) bool { return false }

var (
	_ sink.Lister  = (*Sink)(nil)
	_ sink.Counter = (*Sink)(nil)
)

// DigestRows reads key's rows in table back and digests them
// (sink.Digester).
func (s *Sink) DigestRows(ctx context.Context, table, key string, oneTable bool) (int64, string, bool, error) {
	all, exists, err := columns(ctx, s.db, table)
	if err != nil || !exists {
		if err != nil {
			err = fmt.Errorf("read rows of %s: %w", table, err)
		}
		return 0, "", false, err
	}
	return sqlsink.DigestKeyRows(ctx, s.db, target, table, key, oneTable, all)
}

var _ sink.Digester = (*Sink)(nil)
