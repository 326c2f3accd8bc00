package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/testenv"
	"github.com/siftload/siftload/internal/ui"
)

// selfCommand returns a command that runs the test binary as siftload
// (see TestMain) with args, in the test's working directory, without the
// batch schedulers' variables of the environment.
func selfCommand(t *testing.T, ctx context.Context, env []string, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JOB_COMPLETION") && !strings.HasPrefix(kv, "SLURM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "SIFTLOAD_TEST_MAIN=1"), env...)
	return cmd
}

// problemSite is the tricky site plus two broken archives, so that the
// plan and the problems file both have something to compare.
func problemSite(t *testing.T) string {
	t.Helper()
	dir, _ := site(t, tricky)
	if err := os.WriteFile(filepath.Join(dir, "old", "broken.zip"), []byte("not a zip at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeBadCRCZip(t, filepath.Join(dir, "2023", "2023-02-02_export.zip"), "data/LINE01.csv")
	return dir
}

// localPlan analyzes inputs in-process into local.csv and
// local.problems.csv and returns both files' contents.
func localPlan(t *testing.T, args ...string) (string, string) {
	t.Helper()
	return localPlanWith(t, "", args...)
}

// localPlanWith is localPlan with the coverage setting cov.
func localPlanWith(t *testing.T, cov string, args ...string) (string, string) {
	t.Helper()
	p, out := quiet(t)
	opts := config.Settings{Analysis: config.Analysis{Out: "local.csv", Workers: 2, Metric: "rows", MaxDepth: 4, Coverage: cov}}
	if _, err := runAnalyze(t.Context(), p, opts, args); err != nil && !errors.Is(err, ErrProblems) {
		t.Fatalf("local analysis: %v\n%s", err, out)
	}
	plan, probs := readFile(t, "local.csv"), readFile(t, "local.problems.csv")
	if strings.Count(plan, "\n") < 10 || strings.Count(probs, "\n") < 3 {
		t.Fatalf("the local run found too little to compare:\n%s\n%s", plan, probs)
	}
	return plan, probs
}

// TestShardProcessesAndMergeGiveTheLocalPlan runs four shard processes at
// once (two given I/N, one as a Kubernetes Indexed Job pod, one as a Slurm
// array task re-run alone with SHARDS) and a merge process, and compares the plan and problems
// with a single analysis, byte for byte.
func TestShardProcessesAndMergeGiveTheLocalPlan(t *testing.T) {
	dir := problemSite(t)
	wantPlan, wantProbs := localPlan(t, dir)

	shards := []struct {
		shard string
		env   []string
	}{
		{"0/4", nil},
		{"1/4", nil},
		{"auto", []string{"JOB_COMPLETION_INDEX=2", "JOB_COMPLETIONS=4"}},
		// A Slurm array task re-run alone (sbatch --array=3), as
		// deploy/slurm does it: SHARDS names the count.
		{"auto", []string{"SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_MIN=3", "SLURM_ARRAY_TASK_MAX=3", "SLURM_ARRAY_TASK_COUNT=1", "SLURM_ARRAY_TASK_STEP=1", "SHARDS=4"}},
	}
	var cmds []*exec.Cmd
	outs := make([]*syncBuffer, len(shards))
	for i, s := range shards {
		outs[i] = new(syncBuffer)
		cmd := selfCommand(t, t.Context(), s.env, "analyze", dir, "--shard", s.shard,
			"--candidates", fmt.Sprintf("part-%d.csv", i), "--workers", "1")
		cmd.Stderr = outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("shard %d: %v (a shard exits 0 even with problems)\n%s", i, err, outs[i])
		}
		if !strings.Contains(outs[i].String(), fmt.Sprintf("shard %d/4", i)) {
			t.Errorf("process %d did not analyze shard %d/4:\n%s", i, i, outs[i])
		}
		f, err := os.Open(fmt.Sprintf("part-%d.csv", i))
		if err != nil {
			t.Fatal(err)
		}
		part, cands, _, err := plan.ReadPart(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if part.Shard != i || part.Shards != 4 || part.Inputs == 0 {
			t.Errorf("part-%d.csv is shard %d/%d with %d inputs, want %d/4 with some", i, part.Shard, part.Shards, part.Inputs, i)
		}
		// The shard's log counts the keys it found, not the 0 of a plan
		// it does not choose.
		keys := make(map[string]bool)
		for _, c := range cands {
			keys[c.Key] = true
		}
		if want := fmt.Sprintf("%d candidates of %d keys", len(cands), len(keys)); len(keys) == 0 || !strings.Contains(outs[i].String(), want) || !strings.Contains(outs[i].String(), fmt.Sprintf(", %d keys, ", len(keys))) {
			t.Errorf("shard %d's log does not say %q (%d keys):\n%s", i, want, len(keys), outs[i])
		}
	}

	var stderr syncBuffer
	merge := selfCommand(t, t.Context(), nil, "merge", "part-3.csv", "part-1.csv", "part-0.csv", "part-2.csv", "--out", "merged.csv")
	merge.Stderr = &stderr
	err := merge.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("merge = %v, want exit status 1 for the problems\n%s", err, stderr.String())
	}
	if got := readFile(t, "merged.csv"); got != wantPlan {
		t.Errorf("merged plan differs from the local one:\n got:\n%s\nwant:\n%s", got, wantPlan)
	}
	if got := readFile(t, "merged.problems.csv"); got != wantProbs {
		t.Errorf("merged problems differ from the local ones:\n got:\n%s\nwant:\n%s", got, wantProbs)
	}
}

// analyzeShard runs shard spec of dir in-process into file.
func analyzeShard(t *testing.T, dir, spec, by, file string, mod func(*config.Settings)) {
	t.Helper()
	p, out := quiet(t)
	opts := config.Settings{Analysis: config.Analysis{Out: "unused.csv", Candidates: file, Workers: 2, Metric: "rows", MaxDepth: 4},
		Scale: config.Scale{Shard: spec, ShardBy: by}}
	if mod != nil {
		mod(&opts)
	}
	if _, err := runAnalyze(t.Context(), p, opts, []string{dir}); err != nil {
		t.Fatalf("shard %s: %v\n%s", spec, err, out)
	}
	if _, err := os.Stat("unused.csv"); err == nil {
		t.Fatal("a shard wrote a plan")
	}
}

func TestMergeRefusesPartsOfDifferentAnalyses(t *testing.T) {
	dir := problemSite(t)
	wantPlan, wantProbs := localPlan(t, dir)
	for i := range 3 {
		analyzeShard(t, dir, fmt.Sprintf("%d/3", i), "hash", fmt.Sprintf("h-%d.csv", i), nil)
	}
	// The good set merges to the local plan (hash partition this time).
	p, _ := quiet(t)
	if _, err := runMerge(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "hash.csv"}}, []string{"h-*.csv"}); !errors.Is(err, ErrProblems) {
		t.Fatalf("merge = %v, want ErrProblems", err)
	}
	if readFile(t, "hash.csv") != wantPlan || readFile(t, "hash.problems.csv") != wantProbs {
		t.Error("the hash-partitioned shards do not merge to the local plan")
	}

	// Shard 2 again, with other settings, and on a machine that misses an
	// archive; and shard 1 partitioned by size.
	analyzeShard(t, dir, "2/3", "hash", "other-settings.csv", func(o *config.Settings) { o.Include = []string{"LINE*.csv"} })
	analyzeShard(t, dir, "1/3", "size", "by-size.csv", nil)
	victim := filepath.Join(dir, "old", "broken.zip")
	saved, _ := os.ReadFile(victim)
	os.Remove(victim)
	analyzeShard(t, dir, "2/3", "hash", "missing-archive.csv", nil)
	os.WriteFile(victim, saved, 0o644)

	tests := []struct {
		Name    string
		Files   []string
		WantErr string
	}{
		{Name: "ShardTwice", Files: []string{"h-0.csv", "h-1.csv", "h-2.csv", "h-1.csv"}, WantErr: "shard 1/3 twice"},
		{Name: "ShardMissing", Files: []string{"h-0.csv", "h-2.csv"}, WantErr: "shards 1 of 3 missing"},
		{Name: "OtherSettings", Files: []string{"h-0.csv", "h-1.csv", "other-settings.csv"}, WantErr: "different settings or inputs"},
		{Name: "MissingArchive", Files: []string{"h-0.csv", "h-1.csv", "missing-archive.csv"}, WantErr: "different settings or inputs"},
		{Name: "OtherPartition", Files: []string{"h-0.csv", "by-size.csv", "h-2.csv"}, WantErr: "partitioned by size"},
		{Name: "NotACandidatesFile", Files: []string{"h-0.csv", "local.csv"}, WantErr: "not a siftload candidates file"},
		{Name: "NoFiles", Files: []string{"nothing-*.csv"}, WantErr: "no such files"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			out := "refused-" + tt.Name + ".csv"
			p, _ := quiet(t)
			_, err := runMerge(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: out}}, tt.Files)
			if err == nil || errors.Is(err, ErrProblems) || !strings.Contains(err.Error(), tt.WantErr) {
				t.Fatalf("merge %v = %v, want a refusal with %q", tt.Files, err, tt.WantErr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a refused merge wrote a plan")
			}
		})
	}
}

