package sink

import (
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
)

// BenchmarkDigestAdd measures the digest's cost per row, which every load
// pays: a row of the example site's shape.
func BenchmarkDigestAdd(b *testing.B) {
	cols := []schema.Column{
		{Name: "ts", Type: schema.Timestamp}, {Name: "line", Type: schema.Integer}, {Name: "batch", Type: schema.Text},
		{Name: "qty", Type: schema.Integer}, {Name: "weight", Type: schema.Decimal}, {Name: "operator", Type: schema.Text},
		{Name: "note", Type: schema.Text}, {Name: "temp", Type: schema.Decimal},
	}
	vals := []any{time.Date(2022, 12, 30, 5, 31, 35, 0, time.UTC), int64(1), "B00778", int64(340), "25.816", "A. Schmidt", nil, "232.0"}
	var d Digest
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Add(cols, vals); err != nil {
			b.Fatal(err)
		}
	}
}
