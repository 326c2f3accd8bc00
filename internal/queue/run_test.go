package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
)

// syncLog collects a coordinator's notes.
type syncLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *syncLog) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// waitFor waits until a line with s was logged.
func (l *syncLog) waitFor(t *testing.T, s string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		l.mu.Lock()
		found := slices.ContainsFunc(l.lines, func(line string) bool { return strings.Contains(line, s) })
		l.mu.Unlock()
		if found {
			return
		}
	}
	t.Fatalf("no note with %q in:\n%s", s, l)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func publishJSON(t *testing.T, js jetstream.JetStream, subject string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), subject, b); err != nil {
		t.Fatal(err)
	}
}

type analyzed struct {
	res *analysis.Result
	err error
}

func analyzeAsync(c *Coordinator, ins []archive.Input, s analysis.Settings) chan analyzed {
	done := make(chan analyzed, 1)
	go func() {
		res, err := c.Analyze(context.Background(), ins, s)
		done <- analyzed{res, err}
	}()
	return done
}

func serveWorker(t *testing.T, nc *nats.Conn, names Names) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	w := &Worker{Conn: nc, Names: names, Slots: 2, ID: "w"}
	wg.Go(func() { w.Serve(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func rowsBySource(res *analysis.Result) map[string]int64 {
	m := map[string]int64{}
	for _, c := range res.Candidates {
		m[c.Source] = c.Rows
	}
	return m
}

// TestDeadRunIsAdopted leaves on the streams what a killed coordinator
// leaves (its three tasks, a result for f0.csv and a failed one for
// f1.csv) and analyzes the same inputs again: the new run keeps f0.csv's
// result, purges the dead tasks, queues f1.csv and f2.csv only, and
// leaves nothing behind.
func TestDeadRunIsAdopted(t *testing.T) {
	nc, names := testNATS(t)
	ins := csvInputs(t, t.TempDir(), 3)
	s := analysis.Settings{Metric: "rows", MaxDepth: 4}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := Setup(t.Context(), js, names, time.Second); err != nil {
		t.Fatal(err)
	}
	run := RunID(ins, s)
	for i, in := range ins {
		abs, _ := filepath.Abs(in.Path)
		publishJSON(t, js, names.TaskSubject(run), Task{Format: Format, Run: run, Index: i, Path: filepath.ToSlash(abs),
			Source: in.Source, Key: in.Key, Size: in.Size, Settings: s, Reply: names.ResultSubject(run)})
	}
	// Rows 999: only the adopted result can have it (f0.csv has 1 row).
	publishJSON(t, js, names.ResultSubject(run), Result{Format: Format, Run: run, Index: 0, Source: ins[0].Source,
		Attempt: "dead-0", Worker: "dead", Delivery: 1, Chunks: 1,
		Candidates: []Candidate{{Key: ins[0].Key, Source: ins[0].Source, Rows: 999, Value: "999"}}, Stats: &Stats{DataFiles: 1}})
	publishJSON(t, js, names.ResultSubject(run), Result{Format: Format, Run: run, Index: 1, Source: ins[1].Source,
		Attempt: "dead-1", Worker: "dead", Delivery: 3, Chunks: 1, Failed: "no such file"})

	var log syncLog
	c := &Coordinator{Conn: nc, Names: names, AckWait: 5 * time.Second, Logf: log.logf}
	done := analyzeAsync(c, ins, s)
	log.waitFor(t, "queued 2 tasks")
	if n := remaining(t, nc, names.TaskStream(), names.TaskSubject(run)); n != 2 {
		t.Errorf("%d tasks of the run queued, want 2 (the dead run's purged, f0.csv not queued again)", n)
	}
	serveWorker(t, nc, names)
	var o analyzed
	select {
	case o = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the analysis did not end:\n%s", &log)
	}
	if o.err != nil {
		t.Fatal(o.err)
	}
	got := rowsBySource(o.res)
	if want := map[string]int64{ins[0].Source: 999, ins[1].Source: 2, ins[2].Source: 3}; !sameRows(got, want) {
		t.Errorf("rows by source = %v, want %v (f0.csv adopted, f1.csv done again)", got, want)
	}
	if len(o.res.Problems) != 0 {
		t.Errorf("problems = %v, want none: the dead run's failure is done again", o.res.Problems)
	}
	if !strings.Contains(log.String(), "adopting run "+run) {
		t.Errorf("the notes do not say the dead run was adopted:\n%s", &log)
	}
	if n := remaining(t, nc, names.TaskStream(), names.Queue+".tasks.*"); n != 0 {
		t.Errorf("%d tasks left after the run", n)
	}
	if n := remaining(t, nc, names.ResultStream(), names.Queue+".results.*"); n != 0 {
		t.Errorf("%d results left after the run", n)
	}
}

func sameRows(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestLiveRunIsJoined starts a second analysis of the same inputs while
// the first waits for workers: the second joins (purges nothing), both
// get the same result, and the tasks are gone once both ended.
func TestLiveRunIsJoined(t *testing.T) {
	nc, names := testNATS(t)
	ins := csvInputs(t, t.TempDir(), 3)
	s := analysis.Settings{Metric: "rows", MaxDepth: 4}
	var logA, logB syncLog
	a := &Coordinator{Conn: nc, Names: names, AckWait: 5 * time.Second, Logf: logA.logf}
	doneA := analyzeAsync(a, ins, s)
	logA.waitFor(t, "queued 3 tasks")
	b := &Coordinator{Conn: nc, Names: names, AckWait: 5 * time.Second, Logf: logB.logf}
	doneB := analyzeAsync(b, ins, s)
	logB.waitFor(t, "queued")
	if !strings.Contains(logB.String(), "joining the live analysis") {
		t.Errorf("the second analysis did not join the first:\n%s", &logB)
	}
	run := RunID(ins, s)
	if n := remaining(t, nc, names.TaskStream(), names.TaskSubject(run)); n != 6 {
		t.Errorf("%d tasks queued, want 6: the live run's 3 are not purged", n)
	}
	serveWorker(t, nc, names)
	var results []*analysis.Result
	for _, done := range []chan analyzed{doneA, doneB} {
		select {
		case o := <-done:
			if o.err != nil {
				t.Fatal(o.err)
			}
			results = append(results, o.res)
		case <-time.After(20 * time.Second):
			t.Fatalf("an analysis did not end:\nA:\n%s\nB:\n%s", &logA, &logB)
		}
	}
	want := map[string]int64{ins[0].Source: 1, ins[1].Source: 2, ins[2].Source: 3}
	for i, r := range results {
		if got := rowsBySource(r); !sameRows(got, want) {
			t.Errorf("analysis %d: rows by source = %v, want %v", i, got, want)
		}
	}
	if n := remaining(t, nc, names.TaskStream(), names.Queue+".tasks.*"); n != 0 {
		t.Errorf("%d tasks left after both ended", n)
	}
}

func TestRunID(t *testing.T) {
	dir := t.TempDir()
	ins := csvInputs(t, dir, 2)
	s := analysis.Settings{Metric: "rows", MaxDepth: 4}
	id := RunID(ins, s)
	tests := []struct {
		Name string
		ID   string
		Same bool
	}{
		{Name: "Again", ID: RunID(ins, s), Same: true},
		{Name: "OtherSettings", ID: RunID(ins, analysis.Settings{Metric: "rows", MaxDepth: 3})},
		{Name: "FewerInputs", ID: RunID(ins[:1], s)},
		{Name: "Touched", ID: func() string {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(ins[1].Path, later, later); err != nil {
				t.Fatal(err)
			}
			return RunID(ins, s)
		}()},
	}
	for _, tt := range tests {
		if (tt.ID == id) != tt.Same {
			t.Errorf("%s: id %s, first %s; want same=%t", tt.Name, tt.ID, id, tt.Same)
		}
	}
}
