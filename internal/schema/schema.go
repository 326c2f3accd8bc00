// Package schema describes the tables siftload loads into: column types, the
// names derived from keys and headers, type inference over every value of a
// file, and the conversion of a text value into the Go value a sink binds.
//
// Values handed to sinks, by column type:
//
//	Text      string
//	Integer   int64
//	Decimal   string, canonical decimal text such as "-12.50" (no exponent)
//	Timestamp time.Time in UTC, carrying the wall-clock time of the file
//	(any)     nil for an empty field (SQL NULL)
package schema

// Type is a column type, in the order inference widens them: a column that
// is neither all Integer, all Decimal nor all Timestamp is Text.
type Type int

// Column types.
const (
	Text Type = iota
	Integer
	Decimal
	Timestamp
)

// String returns the lowercase name of t ("text", "integer", ...).
func (t Type) String() string {
	switch t {
	case Integer:
		return "integer"
	case Decimal:
		return "decimal"
	case Timestamp:
		return "timestamp"
	default:
		return "text"
	}
}

// Column is one column of a table. Name is already sanitized (see
// ColumnNames); sinks quote it per dialect. MaxLen is the longest value seen
// in bytes (0 when unknown), which dialects with bounded text types use.
type Column struct {
	Name   string
	Type   Type
	MaxLen int
}

// Table is a target table: its name (sanitized, see TableName) and columns.
type Table struct {
	Name    string
	Columns []Column
}

// ColumnNamesOf returns the names of cols in order.
func ColumnNamesOf(cols []Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}
