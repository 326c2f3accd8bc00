package mysql

// The sinktest.Inspector methods: test-only views into the database, kept
// out of the sink's production code.

import (
	"context"

	"github.com/siftload/siftload/internal/sink/sinktest"
)

var _ sinktest.Inspector = (*Sink)(nil)

// inspector reads values as the server's text by CAST AS CHAR; CREATE
// TABLE commits by itself.
func (s *Sink) inspector() sinktest.SQLInspector {
	return sinktest.SQLInspector{
		DB: s.db, Target: s.target, Commits: true,
		NoTable: func(err error) bool { return isError(err, errNoSuchTable) },
		Text:    func(col string) string { return "CAST(" + col + " AS CHAR)" },
	}
}

// Rows, Drop, DDLCommits and RowsText are sinktest.SQLInspector's.
func (s *Sink) Rows(ctx context.Context, table string, cols []string) ([][]any, error) {
	return s.inspector().Rows(ctx, table, cols)
}
func (s *Sink) Drop(ctx context.Context, table string) error { return s.inspector().Drop(ctx, table) }
func (s *Sink) DDLCommits() bool                             { return true }
func (s *Sink) RowsText(ctx context.Context, table string, cols []string) ([][]*string, error) {
	return s.inspector().RowsText(ctx, table, cols)
}
