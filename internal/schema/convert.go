package schema

import (
	"fmt"
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
}

// Error formats as `column "qty": "12a" is not an integer`.
func (e *ConvertError) Error() string {
	what := "an integer"
	switch e.Type {
	case Decimal:
		what = "a decimal"
	case Timestamp:
		what = "a timestamp"
	case Text:
		what = "valid UTF-8 text"
	}
	return fmt.Sprintf("column %q: %q is not %s", e.Column, e.Value, what)
}

// Converter turns the text fields of a record into the values package
// schema promises sinks, column by column. A Converter holds no state
// beyond its columns and is safe for concurrent use.
//
// A field converts under the rules inference uses (see Inferrer), so a
// column inferred from a file converts every value of that file. For an
// existing table's columns, a value that does not fit is an error rather
// than a silent change: "007" does not become 7.
type Converter struct {
	cols []Column
}

// NewConverter returns a Converter for cols. It keeps cols.
func NewConverter(cols []Column) *Converter { return &Converter{cols: cols} }

// Columns returns the columns c converts for.
func (c *Converter) Columns() []Column { return c.cols }

// Convert sets out[i] to the value of fields[i] for column i: nil for an
// empty field, else a string (Text), int64 (Integer), canonical decimal
// string (Decimal) or UTC time.Time (Timestamp). It does not retain fields.
// out must have one element per column and is overwritten, so callers reuse
// it across records. A field count other than the column count, or a value
// that does not fit its column (a *ConvertError), is an error; out is then
// partly written.
func (c *Converter) Convert(fields [][]byte, out []any) error { return convert(c, fields, out) }

// ConvertStrings is Convert for fields as strings. Text and most Decimal
// values are the field strings themselves, not copies.
func (c *Converter) ConvertStrings(fields []string, out []any) error {
	return convert(c, fields, out)
}

func convert[T bytesOrString](c *Converter, fields []T, out []any) error {
	if len(fields) != len(c.cols) {
		return fmt.Errorf("got %d fields, want %d", len(fields), len(c.cols))
	}
	out = out[:len(fields)]
	for i, f := range fields {
		if len(f) == 0 {
			out[i] = nil
			continue
		}
		v, ok := convertValue(c.cols[i].Type, f)
		if !ok {
			return &ConvertError{Column: c.cols[i].Name, Value: cutValue(string(f)), Type: c.cols[i].Type}
		}
		out[i] = v
	}
	return nil
}

// convertValue converts the non-empty field f to a value of type t.
func convertValue[T bytesOrString](t Type, f T) (any, bool) {
	switch t {
	case Integer:
		if classify(f)&fitsInteger == 0 {
			return nil, false
		}
		return parseInt64(f), true
	case Decimal:
		if classify(f)&fitsDecimal == 0 {
			return nil, false
		}
		return canonicalDecimal(f), true
	case Timestamp:
		ts, ok := parseTimestamp(f)
		if !ok {
			return nil, false
		}
		return time.Date(ts.year, time.Month(ts.month), ts.day, ts.hour, ts.min, ts.sec, ts.nsec, time.UTC), true
	}
	s := string(f)
	if !utf8.ValidString(s) {
		return nil, false
	}
	return s, true
}

// canonicalDecimal returns the Decimal f without a leading '+' and with a
// "0" before a bare '.': "+1.50" → "1.50", "-.5" → "-0.5", ".5" → "0.5".
// Anything else is kept as written.
func canonicalDecimal[T bytesOrString](f T) string {
	s := string(f)
	if s[0] == '+' {
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
