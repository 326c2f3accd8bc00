package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: what the dictionary says of a table and the ledger.

// typeOf maps USER_TAB_COLUMNS' DATA_TYPE and DATA_SCALE (nil: none) to
// a schema type.
func typeOf(dataType string, scale sql.NullInt64) schema.Type {
	switch {
	case dataType == "NUMBER" && scale.Valid && scale.Int64 == 0:
		return schema.Integer
	case dataType == "NUMBER" || dataType == "FLOAT" || dataType == "BINARY_DOUBLE" || dataType == "BINARY_FLOAT":
		return schema.Decimal
	case dataType == "DATE":
		return schema.Date
	case strings.HasPrefix(dataType, "TIMESTAMP") && strings.HasSuffix(dataType, "TIME ZONE"):
		return schema.TimestampTZ
	case strings.HasPrefix(dataType, "TIMESTAMP"):
		return schema.Timestamp
	default:
		return schema.Text
	}
}

// column is a column as USER_TAB_COLUMNS describes it.
type column struct {
	schema.Column
	lob   bool          // CLOB or NCLOB
	scale sql.NullInt64 // NUMBER(p,s)'s s, TIMESTAMP(f)'s f; not Valid: none (see checkScales)
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// columnsSQL reads the columns of the owner's table (a table: not a view,
// not a synonym).
const columnsSQL = `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.DATA_SCALE, c.CHAR_LENGTH FROM ALL_TAB_COLUMNS c ` +
	`WHERE c.OWNER = :1 AND c.TABLE_NAME = :2 ` +
	`AND EXISTS (SELECT 1 FROM ALL_TABLES t WHERE t.OWNER = c.OWNER AND t.TABLE_NAME = c.TABLE_NAME) ORDER BY c.COLUMN_ID`

func columns(ctx context.Context, q querier, t sqlsink.Target, table string) ([]column, bool, error) {
	rows, err := q.QueryContext(ctx, columnsSQL, t.Schema, storedIn(t, table))
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, dataType string
		var scale, charLen sql.NullInt64
		if err := rows.Scan(&name, &dataType, &scale, &charLen); err != nil {
			return nil, false, err
		}
		c := column{Column: schema.Column{Name: sinkName(name), Type: typeOf(dataType, scale)}}
		if dataType == "VARCHAR2" || dataType == "NVARCHAR2" || dataType == "CHAR" || dataType == "NCHAR" {
			c.MaxLen = int(charLen.Int64)
		}
		c.lob = dataType == "CLOB" || dataType == "NCLOB"
		if dataType == "NUMBER" || strings.HasPrefix(dataType, "TIMESTAMP") {
			c.scale = scale
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if err := restoreNames(ctx, q, storedIn(t, table), cols); err != nil {
		return nil, false, err
	}
	return cols, len(cols) > 0, nil
}

func plain(cols []column) []schema.Column {
	if cols == nil {
		return nil
	}
	out := make([]schema.Column, len(cols))
	for i, c := range cols {
		out[i] = c.Column
	}
	return out
}

// Columns returns the columns of table in the user's schema,
// SourceKeyColumn included.
func (s *Sink) Columns(ctx context.Context, table string) ([]schema.Column, bool, error) {
	cols, ok, err := columns(ctx, s.db, s.t, table)
	if err != nil {
		return nil, false, fmt.Errorf("columns of %s: %w", table, err)
	}
	return plain(cols), ok, nil
}

func ledger(ctx context.Context, q querier, query, key string) (sink.LedgerEntry, bool, error) {
	return sqlsink.LedgerRow(wallUTCScan(q.QueryRowContext(ctx, query, key).Scan))
}

// Ledger returns the ledger row of key; ok=false also when no load ever
// created the ledger.
func (s *Sink) Ledger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	if err := s.migrated.Ensure(ctx, s.t.Schema, s.migrateLedger); err != nil {
		return sink.LedgerEntry{}, false, err
	}
	e, ok, err := ledger(ctx, s.db, sqlsink.LedgerSelectSQL(s.t), key)
	if oraCode(err) == errNoTable {
		return sink.LedgerEntry{}, false, nil
	}
	if err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("ledger of %s: %w", key, err)
	}
	return e, ok, nil
}

// LedgerEntries returns every ledger row sorted by key (sink.Lister);
// none when no load ever created the ledger.
func (s *Sink) LedgerEntries(ctx context.Context) ([]sink.LedgerEntry, error) {
	if err := s.migrated.Ensure(ctx, s.t.Schema, s.migrateLedger); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, sqlsink.LedgerListSQL(s.t))
	if oraCode(err) == errNoTable {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	defer rows.Close()
	es, err := sqlsink.ScanLedgerRows(rows.Next, wallUTCScan(rows.Scan))
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	return es, nil
}

// CountRows counts key's rows in table (sink.Counter).
func (s *Sink) CountRows(ctx context.Context, table, key string, oneTable bool) (int64, bool, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, sqlsink.CountRowsSQL(s.t, table, oneTable), sqlsink.CountRowsArgs(key, oneTable)...).Scan(&n)
	if oraCode(err) == errNoTable {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("count rows of %s: %w", table, err)
	}
	return n, true, nil
}

var (
	_ sink.Lister  = (*Sink)(nil)
	_ sink.Counter = (*Sink)(nil)
)

// digestExpr returns the expression DigestRows selects for a column of
// type t named quoted: numbers, dates and times as text in the forms
// sink.Canonical reads (TO_CHAR, independent of the session's NLS
// settings), anything else as it is.
func digestExpr(t schema.Type, quoted string) string {
	switch t {
	case schema.Integer, schema.Decimal:
		return "TO_CHAR(" + quoted + ", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')"
	case schema.Date:
		return "TO_CHAR(" + quoted + ", 'YYYY-MM-DD')"
	case schema.Timestamp:
		return "TO_CHAR(" + quoted + ", 'YYYY-MM-DD HH24:MI:SS.FF9')"
	case schema.TimestampTZ:
		return "TO_CHAR(" + quoted + ", 'YYYY-MM-DD HH24:MI:SS.FF9TZH:TZM')"
	default:
		return quoted
	}
}

// digestValue maps a value go-ora read for DigestRows: a CLOB becomes its
// text.
func digestValue(v any) any {
	switch x := v.(type) {
	case go_ora.Clob:
		if !x.Valid {
			return nil
		}
		return x.String
	case *go_ora.Clob:
		if x == nil || !x.Valid {
			return nil
		}
		return x.String
	}
	return v
}

// DigestRows reads key's rows in table back and digests them
// (sink.Digester).
func (s *Sink) DigestRows(ctx context.Context, table, key string, oneTable bool) (int64, string, bool, error) {
	all, exists, err := columns(ctx, s.db, s.t, table)
	if err != nil || !exists {
		if err != nil {
			err = fmt.Errorf("read rows of %s: %w", table, err)
		}
		return 0, "", false, err
	}
	plain := make([]schema.Column, len(all))
	for i, c := range all {
		plain[i] = c.Column
	}
	cols := sqlsink.DataColumns(plain)
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = digestExpr(c.Type, s.t.Quote(c.Name))
	}
	rows, err := s.db.QueryContext(ctx, sqlsink.DigestSelectSQL(s.t, table, exprs, oneTable), sqlsink.CountRowsArgs(key, oneTable)...)
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	defer rows.Close()
	n, d, err := sqlsink.DigestScan(rows.Next, rows.Scan, cols, digestValue)
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	return n, d, true, nil
}

var _ sink.Digester = (*Sink)(nil)