func TestOneShardOfOneMergesBack(t *testing.T) {
	dir := problemSite(t)
	p, _ := quiet(t)
	opts := config.Settings{Analysis: config.Analysis{Out: "local.csv", Candidates: "plain.csv", Workers: 2, Metric: "max:ts", MaxDepth: 4}}
	if _, err := runAnalyze(t.Context(), p, opts, []string{dir}); !errors.Is(err, ErrProblems) {
		t.Fatal(err)
	}
	if !strings.HasPrefix(readFile(t, "plain.csv"), strings.Join(plan.CandidatesHeader, ",")+"\n") {
		t.Errorf("--candidates without --shard is no longer the plain list:\n%.200s", readFile(t, "plain.csv"))
	}
	analyzeShard(t, dir, "0/1", "size", "all.csv", func(o *config.Settings) { o.Metric = "max:ts" })
	if _, err := runMerge(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "merged.csv"}}, []string{"all.csv"}); !errors.Is(err, ErrProblems) {
		t.Fatal(err)
	}
	if readFile(t, "merged.csv") != readFile(t, "local.csv") || readFile(t, "merged.problems.csv") != readFile(t, "local.problems.csv") {
		t.Error("shard 0/1 does not merge to the plan of the same analysis")
	}
	if _, err := runMerge(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "refused.csv"}}, []string{"plain.csv"}); err == nil || !strings.Contains(err.Error(), "--shard 0/1") {
		t.Errorf("merge of a plain candidates list = %v, want a refusal that points to --shard 0/1", err)
	}
}

