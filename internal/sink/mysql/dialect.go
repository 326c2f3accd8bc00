package mysql

import (
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: the SQL dialect (quoting, types, limits) and the row-size
// check.

// dialect is MariaDB's and MySQL's sqlsink.Dialect.
type dialect struct{}

// Quote returns name in backticks, a backtick doubled.
func (dialect) Quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }
func (dialect) Placeholder(int) string   { return "?" }
func (dialect) MaxIdent() int            { return 64 }

// Reserved: none; every table lives in the DSN's own database.
func (dialect) Reserved() []string { return nil }

// IndexSQL indexes the first 255 characters of column (a LONGTEXT, which
// an index takes only with a prefix length).
func (d dialect) IndexSQL(schema, index, table, column string) string {
	return "CREATE INDEX " + d.Quote(index) + " ON " + d.Quote(schema) + "." + d.Quote(table) + " (" + d.Quote(column) + "(255))"
}

// Column types.
const (
	typeDecimal = "DECIMAL(65,30)"
	// tzComment marks a DATETIME(6) column that holds TimestampTZ
	// instants in UTC.
	tzComment = "siftload: timestamptz"
	// maxDecimalLen is the longest canonical decimal text (sign, point
	// and "0." included) every one of which fits DECIMAL(65,30): 35
	// integer digits, 30 fractional.
	maxDecimalLen = 31
)

// decimalScale and decimalPrecision are typeDecimal's.
const decimalPrecision, decimalScale = 65, 30

func (dialect) ColumnType(t schema.Type, maxLen int) string {
	switch t {
	case schema.Integer:
		return "BIGINT"
	case schema.Decimal:
		if maxLen > maxDecimalLen {
			return "LONGTEXT"
		}
		return typeDecimal
	case schema.Date:
		return "DATE"
	case schema.Timestamp:
		return "DATETIME(6)"
	case schema.TimestampTZ:
		return "DATETIME(6) COMMENT '" + tzComment + "'"
	}
	return "LONGTEXT"
}

// MaxColumns is InnoDB's limit of columns in a table (the server's own,
// 4,096, is never reached).
const MaxColumns = 1017

// Limits: InnoDB's columns, microsecond timestamps, NUL kept.
func (dialect) Limits() schema.Limits { return schema.Limits{MaxColumns: MaxColumns, FracDigits: 6} }

// Dialect is the SQL dialect of this sink.
var Dialect sqlsink.Dialect = dialect{}

// tableOptions ends every CREATE TABLE of this sink.
const tableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

// MaxRowSize is InnoDB's limit of a record's size for 16 KiB pages, in
// bytes: half a page less the page's own overhead.
const MaxRowSize = 8126

// rowSize estimates the size InnoDB's CREATE TABLE check gives a record
// of columns of types types (their ColumnType strings), nullable, with
// nn NOT NULL columns among them: a LONGTEXT counts its 20-byte off-page
// pointer and a length byte, DECIMAL(65,30) 30 bytes, the record's null
// bits and header 25 bytes more. The constants were measured on MariaDB
// 10.11 (the most columns CREATE TABLE takes of each type: 383 LONGTEXT,
// 268 DECIMAL(65,30), 997 BIGINT or DATETIME(6)) and never exceed its
// check.
func rowSize(types []string, nn int) int {
	n := 0
	for _, t := range types {
		switch {
		case strings.HasPrefix(t, "LONGTEXT"):
			n += 21
		case strings.HasPrefix(t, "DECIMAL"):
			n += 30
		case strings.HasPrefix(t, "DATETIME"), t == "BIGINT":
			n += 8
		case t == "DATE":
			n += 3
		default:
			n += 21
		}
	}
	nullable := len(types) - nn
	return n + (nullable+7)/8 + 25
}

// checkRowSize returns an error when a table of t's columns (and
// source_key when oneTable) would exceed MaxRowSize.
func checkRowSize(t schema.Table, oneTable bool) error {
	types := make([]string, 0, len(t.Columns)+1)
	nn := 0
	if oneTable {
		types = append(types, "LONGTEXT")
		nn = 1
	}
	for _, c := range t.Columns {
		types = append(types, Dialect.ColumnType(c.Type, c.MaxLen))
	}
	if n := rowSize(types, nn); n > MaxRowSize {
		return fmt.Errorf("table %s: %d columns need a row of about %d bytes, InnoDB takes at most %d: load fewer columns", t.Name, len(types), n, MaxRowSize)
	}
	return nil
}
