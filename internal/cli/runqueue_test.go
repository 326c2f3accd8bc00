package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/sitegen"
	"github.com/siftload/siftload/internal/ui"
)

// TestRunQueue runs "run --queue" with a worker: the plan is the local
// analysis's byte for byte, every key loads, and the run leaves no task
// or result on the streams.
func TestRunQueue(t *testing.T) {
	url, queueName := testQueue(t)
	dir, _ := site(t, sitegen.Params{Snapshots: 6, Keys: 4, Rows: 30, Columns: 5, Seed: 9, TarEvery: 3})
	mustExecute(t, "analyze", dir, "--out", "local.csv", "-q")
	keys := strings.Count(readFile(t, "local.csv"), "\n") - 1

	ctx, cancel := context.WithCancel(t.Context())
	var wout syncBuffer
	var wg sync.WaitGroup
	wg.Go(func() {
		runWorker(ctx, ui.NewPrinter(&wout, false), config.Settings{Scale: config.Scale{Queue: url, QueueName: queueName}, Analysis: config.Analysis{Workers: 2}})
	})
	defer func() { cancel(); wg.Wait() }()

	p, out := quiet(t)
	if err := execute(t.Context(), p, []string{"run", dir, "--queue", url, "--queue-name", queueName, "--out", "queue.csv", "--db", "sqlite:q.db"}); err != nil {
		t.Fatalf("run --queue: %v\n%s\nworker:\n%s", err, out, wout.String())
	}
	if !strings.Contains(out.String(), "queued") {
		t.Errorf("run did not analyze through the queue:\n%s", out)
	}
	if got, want := readFile(t, "queue.csv"), readFile(t, "local.csv"); got != want {
		t.Errorf("plan through the queue differs from the local one:\n got:\n%s\nwant:\n%s", got, want)
	}
	if want := fmt.Sprintf("%d loaded, 0 replaced, 0 skipped, 0 failed", keys); !strings.Contains(out.String(), want) {
		t.Errorf("run --queue printed:\n%s\nwant %q", out, want)
	}

	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, stream := range []string{queueName + "_tasks", queueName + "_results"} {
		if n := streamMsgs(t, js, stream); n != 0 {
			t.Errorf("%s holds %d messages after a clean run, want none", stream, n)
		}
	}
}

// streamMsgs returns how many messages stream holds.
func streamMsgs(t *testing.T, js jetstream.JetStream, stream string) uint64 {
	t.Helper()
	st, err := js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestKilledQueueAnalysisIsAdopted kills an "analyze --queue" process
// once its tasks are out (no worker runs): its tasks stay on the stream.
// The next analysis of the same inputs adopts the dead run: it purges
// those tasks, queues its own, writes the local plan, and leaves nothing.
func TestKilledQueueAnalysisIsAdopted(t *testing.T) {
	url, queueName := testQueue(t)
	dir, _ := site(t, sitegen.Params{Snapshots: 5, Keys: 3, Rows: 20, Columns: 5, Seed: 4})
	mustExecute(t, "analyze", dir, "--out", "local.csv", "-q")
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	var stderr syncBuffer
	killed := selfCommand(t, t.Context(), nil, "analyze", dir, "--queue", url, "--queue-name", queueName, "--out", "killed.csv")
	killed.Stderr = &stderr
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(stderr.String(), "queued"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			killed.Process.Kill()
			t.Fatalf("analyze --queue did not queue:\n%s", stderr.String())
		}
	}
	killed.Process.Kill()
	killed.Wait()
	left := streamMsgs(t, js, queueName+"_tasks")
	if left == 0 {
		t.Fatal("the killed analysis left no task: nothing to adopt")
	}

	ctx, cancel := context.WithCancel(t.Context())
	var wout syncBuffer
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	var out syncBuffer
	p := ui.NewPrinter(&out, false)
	done := make(chan error, 1)
	go func() {
		done <- execute(ctx, p, []string{"analyze", dir, "--queue", url, "--queue-name", queueName, "--out", "again.csv"})
	}()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out.String(), "queued"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the second analysis did not queue:\n%s", out.String())
		}
	}
	if n := streamMsgs(t, js, queueName+"_tasks"); n != left {
		t.Errorf("%d tasks on the stream after the second analysis queued, want %d: the dead run's purged, its own queued", n, left)
	}
	wg.Go(func() {
		runWorker(ctx, ui.NewPrinter(&wout, false), config.Settings{Scale: config.Scale{Queue: url, QueueName: queueName}, Analysis: config.Analysis{Workers: 2}})
	})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("analyze --queue after the killed one: %v\n%s\nworker:\n%s", err, out.String(), wout.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the second analysis did not end:\n%s\nworker:\n%s", out.String(), wout.String())
	}
	if !strings.Contains(out.String(), "adopting run") {
		t.Errorf("the second analysis did not adopt the dead run:\n%s", out.String())
	}
	if got, want := readFile(t, "again.csv"), readFile(t, "local.csv"); got != want {
		t.Errorf("plan after adopting differs from the local one:\n got:\n%s\nwant:\n%s", got, want)
	}
	for _, stream := range []string{queueName + "_tasks", queueName + "_results"} {
		if n := streamMsgs(t, js, stream); n != 0 {
			t.Errorf("%s holds %d messages after the second analysis, want none", stream, n)
		}
	}
}
