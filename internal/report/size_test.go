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
// tenth key: the size the report is made for. The plan is made here as
// plan.Choose would make it (the most rows, on a tie the later snapshot),
// without comparing a million sources by date.
func large(keys, versions int) Input {
	day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	snaps := make([]string, versions)
	for v := range snaps {
		d := day.AddDate(0, 0, v).Format("2006-01-02")
		snaps[v] = "site/" + d[:4] + "/" + d + "_export.zip"
	}
	cands := make([]plan.Candidate, 0, keys*versions)
	entries := make([]plan.Entry, 0, keys)
	for k := range keys {
		key := fmt.Sprintf("data/LINE%05d.csv", k)
		first := len(cands)
		for v := range versions {
			rows := int64(1000 + 37*v + k%50)
			switch {
			case (k+v)%17 == 0:
				rows /= 3 // a truncated export
			case k%10 == 0 && v == versions-1:
				rows -= 500 // the newest shrank
			}
			cands = append(cands, plan.Candidate{Key: key, Source: snaps[v] + "!/" + key,
				Rows: rows, Bytes: rows * 80, SHA256: fmt.Sprintf("%064x", k*versions+v), Value: fmt.Sprint(rows)})
		}
		vs := cands[first:]
		best, second := -1, -1
		for i := range vs { // later snapshots are newer: >= lets them win ties
			switch {
			case best < 0 || vs[i].Rows >= vs[best].Rows:
				best, second = i, best
			case second < 0 || vs[i].Rows >= vs[second].Rows:
				second = i
			}
		}
		e := plan.Entry{Candidate: vs[best], Candidates: len(vs)}
		if second >= 0 {
			ru := vs[second]
			e.RunnerUp = &ru
		}
		if last := vs[len(vs)-1]; best != len(vs)-1 {
			e.Warnings = []string{plan.WarnNotNewest(last.Source)}
			e.Newest = &last
		}
		entries = append(entries, e)
	}
	return Input{Metric: "rows", Entries: entries, Candidates: cands}
}

// TestLargeIsChoose holds large to plan.Choose on a sample.
func TestLargeIsChoose(t *testing.T) {
	in := large(30, 20)
	got := plan.Choose(in.Candidates, metric.CompareValues)
	for i := range got {
		g, w := got[i], in.Entries[i]
		if g.Source != w.Source || g.RunnerUp.Source != w.RunnerUp.Source || fmt.Sprint(g.Warnings) != fmt.Sprint(w.Warnings) {
			t.Errorf("key %s: large chose %s (runner-up %s, %q), Choose %s (runner-up %s, %q)",
				g.Key, w.Source, w.RunnerUp.Source, w.Warnings, g.Source, g.RunnerUp.Source, g.Warnings)
		}
	}
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
