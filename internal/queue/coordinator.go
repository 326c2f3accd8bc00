package queue

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
)

// Retention bounds how long tasks and results of a run that never ended
// (its coordinator was killed) stay on the server.
const Retention = 7 * 24 * time.Hour

// DefaultAckWait is how long a task's delivery may go without word from
// its worker before it is delivered again.
const DefaultAckWait = 30 * time.Second

// Setup creates the queue's streams and the workers' consumer, or updates
// them to these settings (the consumer's AckWait in particular).
func Setup(ctx context.Context, js jetstream.JetStream, n Names, ackWait time.Duration) error {
	if ackWait <= 0 {
		ackWait = DefaultAckWait
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        n.TaskStream(),
		Description: "siftload analysis tasks (one per outermost input)",
		Subjects:    []string{n.Queue + ".tasks.*"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      Retention,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", n.TaskStream(), err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        n.ResultStream(),
		Description: "siftload analysis results (candidates and problems)",
		Subjects:    []string{n.Queue + ".results.*"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      Retention,
	}); err != nil {
		return fmt.Errorf("create stream %s: %w", n.ResultStream(), err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, n.TaskStream(), jetstream.ConsumerConfig{
		Durable:       n.Consumer(),
		Description:   "siftload workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    MaxDeliver,
		FilterSubject: n.Queue + ".tasks.*",
	}); err != nil {
		return fmt.Errorf("create consumer %s: %w", n.Consumer(), err)
	}
	return nil
}

// Coordinator publishes the tasks of an analysis and collects their
// results.
type Coordinator struct {
	Conn    *nats.Conn
	Names   Names
	AckWait time.Duration // 0 means DefaultAckWait
	// SettingNames name settings in the problems they would fix (see
	// Task.SettingNames).
	SettingNames SettingNames
	// Progress, when set, is told the size of every input once it is
	// done.
	Progress func(n int64)
	// Logf, when set, receives notes on the run (queued, redelivered).
	Logf func(format string, args ...any)
	// Chooser and Keep, when Chooser is set, take each input's
	// candidates as its result is complete, as analysis.Options' do, and
	// the Result has no candidates: the collector then holds the
	// candidates of the results being received only.
	Chooser *plan.Chooser
	Keep    func([]plan.Candidate) error
}

func (c *Coordinator) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// Analyze has workers analyze inputs with settings and returns what a
// local analysis.Run of inputs gives: every candidate and problem, both
// sorted, and the stats. It returns when every input is done (analyzed,
// or failed on MaxDeliver deliveries, which is a problem of the input),
// or with ctx's error; either way it removes the run's tasks and results
// from the server.
func (c *Coordinator) Analyze(ctx context.Context, inputs []archive.Input, s analysis.Settings) (*analysis.Result, error) {
	start := time.Now()
	js, err := jetstream.New(c.Conn)
	if err != nil {
		return nil, err
	}
	if err := Setup(ctx, js, c.Names, c.AckWait); err != nil {
		return nil, err
	}
	run := RunID(inputs, s)
	col := newCollector(run, inputs)
	col.chooser, col.keep = c.Chooser, c.Keep
	if len(inputs) == 0 {
		return col.result(time.Since(start)), nil
	}
	self, err := newID()
	if err != nil {
		return nil, err
	}

	// Another analysis of the same inputs and settings, alive (it
	// answers on the run's subject) or dead (killed: its tasks and
	// results are left on the streams).
	live, liveOK := c.peer(run)
	tasksLeft, resultsLeft, err := c.leftovers(ctx, js, run)
	if err != nil {
		return nil, err
	}
	switch {
	case liveOK:
		c.logf("joining the live analysis of the same inputs and settings (run %s, %s): a result counts once", run, live)
	case tasksLeft+resultsLeft > 0:
		c.logf("adopting run %s, a dead analysis of the same inputs and settings: its %d results are kept (failed ones are done again), its %d tasks purged", run, resultsLeft, tasksLeft)
		st, err := js.Stream(ctx, c.Names.TaskStream())
		if err == nil {
			err = st.Purge(ctx, jetstream.WithPurgeSubject(c.Names.TaskSubject(run)))
		}
		if err != nil {
			return nil, fmt.Errorf("purge the dead run's tasks %s: %w", c.Names.TaskSubject(run), err)
		}
	}
	// Answer whoever asks whether this run is alive.
	host, _ := os.Hostname()
	me, _ := json.Marshal(runInfo{ID: self, Host: host, PID: os.Getpid(), Started: start.UTC()})
	responder, err := c.Conn.Subscribe(c.Names.RunSubject(run), func(m *nats.Msg) { m.Respond(me) })
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", c.Names.RunSubject(run), err)
	}
	defer responder.Unsubscribe()

	// Listen before publishing, so that no result or advisory is missed.
	results := make(chan []byte, 64)
	advisories := make(chan []byte, 16)
	stop := make(chan struct{})
	defer close(stop)
	rcons, err := js.OrderedConsumer(ctx, c.Names.ResultStream(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{c.Names.ResultSubject(run)},
	})
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", c.Names.ResultSubject(run), err)
	}
	cc, err := rcons.Consume(func(m jetstream.Msg) {
		select {
		case results <- m.Data():
		case <-stop:
		}
	})
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", c.Names.ResultSubject(run), err)
	}
	defer cc.Stop()
	sub, err := c.Conn.Subscribe(c.Names.maxDeliveriesSubject(), func(m *nats.Msg) {
		select {
		case advisories <- m.Data:
		case <-stop:
		}
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to advisories: %w", err)
	}
	defer sub.Unsubscribe()
	defer c.cleanup(js, run, responder)

	// handle takes one result message; its error (the collector's, e.g.
	// writing the candidates) ends the analysis.
	handle := func(b []byte, adopted bool) error {
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			c.logf("ignored a malformed result: %v", err)
			return nil
		}
		if adopted && r.Failed != "" {
			return nil // failed in the dead run: done again
		}
		i, note := col.add(&r)
		if note != "" {
			c.logf("%s", note)
		}
		if col.err != nil {
			return col.err
		}
		if i >= 0 && c.Progress != nil {
			c.Progress(max(inputs[i].Size, 0))
		}
		return nil
	}
	// The results already there (of a dead run, or a live one's so far)
	// come first, so that only the inputs without one are queued.
	if resultsLeft > 0 {
		wait := time.NewTimer(30 * time.Second)
		defer wait.Stop()
	drain:
		for range resultsLeft {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case b := <-results:
				if err := handle(b, !liveOK); err != nil {
					return nil, err
				}
			case <-wait.C:
				c.logf("read only some of the %d results of run %s; queueing the rest again", resultsLeft, run)
				break drain
			}
		}
	}

	// Largest first, so that one big archive does not start last.
	order := make([]int, len(inputs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(inputs[b].Size, inputs[a].Size) })
	bySeq := make(map[uint64]int, len(inputs))
	var total int64
	queued := 0
	for _, i := range order {
		in := inputs[i]
		if col.finished[i] {
			continue
		}
		queued++
		total += max(in.Size, 0)
		abs, err := filepath.Abs(in.Path)
		if err != nil {
			return nil, fmt.Errorf("task %s: %w", in.Source, err)
		}
		t := Task{Format: Format, Run: run, Index: i, Path: filepath.ToSlash(abs), Source: in.Source,
			Key: in.Key, Size: in.Size, Dir: in.Dir, Settings: s, SettingNames: c.SettingNames, Reply: c.Names.ResultSubject(run)}
		b, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		ack, err := js.Publish(ctx, c.Names.TaskSubject(run), b)
		if err != nil {
			return nil, fmt.Errorf("publish task %s: %w", in.Source, err)
		}
		bySeq[ack.Sequence] = i
	}
	c.logf("queued %d tasks (%d bytes) on %s as run %s; waiting for workers", queued, total, c.Names.TaskStream(), run)

	for col.done < len(inputs) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case b := <-results:
			if err := handle(b, false); err != nil {
				return nil, err
			}
		case b := <-advisories:
			var a struct {
				StreamSeq  uint64 `json:"stream_seq"`
				Deliveries uint64 `json:"deliveries"`
			}
			if err := json.Unmarshal(b, &a); err != nil {
				continue
			}
			i, ok := bySeq[a.StreamSeq]
			if !ok {
				continue // another run's task
			}
			if col.fail(i, fmt.Errorf("task abandoned after %d deliveries: no worker finished it within the ack wait (workers killed or stuck)", a.Deliveries)) {
				c.logf("%s: abandoned after %d deliveries", inputs[i].Source, a.Deliveries)
				if c.Progress != nil {
					c.Progress(max(inputs[i].Size, 0))
				}
			}
		}
	}
	return col.result(time.Since(start)), nil
}

