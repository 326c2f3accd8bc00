package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
	e, ok, err := ledger(ctx, s.db, sqlsink.LedgerSelectSQL(s.t), key)
	if oraCode(err) == errNoTable {
		return sink.LedgerEntry{}, false, nil
	}
	if err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("ledger of %s: %w", key, err)
	}
	return e, ok, nil
}
