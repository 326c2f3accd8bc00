package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// This file: array binding: the rows of a batch as one array per
// column, sent in one round trip.

// execFunc runs the INSERT with one array per column and returns the rows
// it inserted.
type execFunc func(ctx context.Context, args []any) (int64, error)

// insertBatches reads src into batches of batchRows rows (see batch.go),
// one array per column (SourceKeyColumn first in one-table mode), and
// hands each full batch and the last one to w. lob says which job
// columns are LOBs.
func insertBatches(ctx context.Context, job sink.LoadJob, src sink.RecordSource, lob []bool, batchRows int, w *writer) (int64, error) {
	b := newBatch(job, lob, batchRows)
	w.rj, _ = src.(sink.RecordRejecter)
	var inserted, sent int64
	flush := func() error {
		n, err := w.write(ctx, b, sent)
		if err != nil {
			return fmt.Errorf("insert rows %d to %d: %w", sent+1, sent+int64(b.n), err)
		}
		inserted += n
		sent += int64(b.n)
		b.reset()
		b.untrack()
		return ctx.Err()
	}
	for src.Next() {
		vals, err := src.Values()
		if err != nil {
			return inserted, fmt.Errorf("record %d: %w", inserted+int64(b.n)+1, err)
		}
		err = checkScales(job.Table.Columns, w.scales, vals)
		if err == nil {
			err = b.add(vals)
		}
		if err != nil {
			if w.rj == nil {
				return inserted, fmt.Errorf("record %d: %w", sent+int64(b.n)+1, err)
			}
			if rerr := w.rj.Reject(w.rj.Record(), err); rerr != nil {
				return inserted, rerr
			}
			continue
		}
		b.track(w.rj, vals)
		if b.full(batchRows) {
			if err := flush(); err != nil {
				return inserted, err
			}
		}
	}
	if err := src.Err(); err != nil {
		return inserted, err
	}
	if b.n > 0 {
		if err := flush(); err != nil {
			return inserted, err
		}
	}
	return inserted, nil
}

// batch holds rows column by column, in the Go types go-ora binds as
// arrays: sql.NullInt64 (NUMBER), *go_ora.Number (NUMBER, exact),
// go_ora.NullTimeStamp (DATE and TIMESTAMP), go_ora.NullTimeStampTZ
// (TIMESTAMP WITH TIME ZONE), sql.NullString (VARCHAR2) and
// go_ora.Clob (a LOB column whose batch has a value too long for a
// VARCHAR2 bind).
type batch struct {
	key   string // one-table mode: the SourceKeyColumn value
	cols  []*bindCol
	n     int
	recs  []int64 // each row's source record number, when known
	bytes int     // about the bytes of the values
}

type bindCol struct {
	name  string
	typ   schema.Type
	lob   bool
	ints  []sql.NullInt64
	nums  []*go_ora.Number
	times []go_ora.NullTimeStamp
	tzs   []go_ora.NullTimeStampTZ
	strs  []sql.NullString
	long  bool // a string of this batch exceeds maxVarchar bytes
}

func newBatch(job sink.LoadJob, lob []bool, rows int) *batch {
	b := &batch{}
	if job.OneTable {
		b.key = job.Key
		b.cols = append(b.cols, &bindCol{name: sink.SourceKeyColumn, typ: schema.Text})
	}
	for i, c := range job.Table.Columns {
		b.cols = append(b.cols, &bindCol{name: c.Name, typ: c.Type, lob: i < len(lob) && lob[i]})
	}
	for _, c := range b.cols {
		switch c.typ {
		case schema.Integer:
			c.ints = make([]sql.NullInt64, 0, rows)
		case schema.Decimal:
			c.nums = make([]*go_ora.Number, 0, rows)
		case schema.Date, schema.Timestamp:
			c.times = make([]go_ora.NullTimeStamp, 0, rows)
		case schema.TimestampTZ:
			c.tzs = make([]go_ora.NullTimeStampTZ, 0, rows)
		default:
			c.strs = make([]sql.NullString, 0, rows)
		}
	}
	return b
}