func TestShardUsageErrors(t *testing.T) {
	dir, _ := site(t, tricky)
	tests := []struct {
		Name string
		Args []string
	}{
		{Name: "NoCandidates", Args: []string{"analyze", dir, "--shard", "0/2"}},
		{Name: "BadSpec", Args: []string{"analyze", dir, "--shard", "2/2", "--candidates", "p.csv"}},
		{Name: "AutoWithoutScheduler", Args: []string{"analyze", dir, "--shard", "auto", "--candidates", "p.csv"}},
		{Name: "BadPartition", Args: []string{"analyze", dir, "--shard", "0/2", "--shard-by", "count", "--candidates", "p.csv"}},
		{Name: "ShardAndQueue", Args: []string{"analyze", dir, "--shard", "0/2", "--candidates", "p.csv", "--queue", "nats://127.0.0.1:4222"}},
		{Name: "MergeNothing", Args: []string{"merge"}},
		{Name: "WorkerNoQueue", Args: []string{"worker"}},
		{Name: "WorkerBadPathMap", Args: []string{"worker", "--queue", "nats://127.0.0.1:4222", "--path-map", "nothing"}},
		{Name: "QueueURLWithPassword", Args: []string{"analyze", dir, "--queue", "nats://u:pw@127.0.0.1:4222"}},
		{Name: "QueueCertWithoutKey", Args: []string{"worker", "--queue", "nats://nats.example:4222", "--nats-cert", "c.pem"}},
		{Name: "QueueBadName", Args: []string{"worker", "--queue", "nats://127.0.0.1:4222", "--queue-name", "a.b"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			t.Setenv("JOB_COMPLETION_INDEX", "")
			t.Setenv("SLURM_ARRAY_TASK_ID", "")
			p, _ := quiet(t)
			if err := execute(t.Context(), p, tt.Args); !errors.Is(err, ErrUsage) {
				t.Errorf("execute(%q) = %v, want a usage error", tt.Args, err)
			}
		})
	}
}

