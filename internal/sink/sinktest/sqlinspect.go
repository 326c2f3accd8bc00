package sinktest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// SQLInspector is the Inspector and TextInspector of a sink on
// database/sql that names its tables with Target: a sink's
// inspect_test.go makes one and hands its methods on.
type SQLInspector struct {
	DB     *sql.DB
	Target sqlsink.Target
	// NoTable reports whether an error says that a table (the ledger)
	// does not exist.
	NoTable func(error) bool
	// Text returns the expression that reads the quoted column as the
	// server's text of its value, for RowsText.
	Text func(quoted string) string
	// Commits is DDLCommits's answer.
	Commits bool
}

// selectSQL returns the SELECT of expr applied to each of cols from table.
func (in SQLInspector) selectSQL(table string, cols []string, expr func(string) string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = expr(in.Target.Quote(c))
	}
	return "SELECT " + strings.Join(q, ", ") + " FROM " + in.Target.Table(table)
}

// Rows returns every row of table's columns cols (see Inspector).
func (in SQLInspector) Rows(ctx context.Context, table string, cols []string) ([][]any, error) {
	rows, err := in.DB.QueryContext(ctx, in.selectSQL(table, cols, func(q string) string { return q }))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	return ScanRows(rows, len(cols), nil)
}

// Drop drops table when it exists and deletes the ledger rows naming it
// (see Inspector).
func (in SQLInspector) Drop(ctx context.Context, table string) error {
	if _, err := in.DB.ExecContext(ctx, "DROP TABLE IF EXISTS "+in.Target.Table(table)); err != nil {
		return fmt.Errorf("drop %s: %w", table, err)
	}
	if _, err := in.DB.ExecContext(ctx, LedgerForgetSQL(in.Target), table); err != nil && !in.NoTable(err) {
		return fmt.Errorf("drop %s: ledger: %w", table, err)
	}
	return nil
}

// DDLCommits returns Commits (see Inspector).
func (in SQLInspector) DDLCommits() bool { return in.Commits }

// RowsText returns every row of table's columns cols as the server's text
// of each value (see TextInspector).
func (in SQLInspector) RowsText(ctx context.Context, table string, cols []string) ([][]*string, error) {
	rows, err := in.DB.QueryContext(ctx, in.selectSQL(table, cols, in.Text))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	defer rows.Close()
	return ScanText(rows, len(cols))
}

// TextRows is what ScanText reads: database/sql's rows, or pgx's.
type TextRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanText reads every row of rows, n text columns each (nil for NULL),
// for a TextInspector's RowsText. The caller closes rows.
func ScanText(rows TextRows, n int) ([][]*string, error) {
	var out [][]*string
	for rows.Next() {
		row := make([]*string, n)
		ptrs := make([]any, n)
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

var _ TextInspector = SQLInspector{}
