package queue

import (
	"errors"
	"reflect"
	"testing"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
)

// TestCollectorStreams: with a Chooser, the collector gives each input's
// candidates to it and to keep once, when the input's result is complete,
// keeps none itself, and reports keep's error.
func TestCollectorStreams(t *testing.T) {
	inputs := []archive.Input{{Source: "site/a.zip", Size: 10}, {Source: "site/b.zip", Size: 20}}
	m, err := metric.Lookup(metric.Default)
	if err != nil {
		t.Fatal(err)
	}
	send := func(c *collector, attempt string, index int, cands []plan.Candidate) {
		t.Helper()
		base := Result{Format: Format, Run: "run1", Index: index, Source: inputs[index].Source, Attempt: attempt, Worker: attempt, Delivery: 1}
		msgs, err := chunkResults(base, cands, nil, Stats{DataFiles: int64(len(cands))}, 2048)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results(t, msgs) {
			c.add(r)
		}
	}
	a, b := wireCands(30, "site/a.zip"), wireCands(5, "site/b.zip")
	c := newCollector("run1", inputs)
	c.chooser = plan.NewChooser(m.Compare)
	var kept []plan.Candidate
	c.keep = func(cs []plan.Candidate) error { kept = append(kept, cs...); return nil }
	send(c, "first", 0, a)
	send(c, "again", 0, a) // a late second attempt: ignored
	send(c, "first", 1, b)
	res := c.result(0)
	if len(res.Candidates) != 0 {
		t.Errorf("the collector kept %d candidates", len(res.Candidates))
	}
	all := append(append([]plan.Candidate{}, a...), b...)
	if !reflect.DeepEqual(kept, all) {
		t.Errorf("keep got %d candidates, want the %d of both inputs once", len(kept), len(all))
	}
	if got, want := c.chooser.Entries(), plan.Choose(all, m.Compare); !reflect.DeepEqual(got, want) {
		t.Errorf("entries\n%+v\nwant\n%+v", got, want)
	}

	c = newCollector("run1", inputs)
	c.chooser = plan.NewChooser(m.Compare)
	boom := errors.New("disk full")
	c.keep = func([]plan.Candidate) error { return boom }
	send(c, "first", 0, a)
	if !errors.Is(c.err, boom) {
		t.Errorf("err = %v, want keep's", c.err)
	}
}
