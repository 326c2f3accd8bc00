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
	if err != nil {
		return err
	}
	return sqlsink.MigrateLedger(ctx, cols, func(ctx context.Context) error {
		_, err := s.db.ExecContext(ctx, ledgerMigrateSQL(s.target))
		return err
	}, func(err error) bool { return isError(err, errDupField) })
}

// LedgerEntries returns every ledger row sorted by key (sink.Lister);
// none when no load ever created the ledger.
func (s *Sink) LedgerEntries(ctx context.Context) ([]sink.LedgerEntry, error) {
	if err := s.migrated.Ensure(ctx, s.schema, s.migrateLedger); err != nil {
		return nil, err
	}
	return sqlsink.ListLedger(ctx, s.db, s.target, noTable)
}

// CountRows counts key's rows in table (sink.Counter).
func (s *Sink) CountRows(ctx context.Context, table, key string, oneTable bool) (int64, bool, error) {
	return sqlsink.CountKeyRows(ctx, s.db, s.target, table, key, oneTable, noTable)
}

// DigestRows reads key's rows in table back and digests them
// (sink.Digester): the driver's values (text as bytes, DECIMAL as its
// text, DATETIME as text or time) go through sink.Canonical as they are.
func (s *Sink) DigestRows(ctx context.Context, table, key string, oneTable bool) (int64, string, bool, error) {
	all, _, err := columns(ctx, s.db, s.schema, table)
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	return sqlsink.DigestKeyRows(ctx, s.db, s.target, table, key, oneTable, all)
}

// noTable reports whether err says that a table does not exist.
func noTable(err error) bool { return isError(err, errNoSuchTable) }

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
