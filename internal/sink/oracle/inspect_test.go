package oracle

// The sinktest.Inspector methods: test-only views into the database, kept
// out of the sink's production code.

import (
	"context"
	"fmt"
	"strings"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// Rows returns every row of table's columns cols, for tests (see
// sinktest.Inspector). Numbers and timestamps come back as text (TO_CHAR),
// exact whatever their size.
func (s *Sink) Rows(ctx context.Context, table string, cols []string) ([][]any, error) {
	have, _, err := columns(ctx, s.db, s.t, table)
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	typ := make(map[string]schema.Type, len(have))
	for _, c := range have {
		typ[c.Name] = c.Type
	}
	q := make([]string, len(cols))
	for i, c := range cols {
		switch typ[c] {
		case schema.Integer, schema.Decimal:
			q[i] = "TO_CHAR(" + s.t.Quote(c) + ", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')"
		case schema.Date:
			q[i] = "TO_CHAR(" + s.t.Quote(c) + ", 'YYYY-MM-DD')"
		case schema.Timestamp:
			q[i] = "TO_CHAR(" + s.t.Quote(c) + ", 'YYYY-MM-DD HH24:MI:SS.FF9')"
		case schema.TimestampTZ:
			q[i] = "TO_CHAR(" + s.t.Quote(c) + ", 'YYYY-MM-DD HH24:MI:SS.FF9TZH:TZM')"
		default:
			q[i] = s.t.Quote(c)
		}
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+s.t.Table(table))
	if err != nil {
		return nil, fmt.Errorf("rows of %s: %w", table, err)
	}
	return sinktest.ScanRows(rows, len(cols), func(v any) any {
		if c, ok := v.(go_ora.Clob); ok {
			return c.String
		}
		return v
	})
}

// Drop drops table when it exists and deletes the ledger rows naming it,
// for tests (see sinktest.Inspector).
func (s *Sink) Drop(ctx context.Context, table string) error {
	if _, err := s.db.ExecContext(ctx, "DROP TABLE "+s.t.Table(table)+" PURGE"); err != nil && oraCode(err) != errNoTable {
		return fmt.Errorf("drop %s: %w", table, err)
	}
	if _, err := s.db.ExecContext(ctx, sinktest.LedgerForgetSQL(s.t), table); err != nil && oraCode(err) != errNoTable {
		return fmt.Errorf("drop %s: ledger: %w", table, err)
	}
	return nil
}

// DDLCommits reports true: Oracle's CREATE TABLE commits by itself, so a
// failed first load leaves its table, empty (see sinktest.Inspector).
func (s *Sink) DDLCommits() bool { return true }

// RowsText returns Rows as text: Rows has Oracle write every number, date
// and timestamp with TO_CHAR already (see sinktest.TextInspector).
func (s *Sink) RowsText(ctx context.Context, table string, cols []string) ([][]*string, error) {
	rows, err := s.Rows(ctx, table, cols)
	if err != nil {
		return nil, err
	}
	out := make([][]*string, len(rows))
	for r, row := range rows {
		out[r] = make([]*string, len(row))
		for i, v := range row {
			if v != nil {
				text := fmt.Sprint(v)
				out[r][i] = &text
			}
		}
	}
	return out, nil
}
