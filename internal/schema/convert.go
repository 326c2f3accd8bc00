package schema

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// maxErrValue is how much of a bad value a ConvertError shows, in bytes.
const maxErrValue = 40

// ConvertError says that a value does not fit its column.
type ConvertError struct {
	Column string
	Value  string // cut to about 40 bytes, ending in "..." when cut
	Type   Type
	// Reason, when set, is why the value does not fit, told instead of
	// the value (ErrNUL).
	Reason string
}

// ReasonNUL is the Reason of a text value holding a NUL byte for a
// target that cannot store one (Limits.NoNUL).
const ReasonNUL = "the value holds a NUL byte, which the database cannot store in text"

// Error formats as `column "qty": "12a" is not an integer`, or as
// `column "note": REASON`.
func (e *ConvertError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("column %q: %s", e.Column, e.Reason)
	}
	what := "an integer"
	switch e.Type {
	case Decimal:
		what = "a decimal"
	case Timestamp:
		what = "a timestamp"
	case Date:
		what = "a date"
	case TimestampTZ:
		what = "a timestamp with an offset"
	case Text:
		what = "valid UTF-8 text"
	}
	return fmt.Sprintf("column %q: %q is not %s", e.Column, e.Value, what)
}

// Converter turns the text fields of a record into the values package
// schema promises sinks, column by column. A Converter holds no state
// beyond its columns and limits and is safe for concurrent use.
//
// A field converts under the rules inference uses (see Inferrer), with the
// same Limits, so a column inferred from a file converts every value of
// that file. For an existing table's columns, a value that does not fit is
// an error rather than a silent change: "007" does not become 7, and
// "2024-01-02T10:00:00+02:00" does not go into a Timestamp column without
// its offset.
//
// Empty fields follow PostgreSQL's COPY ... CSV convention: in a Text
// column a quoted empty field ("") is the empty string and an unquoted
// empty field is NULL; in a column of any other type both are NULL.
// (Oracle stores an empty string as NULL: there both are NULL.)
//
// A Text value holding a NUL byte does not convert when Limits.NoNUL
// (PostgreSQL): the record is a bad record, named by its number, instead
// of an error of the database that fails the whole file.
type Converter struct {
	cols []Column
	lim  Limits
}

// NewConverter returns a Converter for cols into a database with limits
// lim. It keeps cols.
func NewConverter(cols []Column, lim Limits) *Converter { return &Converter{cols: cols, lim: lim} }

// Columns returns the columns c converts for.
func (c *Converter) Columns() []Column { return c.cols }

// ConvertStrings sets out[i] to the value of fields[i] for column i: nil for SQL
// NULL (see the empty-field rule above), else a string (Text), int64
// (Integer), canonical decimal string (Decimal) or time.Time (Date,
// Timestamp, TimestampTZ). quoted[i] says whether field i was written in
// quotes; quoted may be nil (no field was quoted). It does not retain
// fields. out must have one element per column and is overwritten, so
// callers reuse it across records. A field count other than the column
// count, or a value that does not fit its column (a *ConvertError), is an
// error; out is then partly written. Text and most Decimal values are the
// field strings themselves, not copies.
func (c *Converter) ConvertStrings(fields []string, quoted []bool, out []any) error {
	return convert(c, fields, quoted, out)
}

func convert[T bytesOrString](c *Converter, fields []T, quoted []bool, out []any) error {
	if len(fields) != len(c.cols) {
		return fmt.Errorf("got %d fields, want %d", len(fields), len(c.cols))
	}
	out = out[:len(fields)]
	for i, f := range fields {
		if len(f) == 0 {
			out[i] = nil
			if c.cols[i].Type == Text && i < len(quoted) && quoted[i] {
				out[i] = ""
			}
			continue
		}
		v, ok := convertValue(c.cols[i].Type, f, c.lim.fracDigits())
		if !ok {
			return &ConvertError{Column: c.cols[i].Name, Value: cutValue(string(f)), Type: c.cols[i].Type}
		}
		if c.lim.NoNUL && c.cols[i].Type == Text && strings.IndexByte(v.(string), 0) >= 0 {
			return &ConvertError{Column: c.cols[i].Name, Type: Text, Reason: ReasonNUL}
		}
		out[i] = v
	}
	return nil
}

// convertValue converts the non-empty field f to a value of type t, for a
// target that keeps fracDigits digits of fractional seconds.
func convertValue[T bytesOrString](t Type, f T, fracDigits int) (any, bool) {
	switch t {
	case Integer:
		if classify(f, fracDigits)&fitsInteger == 0 {
			return nil, false
		}
		return parseInt64(f), true
	case Decimal:
		if classify(f, fracDigits)&fitsDecimal == 0 {
			return nil, false
		}
		return canonicalDecimal(f), true
	case Date, Timestamp, TimestampTZ:
		ts, ok := parseTimestamp(f)
		switch {
		case !ok || ts.frac > fracDigits:
			return nil, false
		case t == Date && !ts.dateOnly, t == Timestamp && ts.zoned, t == TimestampTZ && !ts.zoned:
			return nil, false
		}
		loc := time.UTC
		if ts.zoned && !ts.utc {
			loc = fixedZone(ts.offset)
		}
		return time.Date(ts.year, time.Month(ts.month), ts.day, ts.hour, ts.min, ts.sec, ts.nsec, loc), true
	}
	s := string(f)
	if !utf8.ValidString(s) {
		return nil, false
	}
	return s, true
}

// zones caches the fixed zones of offsets (minutes east of UTC), so that a
// TimestampTZ value does not allocate one each.
var zones sync.Map

// fixedZone returns an unnamed zone offset minutes east of UTC.
func fixedZone(offset int) *time.Location {
	if z, ok := zones.Load(offset); ok {
		return z.(*time.Location)
	}
	z, _ := zones.LoadOrStore(offset, time.FixedZone("", offset*60))
	return z.(*time.Location)
}

// canonicalDecimal returns the Decimal f without a leading '+', without
// the '-' of a zero and with a "0" before a bare '.': "+1.50" → "1.50",
// "-.5" → "-0.5", ".5" → "0.5", "-0.00" → "0.00". Anything else is kept as
// written (trailing zeros too).
func canonicalDecimal[T bytesOrString](f T) string {
	s := string(f)
	if s[0] == '+' || (s[0] == '-' && strings.Trim(s[1:], "0.") == "") {
		s = s[1:]
	}
	switch {
	case s[0] == '.':
		return "0" + s
	case s[0] == '-' && s[1] == '.':
		return "-0" + s[1:]
	}
	return s
}

// cutValue returns s cut to about maxErrValue bytes at a rune boundary,
// with "..." appended when cut.
func cutValue(s string) string {
	if len(s) <= maxErrValue {
		return s
	}
	n := maxErrValue
	for n > maxErrValue-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