func (b *batch) add(vals []any) error {
	cols := b.cols
	if b.key != "" {
		cols = cols[1:]
	}
	if len(vals) != len(cols) {
		return fmt.Errorf("%d values for %d columns", len(vals), len(cols))
	}
	if b.key != "" {
		b.cols[0].strs = append(b.cols[0].strs, sql.NullString{String: b.key, Valid: true})
	}
	for i, c := range cols {
		if err := c.add(vals[i]); err != nil {
			// Undo the row's earlier columns.
			b.truncate()
			return fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	b.n++
	return nil
}

// truncate drops the values of a partly added row.
func (b *batch) truncate() {
	for _, c := range b.cols {
		c.ints, c.nums, c.times, c.strs = c.ints[:min(len(c.ints), b.n)], c.nums[:min(len(c.nums), b.n)], c.times[:min(len(c.times), b.n)], c.strs[:min(len(c.strs), b.n)]
		c.tzs = c.tzs[:min(len(c.tzs), b.n)]
	}
}

func (c *bindCol) add(v any) error {
	switch c.typ {
	case schema.Integer:
		switch x := v.(type) {
		case nil:
			c.ints = append(c.ints, sql.NullInt64{})
		case int64:
			c.ints = append(c.ints, sql.NullInt64{Int64: x, Valid: true})
		default:
			return fmt.Errorf("want an int64, got a %T", v)
		}
	case schema.Decimal:
		switch x := v.(type) {
		case nil:
			c.nums = append(c.nums, nil)
		case string:
			n, err := Number(x)
			if err != nil {
				return err
			}
			c.nums = append(c.nums, n)
		case int64:
			n, err := go_ora.NewNumberFromInt64(x)
			if err != nil {
				return err
			}
			c.nums = append(c.nums, n)
		default:
			return fmt.Errorf("want a decimal string, got a %T", v)
		}
	case schema.Date, schema.Timestamp:
		switch x := v.(type) {
		case nil:
			c.times = append(c.times, go_ora.NullTimeStamp{})
		case time.Time:
			c.times = append(c.times, go_ora.NullTimeStamp{TimeStamp: go_ora.TimeStamp(x), Valid: true})
		default:
			return fmt.Errorf("want a time.Time, got a %T", v)
		}
	case schema.TimestampTZ:
		switch x := v.(type) {
		case nil:
			c.tzs = append(c.tzs, go_ora.NullTimeStampTZ{})
		case time.Time:
			c.tzs = append(c.tzs, go_ora.NullTimeStampTZ{TimeStampTZ: go_ora.TimeStampTZ(x), Valid: true})
		default:
			return fmt.Errorf("want a time.Time, got a %T", v)
		}
	default:
		switch x := v.(type) {
		case nil:
			c.strs = append(c.strs, sql.NullString{})
		case string:
			c.strs = append(c.strs, sql.NullString{String: x, Valid: true})
			if len(x) > maxVarchar {
				c.long = true
			}
		default:
			return fmt.Errorf("want a string, got a %T", v)
		}
	}
	return nil
}

// arg returns the column's array. A LOB column with a value longer than a
// VARCHAR2 bind goes as go_ora.Clob values, which go-ora writes as
// temporary LOBs (slower, one round trip each).
func (c *bindCol) arg() any {
	switch c.typ {
	case schema.Integer:
		return c.ints
	case schema.Decimal:
		return c.nums
	case schema.Date, schema.Timestamp:
		return c.times
	case schema.TimestampTZ:
		return c.tzs
	}
	if c.lob && c.long {
		clobs := make([]go_ora.Clob, len(c.strs))
		for i, s := range c.strs {
			clobs[i] = go_ora.Clob{String: s.String, Valid: s.Valid}
		}
		return clobs
	}
	return c.strs
}

func (b *batch) args() []any {
	args := make([]any, len(b.cols))
	for i, c := range b.cols {
		args[i] = c.arg()
	}
	return args
}

func (b *batch) reset() {
	for _, c := range b.cols {
		c.ints, c.nums, c.times, c.tzs, c.strs, c.long = c.ints[:0], c.nums[:0], c.times[:0], c.tzs[:0], c.strs[:0], false
	}
	b.n = 0
}
