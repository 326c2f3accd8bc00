package mysql

import (
	"context"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: what status and verify read (sink.Lister, sink.Counter,
// sink.Digester, through the embedded sqlsink.Auditor) and the ledger's
// migration to the digest column.

// errDupField is ER_DUP_FIELDNAME: the column exists.
const errDupField = 1060

// ledgerMigrateSQL adds the digest column to a ledger made before it.
func ledgerMigrateSQL(t sqlsink.Target) string {
	return "ALTER TABLE " + t.Table(sink.LedgerTable) + " ADD COLUMN `" + sqlsink.ColDigest + "` VARCHAR(64)"
}

// auditor returns the sink's sqlsink.Auditor, once its schema is known.
// The driver's values (text as bytes, DECIMAL as its text, DATETIME as
// text or time) go through sink.Canonical as they are.
func (s *Sink) auditor() sqlsink.Auditor {
	return sqlsink.Auditor{
		DB:     s.db,
		Target: s.target,
		Columns: func(ctx context.Context, table string) ([]schema.Column, error) {
			cols, _, err := columns(ctx, s.db, s.schema, table)
			return cols, err
		},
		NoTable:   noTable,
		AddDigest: ledgerMigrateSQL(s.target),
		HasDigest: func(err error) bool { return isError(err, errDupField) },
	}
}

// noTable reports whether err says that a table does not exist.
func noTable(err error) bool { return isError(err, errNoSuchTable) }

// DigestColumns returns cols as DigestRows reads them back: a decimal
// column too long for DECIMAL(65,30) is LONGTEXT, text (sqlsink.DigestTyper).
func (l *loadTx) DigestColumns(cols []schema.Column) []schema.Column {
	return digestColumns(cols)
}

func digestColumns(cols []schema.Column) []schema.Column {
	return sqlsink.LongDecimalsAsText(cols, maxDecimalLen)
}

var (
	_ sink.Lister         = (*Sink)(nil)
	_ sink.Counter        = (*Sink)(nil)
	_ sink.Digester       = (*Sink)(nil)
	_ sqlsink.DigestTyper = (*loadTx)(nil)
)
