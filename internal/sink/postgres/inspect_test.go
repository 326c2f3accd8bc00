package postgres

// The sinktest.Inspector methods: test-only views into the database, kept
// out of the sink's production code.

import (
	"context"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/sink/sinktest"
)

// Rows returns every row of table's columns cols as text, for tests (see
// sinktest.Inspector).
func (s *Sink) Rows(ctx context.Context, table string, cols []string) ([][]any, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Release()
	q := make([]string, len(cols))
	for i, col := range cols {
		q[i] = Dialect.Quote(col) + "::text"
	}
	rows, err := c.Query(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+c.target.Table(table))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, fmt.Errorf("rows of %s: %w", table, err)
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// Drop drops table when it exists and deletes the ledger rows naming it,
// for tests (see sinktest.Inspector).
func (s *Sink) Drop(ctx context.Context, table string) error {
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS "+c.target.Table(table)); err != nil {
		return fmt.Errorf("drop %s: %w", table, err)
	}
	if _, err := c.Exec(ctx, sinktest.LedgerForgetSQL(c.target), table); err != nil && !isUndefinedTable(err) {
		return fmt.Errorf("drop %s: ledger: %w", table, err)
	}
	return nil
}

// DDLCommits reports false: PostgreSQL's CREATE TABLE is part of the
// load's transaction (see sinktest.Inspector).
func (s *Sink) DDLCommits() bool { return false }

// RowsText returns every row of table's columns cols as PostgreSQL's text
// of each value, with the session's TimeZone UTC (see
// sinktest.TextInspector).
func (s *Sink) RowsText(ctx context.Context, table string, cols []string) ([][]*string, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Release()
	if _, err := c.Exec(ctx, "SET TIME ZONE 'UTC'"); err != nil {
		return nil, err
	}
	defer c.Exec(ctx, "RESET TIME ZONE") //nolint:errcheck // a test's connection
	q := make([]string, len(cols))
	for i, col := range cols {
		q[i] = Dialect.Quote(col) + "::text"
	}
	rows, err := c.Query(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+Dialect.Quote(table))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	defer rows.Close()
	out, err := sinktest.ScanText(rows, len(cols))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	return out, nil
}
