package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/testenv"
)

// testNATS connects to the NATS server of SIFTLOAD_TEST_NATS_URL (default
// nats://127.0.0.1:4222, JetStream on) and returns the connection and a
// queue of its own, deleted with the test. Without a server the test is
// skipped, or fails when SIFTLOAD_TEST_DISALLOW_SKIP is set.
func testNATS(t *testing.T) (*nats.Conn, Names) {
	t.Helper()
	url := os.Getenv("SIFTLOAD_TEST_NATS_URL")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err == nil {
		var js jetstream.JetStream
		if js, err = jetstream.New(nc); err == nil {
			_, err = js.AccountInfo(t.Context())
		}
	}
	if err != nil {
		testenv.Skipf(t, "no NATS JetStream server at %s (%v): set SIFTLOAD_TEST_NATS_URL or start nats-server -js", url, err)
	}
	names, err := NewNames(fmt.Sprintf("sifttest_%d", rand.Uint64()%1e12))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		js, _ := jetstream.New(nc)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		js.DeleteStream(ctx, names.TaskStream())
		js.DeleteStream(ctx, names.ResultStream())
		nc.Close()
	})
	return nc, names
}

// csvInputs writes n small CSV files into dir and expands them.
func csvInputs(t *testing.T, dir string, n int) []archive.Input {
	t.Helper()
	for i := range n {
		body := "a,b\n" + strings.Repeat("1,2\n", i+1)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.csv", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ins, err := archive.Expand(t.Context(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// remaining returns how many messages of subject are left in stream.
func remaining(t *testing.T, nc *nats.Conn, stream, subject string) uint64 {
	t.Helper()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(t.Context(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func TestTaskFailingThreeTimesIsAProblem(t *testing.T) {
	nc, names := testNATS(t)
	site := t.TempDir()
	ins := csvInputs(t, site, 4)
	// The workers see the site at another place, where f2.csv is missing.
	mirror := t.TempDir()
	for _, in := range ins {
		if filepath.Base(in.Path) == "f2.csv" {
			continue
		}
		b, _ := os.ReadFile(in.Path)
		os.WriteFile(filepath.Join(mirror, filepath.Base(in.Path)), b, 0o644)
	}
	abs, _ := filepath.Abs(site)
	var (
		mu  sync.Mutex
		log []string
	)
	logf := func(format string, args ...any) {
		mu.Lock()
		log = append(log, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	for i := range 2 {
		w := &Worker{Conn: nc, Names: names, Slots: 1, ID: fmt.Sprintf("w%d", i),
			PathMap: []PathMap{{From: filepath.ToSlash(abs), To: filepath.ToSlash(mirror)}}, Logf: logf}
		wg.Go(func() { w.Serve(ctx) })
	}
	c := &Coordinator{Conn: nc, Names: names, AckWait: 5 * time.Second}
	res, err := c.Analyze(t.Context(), ins, analysis.Settings{Metric: "rows", MaxDepth: 4})
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) != 3 {
		t.Errorf("%d candidates, want the 3 files the workers could read", len(res.Candidates))
	}
	if len(res.Problems) != 1 {
		t.Fatalf("problems = %v, want one for f2.csv", res.Problems)
	}
	p := res.Problems[0]
	if !strings.HasSuffix(p.Source, "/f2.csv") || !strings.Contains(p.Error(), "failed on 3 deliveries") || !strings.Contains(p.Error(), "no such file") {
		t.Errorf("problem = %v, want f2.csv failed on 3 deliveries: no such file", p)
	}
	handedBack := 0
	for _, l := range log {
		if strings.Contains(l, "handed back") {
			handedBack++
		}
	}
	if handedBack != 2 {
		t.Errorf("%d deliveries handed back, want 2 before the last one:\n%s", handedBack, strings.Join(log, "\n"))
	}
	if n := remaining(t, nc, names.TaskStream(), names.Queue+".tasks.*"); n != 0 {
		t.Errorf("%d tasks left in the queue after the run", n)
	}
	if n := remaining(t, nc, names.ResultStream(), names.Queue+".results.*"); n != 0 {
		t.Errorf("%d results left after the run", n)
	}
}

func TestTaskAbandonedByDeadWorkersIsAProblem(t *testing.T) {
	nc, names := testNATS(t)
	ins := csvInputs(t, t.TempDir(), 1)
	c := &Coordinator{Conn: nc, Names: names, AckWait: time.Second}
	type out struct {
		res *analysis.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := c.Analyze(t.Context(), ins, analysis.Settings{Metric: "rows", MaxDepth: 4})
		done <- out{res, err}
	}()
	// Three workers that take the task and die before they answer.
	js, _ := jetstream.New(nc)
	deliveries := 0
	deadline := time.Now().Add(20 * time.Second)
	for deliveries < 3 && time.Now().Before(deadline) {
		cons, err := js.Consumer(t.Context(), names.TaskStream(), names.Consumer())
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		fctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		if _, err := cons.Next(jetstream.FetchContext(fctx)); err == nil {
			deliveries++
		}
		cancel()
	}
	if deliveries != 3 {
		t.Fatalf("the task was delivered %d times, want 3", deliveries)
	}
	// A live worker polls: JetStream notices the exhausted task (and
	// publishes its advisory) when it would deliver it again. The task
	// must not come a fourth time.
	cons, err := js.Consumer(t.Context(), names.TaskStream(), names.Consumer())
	if err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	if m, err := cons.Next(jetstream.FetchContext(fctx)); err == nil {
		md, _ := m.Metadata()
		t.Errorf("the task came again (delivery %d)", md.NumDelivered)
	}
	cancel()
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatal(o.err)
		}
		if len(o.res.Problems) != 1 || !strings.Contains(o.res.Problems[0].Error(), "abandoned after 3 deliveries") {
			t.Errorf("problems = %v, want the task abandoned after 3 deliveries", o.res.Problems)
		}
		if len(o.res.Candidates) != 0 {
			t.Errorf("candidates = %v, want none", o.res.Candidates)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the coordinator still waits for a task no worker can finish")
	}
}

func TestCoordinatorInterruptedPurgesItsTasks(t *testing.T) {
	nc, names := testNATS(t)
	ins := csvInputs(t, t.TempDir(), 3)
	ctx, cancel := context.WithCancel(t.Context())
	c := &Coordinator{Conn: nc, Names: names, AckWait: time.Second, Logf: func(format string, _ ...any) {
		if strings.HasPrefix(format, "queued") {
			cancel() // no worker: interrupt once the tasks are out
		}
	}}
	_, err := c.Analyze(ctx, ins, analysis.Settings{Metric: "rows", MaxDepth: 4})
	if err != context.Canceled {
		t.Fatalf("Analyze = %v, want context.Canceled", err)
	}
	if n := remaining(t, nc, names.TaskStream(), names.Queue+".tasks.*"); n != 0 {
		t.Errorf("%d tasks of the interrupted run left in the queue", n)
	}
}
