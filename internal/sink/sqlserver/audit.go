package sqlserver

import (
	"context"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: what status and verify read (sink.Lister, sink.Counter,
// sink.Digester, through the embedded sqlsink.Auditor) and the ledger's
// migration to the digest column.

// errDupColumn: "Column names in each table must be unique" (the column
// exists).
const errDupColumn = 2705

// ledgerMigrateSQL adds the digest column to a ledger made before it.
func ledgerMigrateSQL(t sqlsink.Target) string {
	return "ALTER TABLE " + t.Table(sink.LedgerTable) + " ADD " + t.Quote(sqlsink.ColDigest) + " NVARCHAR(64)"
}

// auditor returns the sink's sqlsink.Auditor, once its schema is known.
// DECIMAL comes back as its text, DATE, DATETIME2 and DATETIMEOFFSET as
// times, which sink.Canonical takes as they are.
func (s *Sink) auditor() sqlsink.Auditor {
	return sqlsink.Auditor{
		DB:     s.db,
		Target: s.target,
		Columns: func(ctx context.Context, table string) ([]schema.Column, error) {
			cols, err := columns(ctx, s.db, s.schema, table)
			return schemaColumns(cols), err
		},
		NoTable:   noTable,
		AddDigest: ledgerMigrateSQL(s.target),
		HasDigest: func(err error) bool { return isError(err, errDupColumn) },
	}
}

// noTable reports whether err says that a table does not exist.
func noTable(err error) bool { return isError(err, errInvalidObject) }

// DigestColumns returns cols as DigestRows reads them back: a decimal
// column too long for DECIMAL(38,19) is NVARCHAR(MAX), text
// (sqlsink.DigestTyper).
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
