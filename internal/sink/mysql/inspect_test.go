package mysql

// The sinktest.Inspector methods: test-only views into the database, kept
// out of the sink's production code.

import (
	"context"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/sink/sinktest"
)

var _ sinktest.Inspector = (*Sink)(nil)

// Rows returns every row of table's columns cols, for tests (see
// sinktest.Inspector).
func (s *Sink) Rows(ctx context.Context, table string, cols []string) ([][]any, error) {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = Dialect.Quote(c)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+s.target.Table(table))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	return sinktest.ScanRows(rows, len(cols), nil)
}

// Drop drops table when it exists and deletes the ledger rows naming it,
// for tests (see sinktest.Inspector).
func (s *Sink) Drop(ctx context.Context, table string) error {
	if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+s.target.Table(table)); err != nil {
		return fmt.Errorf("drop %s: %w", table, err)
	}
	if _, err := s.db.ExecContext(ctx, sinktest.LedgerForgetSQL(s.target), table); err != nil && !isError(err, errNoSuchTable) {
		return fmt.Errorf("drop %s: ledger: %w", table, err)
	}
	return nil
}

// DDLCommits reports true: CREATE TABLE commits by itself (see
// sinktest.Inspector).
func (s *Sink) DDLCommits() bool { return true }

// RowsText returns every row of table's columns cols as the server's text
// of each value (CAST AS CHAR), for the round trip.
func (s *Sink) RowsText(ctx context.Context, table string, cols []string) ([][]*string, error) {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = "CAST(" + Dialect.Quote(c) + " AS CHAR)"
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+s.target.Table(table))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	defer rows.Close()
	var out [][]*string
	for rows.Next() {
		row := make([]*string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("rows of %s: %w", table, err)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
