package mysql

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: the stream LOAD DATA LOCAL INFILE reads.
//
// The stream is LOAD DATA's default text format, which the statement
// names explicitly (loadDataSQL): fields end with a tab, lines with a
// line feed, nothing encloses a field, and a backslash escapes. Each value
// is written as:
//
//	NULL          \N
//	text          its bytes, with \ as \\, NUL as \0, tab as \t,
//	              LF as \n and CR as \r; every other byte as it is
//	integer       decimal digits
//	decimal       its canonical text (trailing fractional zeros beyond
//	              the column's scale dropped); one that does not fit the
//	              column's DECIMAL(p,s) is an error, never rounded
//	date          2006-01-02
//	timestamp     2006-01-02 15:04:05.999999 (UTC for TimestampTZ)

// fillSize is how many bytes of records a Read prepares at most before it
// hands them to the driver (which sends packets of up to 16 MiB).
const fillSize = 256 << 10

// column says how one column's values are written.
type column struct {
	name string
	// decimal: the column is DECIMAL(prec, scale); values must fit.
	decimal     bool
	prec, scale int
}

// infile is the io.Reader of one LOAD DATA: it reads records from src as
// the driver asks for bytes. It checks ctx before each batch of records.
type infile struct {
	ctx  context.Context
	src  sink.RecordSource
	key  string // prepended in one-table mode
	one  bool
	cols []column

	buf  []byte
	off  int
	n    int64 // records written
	err  error // the error that ended the stream
	done bool
}

func newInfile(ctx context.Context, job sink.LoadJob, src sink.RecordSource, cols []column) *infile {
	return &infile{ctx: ctx, src: src, key: job.Key, one: job.OneTable, cols: cols, buf: make([]byte, 0, fillSize+4096)}
}

// Read fills p from the encoded records.
func (r *infile) Read(p []byte) (int, error) {
	for r.off == len(r.buf) {
		if r.done {
			if r.err != nil {
				return 0, r.err
			}
			return 0, io.EOF
		}
		r.fill()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// fill encodes records into buf until it holds fillSize bytes or the
// source ends.
func (r *infile) fill() {
	r.buf, r.off = r.buf[:0], 0
	if err := r.ctx.Err(); err != nil {
		r.err, r.done = err, true
		return
	}
	for len(r.buf) < fillSize {
		if !r.src.Next() {
			r.err, r.done = r.src.Err(), true
			return
		}
		r.n++
		vals, err := r.src.Values()
		if err != nil {
			r.err, r.done = fmt.Errorf("record %d: %w", r.n, err), true
			return
		}
		if r.buf, err = r.appendRecord(r.buf, vals); err != nil {
			r.err, r.done = fmt.Errorf("record %d: %w", r.n, err), true
			return
		}
	}
}

// appendRecord appends one line of vals to b.
func (r *infile) appendRecord(b []byte, vals []any) ([]byte, error) {
	if len(vals) != len(r.cols) {
		return b, fmt.Errorf("%d values for %d columns", len(vals), len(r.cols))
	}
	if r.one {
		b = appendText(b, r.key)
		b = append(b, '\t')
	}
	for i, v := range vals {
		if i > 0 {
			b = append(b, '\t')
		}
		var err error
		if b, err = appendValue(b, v, r.cols[i]); err != nil {
			return b, err
		}
	}
	return append(b, '\n'), nil
}

// appendValue appends v, a value of package schema's types, for column c.
func appendValue(b []byte, v any, c column) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, '\\', 'N'), nil
	case string:
		if c.decimal {
			d, ok := sqlsink.FitDecimal(x, c.prec, c.scale)
			if !ok {
				return b, fmt.Errorf("column %q: %s does not fit DECIMAL(%d,%d) and would be rounded", c.name, x, c.prec, c.scale)
			}
			return append(b, d...), nil
		}
		return appendText(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case time.Time:
		return x.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999"), nil
	}
	return b, fmt.Errorf("column %q: a %T value", c.name, v)
}

// appendText appends s escaped as LOAD DATA reads it back byte for byte.
func appendText(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var e byte
		switch s[i] {
		case '\\':
			e = '\\'
		case 0:
			e = '0'
		case '\t':
			e = 't'
		case '\n':
			e = 'n'
		case '\r':
			e = 'r'
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', e)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// columnsOf returns how job's columns are written into a table whose
// columns (by name) have the given SQL types.
func columnsOf(job sink.LoadJob, types map[string]sqlType) []column {
	cols := make([]column, len(job.Table.Columns))
	for i, c := range job.Table.Columns {
		cols[i] = column{name: c.Name}
		if t, ok := types[c.Name]; ok && t.dataType == "decimal" {
			cols[i].decimal, cols[i].prec, cols[i].scale = true, t.prec, t.scale
		}
	}
	return cols
}

// sqlType is what the sink needs of a column's SQL type.
type sqlType struct {
	dataType    string // information_schema's DATA_TYPE, lower case
	prec, scale int    // of a decimal
	comment     string
}

// schemaType maps t back to a schema type.
func (t sqlType) schemaType() schema.Type {
	switch t.dataType {
	case "bigint", "int", "mediumint", "smallint", "tinyint":
		return schema.Integer
	case "decimal":
		return schema.Decimal
	case "date":
		return schema.Date
	case "datetime", "timestamp":
		if t.comment == tzComment {
			return schema.TimestampTZ
		}
		return schema.Timestamp
	}
	return schema.Text
}
