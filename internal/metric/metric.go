// Package metric defines what "fullest" means when several versions of one
// logical file compete.
//
// Every candidate is always measured for rows (CSV records after the
// header) and bytes (decompressed size); a Metric turns those, and what its
// own Measurer saw of the file's text, into a comparable value. The default
// metric is "rows". A new metric is one type, one case in Lookup and
// its form in Names.
package metric

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Measurer is fed the decoded UTF-8 text of one file and reports a value.
// Close must be called after the last Write and before Value.
type Measurer interface {
	io.WriteCloser
	// Value is the measured value; "" when nothing was measured.
	Value() string
}

// Metric measures and orders candidate versions.
type Metric interface {
	// Name is the metric as given on the command line ("rows", "max:ts").
	Name() string
	// New returns a Measurer for one file, or nil when Value needs only
	// rows and bytes.
	New() Measurer
	// Value is one file's value, from m when New returned one.
	Value(rows, bytes int64, m Measurer) string
	// Compare orders two values of this metric: negative when a is less
	// full than b, zero when equal, positive when fuller.
	Compare(a, b string) int
}

// Default is the metric used when none is given.
const Default = "rows"

// Names lists the metric forms for help texts.
var Names = []string{"rows", "bytes", "max:COLUMN"}

// Lookup returns the metric named name.
func Lookup(name string) (Metric, error) {
	switch {
	case name == "" || name == "rows":
		return counted{name: "rows", rows: true}, nil
	case name == "bytes":
		return counted{name: "bytes"}, nil
	case strings.HasPrefix(name, "max:") && len(name) > len("max:"):
		return maxColumn{column: name[len("max:"):]}, nil
	}
	return nil, fmt.Errorf("unknown metric %q (known: %s)", name, strings.Join(Names, ", "))
}

// counted is the rows or bytes metric: the value is a count the pipeline
// measures anyway.
type counted struct {
	name string
	rows bool
}

func (c counted) Name() string            { return c.name }
func (c counted) New() Measurer           { return nil }
func (c counted) Compare(a, b string) int { return CompareValues(a, b) }

func (c counted) Value(rows, bytes int64, _ Measurer) string {
	if c.rows {
		return strconv.FormatInt(rows, 10)
	}
	return strconv.FormatInt(bytes, 10)
}

// CompareValues orders two metric values: "" is least; two numbers compare
// numerically; anything else compares as text, which orders ISO 8601 dates
// and times correctly.
func CompareValues(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	fa, erra := strconv.ParseFloat(a, 64)
	fb, errb := strconv.ParseFloat(b, 64)
	if erra == nil && errb == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		// Equal as floats but written differently (precision beyond
		// float64): fall through to text.
	}
	return strings.Compare(a, b)
}
