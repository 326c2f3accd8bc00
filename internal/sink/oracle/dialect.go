package oracle

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: Oracle's SQL dialect: names, types and limits.

// dialect is Oracle's sqlsink.Dialect. maxName is the database's identifier
// limit in bytes, 0 for 128 (see names.go).
type dialect struct{ maxName int }

// storedName returns name as Oracle stores it when quoted by this sink:
// upper-cased unless it holds an upper-case letter.
func storedName(name string) string {
	if strings.IndexFunc(name, unicode.IsUpper) >= 0 {
		return name
	}
	return strings.ToUpper(name)
}

// sinkName maps a name Oracle stores back to siftload's: lower case when
// it is all upper case.
func sinkName(stored string) string {
	if stored == strings.ToUpper(stored) {
		return strings.ToLower(stored)
	}
	return stored
}

func (d dialect) Quote(name string) string { return sqlsink.QuoteIdent(d.stored(name)) }
func (dialect) Placeholder(n int) string   { return ":" + strconv.Itoa(n) }
func (dialect) MaxIdent() int              { return 128 }

// Reserved: Oracle names its own objects SYS_... and ORA_....
func (dialect) Reserved() []string { return []string{"sys_", "ora_"} }

// IndexSQL: Oracle qualifies both, so the index is the owner's too.
func (d dialect) IndexSQL(schema, index, table, column string) string {
	return "CREATE INDEX " + sqlsink.QuoteIdent(schema) + "." + d.Quote(index) + " ON " + sqlsink.QuoteIdent(schema) + "." + d.Quote(table) + " (" + d.Quote(column) + ")"
}

// maxVarchar is VARCHAR2's limit in bytes (MAX_STRING_SIZE=STANDARD).
const maxVarchar = 4000

func (dialect) ColumnType(t schema.Type, maxLen int) string {
	switch t {
	case schema.Integer:
		return "NUMBER(19)"
	case schema.Decimal:
		return "NUMBER"
	case schema.Date:
		return "DATE"
	case schema.Timestamp:
		return "TIMESTAMP(9)"
	case schema.TimestampTZ:
		return "TIMESTAMP(9) WITH TIME ZONE"
	}
	if maxLen > maxVarchar {
		return "CLOB"
	}
	return fmt.Sprintf("VARCHAR2(%d CHAR)", varcharLen(maxLen))
}

// Limits: 1,000 columns a table, nanosecond timestamps, NUL kept.
func (dialect) Limits() schema.Limits { return schema.Limits{MaxColumns: 1000} }

// Limits returns what Oracle can store (see sink.Limiter).
func (s *Sink) Limits() schema.Limits { return Dialect.Limits() }

// varcharLen is the declared length of a VARCHAR2 column whose longest
// value has maxLen bytes (0: unknown): room for longer values of a later
// version of the file, at least 32, at most 4000.
func varcharLen(maxLen int) int {
	if maxLen <= 0 {
		return maxVarchar
	}
	n := 32
	for n < maxLen {
		n *= 2
	}
	return min(n, maxVarchar)
}

// Dialect is the SQL dialect of this sink.
var Dialect sqlsink.Dialect = dialect{}
