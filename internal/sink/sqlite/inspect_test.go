package sqlite

// The sinktest.Inspector methods: test-only views into the database, kept
// out of the sink's production code.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// Rows returns every row of table's columns cols as the driver reads
// them, for tests (see sinktest.Inspector).
func (s *Sink) Rows(ctx context.Context, table string, cols []string) ([][]any, error) {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = Dialect.Quote(c)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+target.Table(table))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	return sinktest.ScanRows(rows, len(cols), nil)
}

// Drop drops table when it exists and deletes the ledger rows naming it,
// for tests (see sinktest.Inspector).
func (s *Sink) Drop(ctx context.Context, table string) error {
	if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+target.Table(table)); err != nil {
		return fmt.Errorf("drop %s: %w", table, err)
	}
	if _, ok, err := columns(ctx, s.db, sink.LedgerTable); err != nil || !ok {
		return err
	}
	if _, err := s.db.ExecContext(ctx, sinktest.LedgerForgetSQL(target), table); err != nil {
		return fmt.Errorf("drop %s: ledger: %w", table, err)
	}
	return nil
}

// DDLCommits reports false: SQLite's CREATE TABLE is part of the load's
// transaction (see sinktest.Inspector).
func (s *Sink) DDLCommits() bool { return false }

// RowsText returns every row of table's columns cols as SQLite's text of
// each value; a REAL or a BLOB, which this sink never writes, comes back
// as "REAL:..." or "BLOB:..." (see sinktest.TextInspector).
func (s *Sink) RowsText(ctx context.Context, table string, cols []string) ([][]*string, error) {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = fmt.Sprintf("typeof(%[1]s), CAST(%[1]s AS TEXT)", Dialect.Quote(c))
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+Dialect.Quote(table))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	defer rows.Close()
	var out [][]*string
	for rows.Next() {
		vals := make([]sql.NullString, 2*len(cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]*string, len(cols))
		for i := range cols {
			typ, text := vals[2*i].String, vals[2*i+1].String
			switch typ {
			case "null":
				continue
			case "real", "blob":
				text = strings.ToUpper(typ) + ":" + text
			}
			row[i] = &text
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
