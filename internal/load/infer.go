package load

import (
	"context"
	"fmt"
	"io"

	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/schema"
)

// inferColumns reads a chosen file once to infer its column types.
func (im *Importer) inferColumns(ctx context.Context, j *job) ([]schema.Column, error) {
	var cols []schema.Column
	err := im.files.Open(ctx, im.files.Base, j.Source, func(r io.Reader) error {
		rd, err := record.NewReader(r, im.parse.Record)
		if err != nil {
			return problem.New(j.Source, 0, err)
		}
		if err := im.checkColumns(len(rd.Header())); err != nil {
			return problem.New(j.Source, 0, fmt.Errorf("header: %w", err))
		}
		names := schema.ColumnNames(rd.Header())
		in := schema.Inferrer{AllText: im.parse.AllText, Limits: im.limits}
		for rd.Next() {
			if rec := rd.Record(); len(rec) == len(names) {
				in.Add(rec)
			}
		}
		if err := rd.Err(); err != nil {
			return problem.New(j.Source, rd.RecordNumber(), err)
		}
		cols = in.Columns(names)
		return nil
	})
	return cols, err
}

// oneTableColumns infers one set of columns for all keys of a one-table
// load whose table does not exist yet: the files must have the same
// columns, in any order, and each column gets the widest type any file
// needs.
func (im *Importer) oneTableColumns(ctx context.Context, jobs []*job) error {
	if len(jobs) == 0 {
		return nil
	}
	if _, exists, err := im.sink.Columns(ctx, jobs[0].table); err != nil || exists {
		return err
	}
	var merged []schema.Column
	var first string
	for _, j := range jobs {
		if j.empty() {
			continue
		}
		cols, err := im.inferColumns(ctx, j)
		if err != nil {
			return fmt.Errorf("key %s: %w", j.Key, err)
		}
		if merged == nil {
			merged, first = cols, j.Key
			continue
		}
		if d := diffColumns(schema.ColumnNamesOf(merged), schema.ColumnNamesOf(cols)); d != "" {
			return fmt.Errorf("%s: table %s: key %s and key %s have different columns: %s", im.name("one_table"), jobs[0].table, first, j.Key, d)
		}
		at := make(map[string]int, len(merged))
		for i, m := range merged {
			at[m.Name] = i
		}
		for _, c := range cols {
			i := at[c.Name]
			merged[i] = schema.Widen(merged[i], c)
		}
	}
	for _, j := range jobs {
		j.cols = merged
	}
	return nil
}
