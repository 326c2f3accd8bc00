package sqlserver

// The sinktest.Inspector methods: test-only views into the database, kept
// out of the sink's production code. They run only in the live test.

import (
	"context"

	"github.com/siftload/siftload/internal/sink/sinktest"
)

var _ sinktest.Inspector = (*Sink)(nil)

// inspector reads values as the server's text by CONVERT style 121 (dates
// and times, with the trailing zeros of the fraction dropped); CREATE
// TABLE is part of the load's transaction.
func (s *Sink) inspector() sinktest.SQLInspector {
	return sinktest.SQLInspector{
		DB: s.db, Target: s.target,
		NoTable: func(err error) bool { return isError(err, errInvalidObject) },
		Text:    func(col string) string { return "CONVERT(NVARCHAR(MAX), " + col + ", 121)" },
	}
}

// Rows, Drop, DDLCommits and RowsText are sinktest.SQLInspector's.
func (s *Sink) Rows(ctx context.Context, table string, cols []string) ([][]any, error) {
	return s.inspector().Rows(ctx, table, cols)
}
func (s *Sink) Drop(ctx context.Context, table string) error { return s.inspector().Drop(ctx, table) }
func (s *Sink) DDLCommits() bool                             { return false }
func (s *Sink) RowsText(ctx context.Context, table string, cols []string) ([][]*string, error) {
	return s.inspector().RowsText(ctx, table, cols)
}
