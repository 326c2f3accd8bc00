package sqlserver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: the SQL dialect (quoting, types, limits) and the row-size
// check.

// dialect is SQL Server's sqlsink.Dialect.
type dialect struct{}

// Quote returns name in brackets, a closing bracket doubled.
func (dialect) Quote(name string) string { return "[" + strings.ReplaceAll(name, "]", "]]") + "]" }
func (dialect) Placeholder(n int) string { return "@p" + strconv.Itoa(n) }
func (dialect) MaxIdent() int            { return 128 }

// Reserved: # and ## name temporary tables.
func (dialect) Reserved() []string { return []string{"#"} }

// IndexSQL: the index lives in its table's schema and takes no schema.
func (d dialect) IndexSQL(schema, index, table, column string) string {
	return "CREATE INDEX " + d.Quote(index) + " ON " + d.Quote(schema) + "." + d.Quote(table) + " (" + d.Quote(column) + ")"
}

// Column types.
const (
	typeDecimal = "DECIMAL(38,19)"
	typeText    = "NVARCHAR(MAX)"
	// keyType is source_key's type in one-table mode: indexable (at most
	// 1,700 bytes a nonclustered index key) and compared byte for byte.
	keyType = "NVARCHAR(850) COLLATE Latin1_General_100_BIN2"
	// maxDecimalLen is the longest canonical decimal text (sign, point
	// and "0." included) every one of which fits DECIMAL(38,19): 19
	// integer digits, 19 fractional.
	maxDecimalLen = 19
)

const decimalPrecision, decimalScale = 38, 19

func (dialect) ColumnType(t schema.Type, maxLen int) string {
	switch t {
	case schema.Integer:
		return "BIGINT"
	case schema.Decimal:
		if maxLen > maxDecimalLen {
			return typeText
		}
		return typeDecimal
	case schema.Date:
		return "DATE"
	case schema.Timestamp:
		return "DATETIME2(7)"
	case schema.TimestampTZ:
		return "DATETIMEOFFSET(7)"
	}
	return typeText
}

// MaxColumns is SQL Server's limit of columns in a (non-wide) table.
const MaxColumns = 1024

// Limits: 1,024 columns, 100 ns timestamps, NUL kept.
func (dialect) Limits() schema.Limits { return schema.Limits{MaxColumns: MaxColumns, FracDigits: 7} }

// Dialect is the SQL dialect of this sink.
var Dialect sqlsink.Dialect = dialect{}

// MaxRowSize is the most bytes a row's in-row data may take.
const MaxRowSize = 8060

// fixedSize is the in-row size CREATE TABLE counts for a column of SQL
// type t: its storage size, and for an NVARCHAR(MAX) (whose values move
// off row when the row is full) its 2-byte entry in the row's offset
// array. A row of many long text values that do not fit even so fails at
// insert with the server's error, and the load rolls back.
func fixedSize(t string) int {
	switch {
	case t == "BIGINT":
		return 8
	case t == typeDecimal:
		return 17
	case t == "DATE":
		return 3
	case t == "DATETIME2(7)":
		return 8
	case t == "DATETIMEOFFSET(7)":
		return 10
	case strings.HasPrefix(t, "NVARCHAR(850)"):
		return 1700
	}
	return 2
}

// createTableSQL returns the statements that create table t: those of
// sqlsink.CreateTableSQL, with source_key of keyType in one-table mode,
// after the row-size check.
func createTableSQL(d sqlsink.Target, t schema.Table, oneTable bool) ([]string, error) {
	stmts, err := sqlsink.CreateTableSQL(d, t, oneTable)
	if err != nil {
		return nil, err
	}
	size := 0
	if oneTable {
		// CreateTableSQL's source_key is NVARCHAR(MAX), which no index
		// takes.
		def := d.Quote(sink.SourceKeyColumn) + " " + typeText + " NOT NULL"
		if !strings.Contains(stmts[0], def) {
			return nil, fmt.Errorf("table %s: no source_key column in %s", t.Name, stmts[0])
		}
		stmts[0] = strings.Replace(stmts[0], def, d.Quote(sink.SourceKeyColumn)+" "+keyType+" NOT NULL", 1)
		size += fixedSize(keyType)
	}
	for _, c := range t.Columns {
		size += fixedSize(Dialect.ColumnType(c.Type, c.MaxLen))
	}
	if size > MaxRowSize {
		return nil, fmt.Errorf("table %s: %d columns need a row of about %d bytes, SQL Server takes at most %d: load fewer columns", t.Name, len(t.Columns), size, MaxRowSize)
	}
	return stmts, nil
}
