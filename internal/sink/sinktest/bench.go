package sinktest

import (
	"fmt"
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// SyntheticColumns are the columns of Synthetic's records.
var SyntheticColumns = []schema.Column{
	{Name: "id", Type: schema.Integer},
	{Name: "amount", Type: schema.Decimal},
	{Name: "at", Type: schema.Timestamp},
	{Name: "name", Type: schema.Text, MaxLen: 40},
}

// Bench loads rows Synthetic records into a new table per iteration and
// reports rows/s. The records are built before the timer starts, so the
// benchmark measures the sink alone.
func Bench(b *testing.B, f sink.Factory, dsn string, opts sink.Options, rows int) {
	s := open(b, f, dsn, opts)
	in, ok := s.(Inspector)
	if !ok {
		b.Fatalf("%T does not implement sinktest.Inspector", s)
	}
	recs := Synthetic(rows)
	suffix := randomSuffix(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		table := fmt.Sprintf("sb_%s_%d", suffix, i)
		drop(b, in, table)
		j := sink.LoadJob{
			Key:    fmt.Sprintf("sinkbench/%s/%d.csv", suffix, i),
			Source: "bench",
			SHA256: fmt.Sprintf("%064x", i),
			Rows:   int64(rows),
			Table:  schema.Table{Name: table, Columns: SyntheticColumns},
		}
		res, err := s.Load(b.Context(), j, NewSource(recs...))
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows != int64(rows) {
			b.Fatalf("loaded %d rows, want %d", res.Rows, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
