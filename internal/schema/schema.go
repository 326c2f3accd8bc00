// Package schema describes the tables siftload loads into: column types, the
// names derived from keys and headers, type inference over every value of a
// file, and the conversion of a text value into the Go value a sink binds.
//
// Values handed to sinks, by column type:
//
//	Text        string
//	Integer     int64
//	Decimal     string, canonical decimal text such as "-12.50" (no exponent)
//	Date        time.Time at midnight UTC
//	Timestamp   time.Time in UTC, carrying the wall-clock time of the file
//	TimestampTZ time.Time in the file's offset: time.UTC for "Z", a fixed
//	            zone for "+02:00" (also for "+00:00")
//	(any)       nil for SQL NULL (see Converter for the empty-field rule)
//
// The rule behind every type: a value is given a type only when each
// target database stores it so that it reads back as the file held it, up
// to the type's canonical form (the README's table lists them). Anything
// else stays Text, which every database keeps byte for byte.
package schema

import (
	"errors"
	"fmt"
)

// Type is a column type. Inference picks the narrowest type every value of
// a column fits; a column that fits none but Text is Text.
type Type int

// Column types. The numbering is stable (new types are added at the end).
const (
	Text Type = iota
	Integer
	Decimal
	Timestamp   // date and time of day, no zone or offset
	Date        // a calendar date, no time of day
	TimestampTZ // date, time of day and a UTC offset ("Z" or "+02:00")
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
	case Date:
		return "date"
	case TimestampTZ:
		return "timestamptz"
	default:
		return "text"
	}
}

// Limits are what a target database can store, as far as inference,
// conversion and table creation care. The zero value has no limits.
type Limits struct {
	// MaxColumns is the most columns a table may have (0: no limit).
	MaxColumns int
	// FracDigits is how many digits of fractional seconds a timestamp
	// keeps (0 means 9, nanoseconds). A timestamp with more digits than
	// that is Text in inference and does not convert into a timestamp
	// column: it would read back rounded.
	FracDigits int
	// NoNUL says that text cannot hold a NUL byte (PostgreSQL): a text
	// value holding one does not convert (a bad record), where the
	// database would fail the whole file.
	NoNUL bool
}

// ErrTooManyColumns is the error of CheckColumns.
var ErrTooManyColumns = errors.New("schema: too many columns")

// CheckColumns returns an error wrapping ErrTooManyColumns, with n and the
// limit, when a table of n columns exceeds l.MaxColumns.
func (l Limits) CheckColumns(n int) error {
	if l.MaxColumns > 0 && n > l.MaxColumns {
		return fmt.Errorf("%w: %d columns, the database takes at most %d in a table", ErrTooManyColumns, n, l.MaxColumns)
	}
	return nil
}

// fracDigits returns l.FracDigits with 0 read as 9.
func (l Limits) fracDigits() int {
	if l.FracDigits <= 0 || l.FracDigits > 9 {
		return 9
	}
	return l.FracDigits
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
