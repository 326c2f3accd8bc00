package metric

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/siftload/siftload/internal/record"
)

// maxColumn is "max:COLUMN": the largest value of a named column (a
// number, or an ISO 8601 date or time), for sites where the fullest export
// is the one that reaches furthest in time. COLUMN is a header name
// (case-insensitive) or, for files without a header, a 1-based position.
type maxColumn struct {
	column string
}

func (m maxColumn) Name() string            { return "max:" + m.column }
func (m maxColumn) Compare(a, b string) int { return CompareValues(a, b) }

func (m maxColumn) Value(_, _ int64, ms Measurer) string {
	if ms == nil {
		return ""
	}
	return ms.Value()
}

// New starts a CSV parser on the far side of a pipe: the metric needs
// fields, which the record counter on the hot path never splits.
func (m maxColumn) New() Measurer {
	pr, pw := io.Pipe()
	mm := &maxMeasurer{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(mm.done)
		mm.err = mm.scan(pr, m.column)
		// Drain what is left so the writer never blocks.
		_, _ = io.Copy(io.Discard, pr)
		pr.Close()
	}()
	return mm
}

type maxMeasurer struct {
	pw   *io.PipeWriter
	done chan struct{}
	max  string
	err  error
}

func (mm *maxMeasurer) Write(p []byte) (int, error) { return mm.pw.Write(p) }

// Close ends the input and waits for the parser; it returns the parse
// error, if any, or an error when the column does not exist.
func (mm *maxMeasurer) Close() error {
	mm.pw.Close()
	<-mm.done
	return mm.err
}

func (mm *maxMeasurer) Value() string { return mm.max }

func (mm *maxMeasurer) scan(r io.Reader, column string) error {
	rd, err := record.NewReader(r, record.Options{Encoding: "utf-8"})
	if err != nil {
		return err
	}
	idx := columnIndex(rd.Header(), column)
	if idx < 0 {
		return fmt.Errorf("column %q not in header", column)
	}
	for rd.Next() {
		rec := rd.Record()
		if idx >= len(rec) {
			continue
		}
		v := strings.TrimSpace(rec[idx])
		if CompareValues(v, mm.max) > 0 {
			mm.max = v
		}
	}
	return rd.Err()
}

func columnIndex(header []string, column string) int {
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), column) {
			return i
		}
	}
	if n, err := strconv.Atoi(column); err == nil && n >= 1 && n <= len(header) {
		return n - 1
	}
	return -1
}