// testQueue returns the URL of the NATS server of SIFTLOAD_TEST_NATS_URL
// (default nats://127.0.0.1:4222, JetStream on) and a queue name of the
// test's own, whose streams are deleted after it. Without a server the
// test is skipped, or fails when SIFTLOAD_TEST_DISALLOW_SKIP is set.
func testQueue(t *testing.T) (string, string) {
	t.Helper()
	url := os.Getenv("SIFTLOAD_TEST_NATS_URL")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	var js jetstream.JetStream
	if err == nil {
		if js, err = jetstream.New(nc); err == nil {
			_, err = js.AccountInfo(t.Context())
		}
	}
	if err != nil {
		testenv.Skipf(t, "no NATS JetStream server at %s (%v): set SIFTLOAD_TEST_NATS_URL or start nats-server -js", url, err)
	}
	name := fmt.Sprintf("sifttest_%d", rand.Uint64()%1e12)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		js.DeleteStream(ctx, name+"_tasks")
		js.DeleteStream(ctx, name+"_results")
		nc.Close()
	})
	return url, name
}

// writeBigTar writes an uncompressed tar with one CSV member of about
// size bytes, so that analyzing it takes a while.
func writeBigTar(t *testing.T, path, member string, size int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header := "id,ts,qty,note\n"
	row := "123456,2023-01-01 10:00:00,42,\"a note, with a comma\"\n"
	rows := (size - len(header)) / len(row)
	tw := tar.NewWriter(f)
	if err := tw.WriteHeader(&tar.Header{Name: member, Mode: 0o644, Size: int64(len(header) + rows*len(row)), ModTime: time.Unix(1672531200, 0)}); err != nil {
		t.Fatal(err)
	}
	io.WriteString(tw, header)
	block := bytes.Repeat([]byte(row), 4096)
	for n := rows; n > 0; n -= 4096 {
		if _, err := tw.Write(block[:min(n, 4096)*len(row)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestQueueWorkerKilledMidArchive runs three worker processes against a
// real NATS server, kills (SIGKILL) the one that took the biggest archive
// while it reads it, and checks that the task came again to another
// worker and that the plan and problems equal a local analysis's.
func TestQueueWorkerKilledMidArchive(t *testing.T) {
	url, queueName := testQueue(t)
	dir := problemSite(t)
	big := filepath.ToSlash(filepath.Join(dir, "2023", "2023-03-01_full.tar"))
	writeBigTar(t, big, "data/LINE01.csv", 96<<20)
	// The queue is under test, not the coverage check, which would read
	// the big member twice more on this machine.
	wantPlan, wantProbs := localPlanWith(t, "off", dir)
	if !strings.Contains(wantPlan, big+"!/data/LINE01.csv") {
		t.Fatalf("the big archive does not win data/LINE01.csv:\n%s", wantPlan)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type worker struct {
		cmd    *exec.Cmd
		out    *syncBuffer
		killed bool
	}
	var (
		mu      sync.Mutex
		workers []*worker
		victim  = -1
	)
	for i := range 3 {
		w := &worker{out: new(syncBuffer)}
		w.cmd = selfCommand(t, ctx, nil, "worker", "--queue", url, "--queue-name", queueName, "--workers", "1")
		w.cmd.Stderr = w.out
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, w)
		go func() {
			// Kill this worker the moment it starts on the big archive.
			for ctx.Err() == nil {
				if strings.Contains(w.out.String(), "task "+big+" (delivery 1)") {
					mu.Lock()
					if victim < 0 {
						victim = i
						w.killed = true
						w.cmd.Process.Kill()
					}
					mu.Unlock()
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	defer func() {
		cancel()
		for _, w := range workers {
			w.cmd.Wait()
		}
	}()

	p, out := quiet(t)
	opts := config.Settings{Analysis: config.Analysis{Out: "queue.csv", Workers: 2, Metric: "rows", MaxDepth: 4, Coverage: "off"},
		Scale: config.Scale{Queue: url, QueueName: queueName, AckWait: "2s"}}
	start := time.Now()
	_, err := runAnalyze(ctx, p, opts, []string{dir})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("analyze --queue = %v, want ErrProblems\n%s", err, out)
	}
	t.Logf("analysis through the queue took %s", time.Since(start).Round(time.Millisecond))

	mu.Lock()
	v := victim
	mu.Unlock()
	if v < 0 {
		t.Fatal("no worker took the big archive")
	}
	if s := workers[v].out.String(); strings.Contains(s, "done "+big) {
		t.Fatalf("worker %d finished the big archive before it was killed:\n%s", v, s)
	}
	redone := false
	for i, w := range workers {
		if i != v && strings.Contains(w.out.String(), "task "+big+" (delivery 2)") && strings.Contains(w.out.String(), "done "+big) {
			redone = true
		}
	}
	if !redone {
		for i, w := range workers {
			t.Logf("worker %d:\n%s", i, w.out)
		}
		t.Fatal("no other worker did the big archive on its second delivery")
	}
	if !strings.Contains(out.String(), big+": done by worker") {
		t.Errorf("analyze did not note the redelivery:\n%s", out)
	}
	if got := readFile(t, "queue.csv"); got != wantPlan {
		t.Errorf("plan through the queue differs from the local one:\n got:\n%s\nwant:\n%s", got, wantPlan)
	}
	if got := readFile(t, "queue.problems.csv"); got != wantProbs {
		t.Errorf("problems through the queue differ from the local ones:\n got:\n%s\nwant:\n%s", got, wantProbs)
	}
}

// TestQueuePathMap has a worker that sees the site only at another
// place, through --path-map.
func TestQueuePathMap(t *testing.T) {
	url, queueName := testQueue(t)
	dir := problemSite(t)
	// The site leaves the analyzing machine, where a coverage check
	// would read it again: no check here.
	wantPlan, wantProbs := localPlanWith(t, "off", dir)
	abs, _ := filepath.Abs(dir)
	mirror := filepath.Join(t.TempDir(), "mirror")
	if err := os.CopyFS(mirror, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	p := ui.NewPrinter(&out, false)
	opts := config.Settings{Analysis: config.Analysis{Out: "queue.csv", Workers: 2, Metric: "rows", MaxDepth: 4, Coverage: "off"},
		Scale: config.Scale{Queue: url, QueueName: queueName, AckWait: "5s"}}
	done := make(chan error, 1)
	go func() {
		_, err := runAnalyze(ctx, p, opts, []string{dir})
		done <- err
	}()
	// Once the tasks are out, the site leaves its place; the worker finds
	// it only in the mirror.
	for !strings.Contains(out.String(), "queued") {
		select {
		case err := <-done:
			t.Fatalf("analyze ended before it queued: %v\n%s", err, out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := os.Rename(abs, abs+".gone"); err != nil {
		t.Fatal(err)
	}
	var wout syncBuffer
	var wg sync.WaitGroup
	wg.Go(func() {
		runWorker(ctx, ui.NewPrinter(&wout, false), config.Settings{Scale: config.Scale{Queue: url, QueueName: queueName}, Analysis: config.Analysis{Workers: 2},
			Worker: config.Worker{PathMap: []string{filepath.ToSlash(abs) + "=" + filepath.ToSlash(mirror)}}})
	})
	err := <-done
	cancel()
	wg.Wait()
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("analyze --queue = %v\n%s\nworker:\n%s", err, out.String(), wout.String())
	}
	if strings.Contains(wout.String(), "handed back") {
		t.Errorf("the worker failed some task:\n%s", wout.String())
	}
	if readFile(t, "queue.csv") != wantPlan || readFile(t, "queue.problems.csv") != wantProbs {
		t.Errorf("plan through a mapped worker differs from the local one\n%s", wout.String())
	}
}