// cleanup removes the run's tasks (those that failed MaxDeliver times stay
// in the work queue otherwise) and results, unless another coordinator
// of the same run is alive and still needs them: it stops answering on
// the run's subject first, so that of coordinators that end together
// the last to ask finds no other and purges.
func (c *Coordinator) cleanup(js jetstream.JetStream, run string, responder *nats.Subscription) {
	responder.Unsubscribe()
	if other, ok := c.peer(run); ok {
		c.logf("left run %s's tasks and results to the live analysis %s", run, other)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for stream, subject := range map[string]string{
		c.Names.TaskStream():   c.Names.TaskSubject(run),
		c.Names.ResultStream(): c.Names.ResultSubject(run),
	} {
		st, err := js.Stream(ctx, stream)
		if err == nil {
			err = st.Purge(ctx, jetstream.WithPurgeSubject(subject))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("purge %s: %w", subject, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		c.logf("cleanup: %v", err)
	}
}

// RunID returns the id of the analysis of inputs with s: the same inputs
// (absolute paths, sources, sizes and modification times) with the same
// settings give the same id, so that an analysis finds the tasks and
// results of a dead one (adopted) or a live one (joined), and never those
// of an analysis of anything else.
func RunID(inputs []archive.Input, s analysis.Settings) string {
	h := sha256.New()
	fmt.Fprintf(h, "siftload queue run 1\n%s\n", s.Fingerprint(inputs))
	for _, in := range inputs {
		abs, _ := filepath.Abs(in.Path)
		var mtime int64
		if fi, err := os.Stat(in.Path); err == nil {
			mtime = fi.ModTime().UnixNano()
		}
		fmt.Fprintf(h, "%q %d\n", filepath.ToSlash(abs), mtime)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// runInfo is how a coordinator answers on its run's subject.
type runInfo struct {
	ID      string    `json:"id"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
}

func (r runInfo) String() string {
	return fmt.Sprintf("pid %d on %s, started %s", r.PID, r.Host, r.Started.Format(time.RFC3339))
}

// peer asks whether a coordinator of run is alive, and who.
func (c *Coordinator) peer(run string) (runInfo, bool) {
	m, err := c.Conn.Request(c.Names.RunSubject(run), nil, peerWait)
	if err != nil {
		return runInfo{}, false // no responders, or none in time
	}
	var r runInfo
	if json.Unmarshal(m.Data, &r) != nil {
		return runInfo{}, false
	}
	return r, true
}

// peerWait bounds how long a live coordinator may take to answer.
const peerWait = 2 * time.Second

// leftovers returns how many tasks and results of run the streams hold.
func (c *Coordinator) leftovers(ctx context.Context, js jetstream.JetStream, run string) (tasks, results uint64, err error) {
	count := func(stream, subject string) (uint64, error) {
		st, err := js.Stream(ctx, stream)
		if err != nil {
			return 0, fmt.Errorf("stream %s: %w", stream, err)
		}
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject))
		if err != nil {
			return 0, fmt.Errorf("stream %s: %w", stream, err)
		}
		return info.State.Subjects[subject], nil
	}
	if tasks, err = count(c.Names.TaskStream(), c.Names.TaskSubject(run)); err != nil {
		return 0, 0, err
	}
	results, err = count(c.Names.ResultStream(), c.Names.ResultSubject(run))
	return tasks, results, err
}

// newID returns a random id fit for a subject token.
func newID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// collector assembles the results of a run: per input, the first delivery
// attempt whose chunks all arrived wins; everything else for that input
// is ignored.
type collector struct {
	run      string
	inputs   []archive.Input
	finished []bool
	done     int
	attempts map[string]*attempt
	cands    [][]plan.Candidate
	problems []*problem.Error
	stats    Stats
	ignored  int // results for inputs already done

	// A streaming reduction (Coordinator.Chooser), when chooser is set;
	// err is keep's first error.
	chooser *plan.Chooser
	keep    func([]plan.Candidate) error
	err     error
}

type attempt struct {
	index  int
	chunks []*Result
	got    int
}

func newCollector(run string, inputs []archive.Input) *collector {
	return &collector{
		run:      run,
		inputs:   inputs,
		finished: make([]bool, len(inputs)),
		attempts: make(map[string]*attempt),
		cands:    make([][]plan.Candidate, len(inputs)),
	}
}

// add takes one result chunk. It returns the index of the input the
// chunk completed, or -1, and a note worth logging, if any.
func (c *collector) add(r *Result) (int, string) {
	switch {
	case r.Run != c.run:
		return -1, ""
	case r.Format != Format:
		return -1, fmt.Sprintf("ignored a result of format %d from worker %s (this siftload speaks %d)", r.Format, r.Worker, Format)
	case r.Index < 0 || r.Index >= len(c.inputs) || c.inputs[r.Index].Source != r.Source:
		return -1, fmt.Sprintf("ignored a result for unknown input %d %q from worker %s", r.Index, r.Source, r.Worker)
	case r.Chunks < 1 || r.Chunk < 0 || r.Chunk >= r.Chunks:
		return -1, fmt.Sprintf("ignored a malformed result for %s from worker %s", r.Source, r.Worker)
	}
	if c.finished[r.Index] {
		c.ignored++
		return -1, ""
	}
	if r.Failed != "" {
		c.fail(r.Index, fmt.Errorf("task failed on %d deliveries, last on worker %s: %s", r.Delivery, r.Worker, r.Failed))
		return r.Index, fmt.Sprintf("%s: failed on %d deliveries: %s", r.Source, r.Delivery, r.Failed)
	}
	a := c.attempts[r.Attempt]
	if a == nil {
		a = &attempt{index: r.Index, chunks: make([]*Result, r.Chunks)}
		c.attempts[r.Attempt] = a
	}
	if a.index != r.Index || len(a.chunks) != r.Chunks {
		return -1, fmt.Sprintf("ignored an inconsistent result for %s from worker %s", r.Source, r.Worker)
	}
	if a.chunks[r.Chunk] == nil {
		a.chunks[r.Chunk] = r
		a.got++
	}
	if a.got < len(a.chunks) {
		return -1, ""
	}
	var cands []plan.Candidate
	for _, ch := range a.chunks {
		for _, w := range ch.Candidates {
			cands = append(cands, w.plan())
		}
		for _, p := range ch.Problems {
			c.problems = append(c.problems, p.problem())
		}
		if st := ch.Stats; st != nil {
			c.stats.Archives += st.Archives
			c.stats.Members += st.Members
			c.stats.DataFiles += st.DataFiles
			c.stats.Skipped += st.Skipped
			c.stats.DataBytes += st.DataBytes
		}
	}
	if c.chooser == nil {
		c.cands[r.Index] = cands
	} else {
		for j := range cands {
			c.chooser.Add(&cands[j])
		}
		if c.keep != nil && c.err == nil {
			c.err = c.keep(cands)
		}
	}
	c.finish(r.Index)
	note := ""
	if r.Delivery > 1 {
		note = fmt.Sprintf("%s: done by worker %s on delivery %d", r.Source, r.Worker, r.Delivery)
	}
	return r.Index, note
}

// fail makes input i done with the problem err, unless it is done
// already; it reports whether it was not.
func (c *collector) fail(i int, err error) bool {
	if c.finished[i] {
		return false
	}
	c.problems = append(c.problems, problem.New(c.inputs[i].Source, 0, err))
	c.finish(i)
	return true
}

func (c *collector) finish(i int) {
	c.finished[i] = true
	c.done++
	for id, a := range c.attempts {
		if a.index == i {
			delete(c.attempts, id)
		}
	}
}

// result returns what was collected, sorted like analysis.Run's, and like
// it leaves Stats.Keys to the caller, which chooses the plan.
func (c *collector) result(elapsed time.Duration) *analysis.Result {
	var cands []plan.Candidate
	for _, cs := range c.cands {
		cands = append(cands, cs...)
	}
	plan.SortCandidates(cands)
	problems := slices.Clone(c.problems)
	analysis.SortProblems(problems)
	var inputBytes int64
	for _, in := range c.inputs {
		inputBytes += in.Size
	}
	return &analysis.Result{
		Candidates: cands,
		Problems:   problems,
		Stats: analysis.Stats{
			Inputs:     len(c.inputs),
			InputBytes: inputBytes,
			Archives:   c.stats.Archives,
			Members:    c.stats.Members,
			DataFiles:  c.stats.DataFiles,
			Skipped:    c.stats.Skipped,
			DataBytes:  c.stats.DataBytes,
			Elapsed:    elapsed,
		},
	}
}
