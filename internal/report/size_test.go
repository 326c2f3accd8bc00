package report

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
)

// large is a site of keys keys, each in versions snapshots, whose exports
// grow, are cut short now and then, and shrink at the end for every
// tenth key: the size the report is made for.
func large(keys, versions int) Input {
	day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	cands := make([]plan.Candidate, 0, keys*versions)
	for k := range keys {
		key := fmt.Sprintf("data/LINE%05d.csv", k)
		for v := range versions {
			rows := int64(1000 + 37*v + k%50)
			switch {
			case (k+v)%17 == 0:
				rows /= 3 // a truncated export
			case k%10 == 0 && v == versions-1:
				rows -= 500 // the newest shrank
			}
			snap := day.AddDate(0, 0, v).Format("2006-01-02")
			cands = append(cands, plan.Candidate{Key: key, Source: "site/" + snap[:4] + "/" + snap + "_export.zip!/" + key,
				Rows: rows, Bytes: rows * 80, SHA256: fmt.Sprintf("%064x", k*versions+v), Value: fmt.Sprint(rows)})
		}
	}
	return Input{Metric: "rows", Entries: plan.Choose(cands, metric.CompareValues), Candidates: cands}
}

// MaxLargeBytes is the size a report of 10,000 keys × 100 versions must
// stay under.
const MaxLargeBytes = 15 << 20

func TestLargeReportSize(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a report of a million versions")
	}
	in := large(10000, 100)
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 keys × 100 versions: %d bytes", buf.Len())
	if buf.Len() > MaxLargeBytes {
		t.Errorf("report is %d bytes, want at most %d", buf.Len(), MaxLargeBytes)
	}
	if got := len(decode(t, buf.String()).Keys); got != 10000 {
		t.Errorf("%d keys in the data, want 10000", got)
	}
}

func BenchmarkWriteLarge(b *testing.B) {
	in := large(10000, 100)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, in); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(buf.Len())/(1<<20), "MiB/report")
}
