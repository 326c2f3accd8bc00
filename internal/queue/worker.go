package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
)

// Worker takes tasks from a queue and analyzes them.
type Worker struct {
	Conn  *nats.Conn
	Names Names
	// Slots is how many tasks the worker analyzes at once; < 1 means 1.
	Slots int
	// PathMap rewrites the coordinator's paths to this machine's.
	PathMap []PathMap
	// Roots, when not empty, are the only directories whose files the
	// worker reads (paths after PathMap, symbolic links resolved); a task
	// for another path fails. Without Roots, whoever may publish tasks
	// can have the worker measure any file the worker may read.
	Roots []string
	// TempDir is where nested zip/7z archives are spooled ("" for the
	// system's temp directory).
	TempDir string
	// ID names the worker in results and notes.
	ID string
	// IdleExit, when > 0, ends Serve once the worker has had no task for
	// that long.
	IdleExit time.Duration
	// Logf, when set, receives a line per task and other notes.
	Logf func(format string, args ...any)

	js        jetstream.JetStream
	busy      atomic.Int32
	idleSince atomic.Int64 // unix nanos
}

func (w *Worker) logf(format string, args ...any) {
	if w.Logf != nil {
		w.Logf(format, args...)
	}
}

// poll is how long one fetch waits for a task.
const poll = 5 * time.Second

// Serve takes and analyzes tasks until ctx is done (it then returns nil)
// or, with IdleExit, until it has been idle that long. It waits for the
// queue to exist: workers may start before the first analyze.
func (w *Worker) Serve(ctx context.Context) error {
	js, err := jetstream.New(w.Conn)
	if err != nil {
		return err
	}
	w.js = js
	w.idleSince.Store(time.Now().UnixNano())
	cons, err := w.consumer(ctx, js)
	if err != nil || cons == nil {
		return err
	}
	var (
		mu  sync.Mutex
		cur = cons
	)
	g, gctx := errgroup.WithContext(ctx)
	for range max(w.Slots, 1) {
		g.Go(func() error {
			for {
				if gctx.Err() != nil || w.idle() {
					return nil
				}
				mu.Lock()
				c := cur
				mu.Unlock()
				fctx, cancel := context.WithTimeout(gctx, poll)
				msg, err := c.Next(jetstream.FetchContext(fctx))
				cancel()
				switch {
				case err == nil:
					w.handle(gctx, c, msg)
				case gctx.Err() != nil:
					return nil
				case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, jetstream.ErrNoMessages):
				case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound), errors.Is(err, jetstream.ErrStreamNotFound):
					mu.Lock()
					if cur == c {
						nc, err := w.consumer(gctx, js)
						if err != nil || nc == nil {
							mu.Unlock()
							return err
						}
						cur = nc
					}
					mu.Unlock()
				default:
					w.logf("fetch: %v", err)
					select {
					case <-gctx.Done():
					case <-time.After(time.Second):
					}
				}
			}
		})
	}
	return g.Wait()
}

// idle reports whether IdleExit has passed with no task.
func (w *Worker) idle() bool {
	return w.IdleExit > 0 && w.busy.Load() == 0 && time.Since(time.Unix(0, w.idleSince.Load())) > w.IdleExit
}

// consumer returns the queue's consumer, waiting until an analyze has
// created it; nil when ctx ended or the worker went idle first.
func (w *Worker) consumer(ctx context.Context, js jetstream.JetStream) (jetstream.Consumer, error) {
	said := false
	for {
		c, err := js.Consumer(ctx, w.Names.TaskStream(), w.Names.Consumer())
		switch {
		case err == nil:
			return c, nil
		case ctx.Err() != nil:
			return nil, nil
		case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound):
			if !said {
				w.logf("waiting for an analyze to create queue %s", w.Names.Queue)
				said = true
			}
		default:
			return nil, fmt.Errorf("consumer %s: %w", w.Names.Consumer(), err)
		}
		if w.idle() {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// handle does one delivery of a task: analyze, publish, ack; or hand it
// back; or, on its last delivery, publish why it failed.
func (w *Worker) handle(ctx context.Context, cons jetstream.Consumer, msg jetstream.Msg) {
	w.busy.Add(1)
	defer func() {
		w.idleSince.Store(time.Now().UnixNano())
		w.busy.Add(-1)
	}()
	start := time.Now()
	var delivered uint64 = 1
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	var t Task
	if err := json.Unmarshal(msg.Data(), &t); err != nil || t.Reply == "" {
		w.logf("dropped a malformed task: %v", err)
		_ = msg.TermWithReason("malformed task")
		return
	}
	ackWait, maxDeliver := DefaultAckWait, MaxDeliver
	if info, err := cons.Info(ctx); err == nil {
		ackWait, maxDeliver = info.Config.AckWait, info.Config.MaxDeliver
	} else if info := cons.CachedInfo(); info != nil {
		ackWait, maxDeliver = info.Config.AckWait, info.Config.MaxDeliver
	}
	w.logf("task %s (delivery %d)", t.Source, delivered)

	// Tell the server the task is alive while it is analyzed.
	hbCtx, stopHB := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		tick := time.NewTicker(max(ackWait/3, 100*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-tick.C:
				_ = msg.InProgress()
			}
		}
	}()
	msgs, sum, err := w.analyze(ctx, &t, delivered)
	if err == nil {
		for _, m := range msgs {
			if err = w.publish(ctx, t.Reply, m); err != nil {
				err = fmt.Errorf("publish result: %w", err)
				break
			}
		}
	}
	stopHB()
	<-hbDone

	switch {
	case err == nil:
		if aerr := msg.DoubleAck(ctx); aerr != nil {
			// The result is out; a redelivery will be ignored.
			w.logf("ack %s: %v", t.Source, aerr)
		}
		w.logf("done %s: %s in %s", t.Source, sum, time.Since(start).Round(time.Millisecond))
	case ctx.Err() != nil:
		_ = msg.Nak()
		w.logf("interrupted %s: returned to the queue", t.Source)
	case delivered >= uint64(maxDeliver) && maxDeliver > 0:
		b, merr := json.Marshal(Result{Format: Format, Run: t.Run, Index: t.Index, Source: t.Source,
			Attempt: w.ID + "-" + msg.Reply(), Worker: w.ID, Delivery: delivered, Chunks: 1, Failed: err.Error()})
		if merr == nil {
			merr = w.publish(ctx, t.Reply, b)
		}
		if merr != nil {
			_ = msg.Nak()
			w.logf("failed %s: %v; and could not report it: %v", t.Source, err, merr)
			return
		}
		_ = msg.TermWithReason("failed on the last delivery")
		w.logf("failed %s on its last delivery (%d): %v", t.Source, delivered, err)
	default:
		_ = msg.NakWithDelay(time.Second)
		w.logf("failed %s (delivery %d of %d), handed back: %v", t.Source, delivered, maxDeliver, err)
	}
}

func (w *Worker) publish(ctx context.Context, subject string, data []byte) error {
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := w.js.Publish(pctx, subject, data)
	return err
}

// analyze runs the analysis of one task and returns its result messages
// and a summary for the log.
func (w *Worker) analyze(ctx context.Context, t *Task, delivered uint64) ([][]byte, string, error) {
	if t.Format != Format {
		return nil, "", fmt.Errorf("task format %d, this worker speaks %d: run one siftload version", t.Format, Format)
	}
	path := MapPath(w.PathMap, t.Path)
	if err := within(w.Roots, path, t.Size >= 0); err != nil {
		return nil, "", err
	}
	if t.Size >= 0 {
		// A dangling link (size -1) is walked as it is: the walk reports
		// it as a problem, as a local run does.
		fi, err := os.Stat(path)
		if err != nil {
			return nil, "", fmt.Errorf("%w (does --path-map fit this machine?)", err)
		}
		if fi.Size() != t.Size {
			return nil, "", fmt.Errorf("%s has %d bytes here, %d where analyze runs: another file, or changed since (check --path-map)", path, fi.Size(), t.Size)
		}
	}
	opts, err := t.Settings.Options()
	if err != nil {
		return nil, "", fmt.Errorf("the task's settings: %w", err)
	}
	opts.Workers = 1
	opts.Walker.TempDir = w.TempDir
	t.SettingNames.Apply(&opts.Walker)
	res, err := analysis.Run(ctx, []archive.Input{t.Input(path)}, opts)
	if err != nil {
		return nil, "", err
	}
	st := Stats{Archives: res.Stats.Archives, Members: res.Stats.Members, DataFiles: res.Stats.DataFiles,
		Skipped: res.Stats.Skipped, DataBytes: res.Stats.DataBytes}
	attempt, err := newID()
	if err != nil {
		return nil, "", err
	}
	base := Result{Format: Format, Run: t.Run, Index: t.Index, Source: t.Source, Attempt: w.ID + "-" + attempt,
		Worker: w.ID, Delivery: delivered}
	limit := int(w.Conn.MaxPayload())
	msgs, err := chunkResults(base, res.Candidates, res.Problems, st, limit)
	if err != nil {
		return nil, "", err
	}
	sum := fmt.Sprintf("%d data files, %d problems, %d message(s)", len(res.Candidates), len(res.Problems), len(msgs))
	return msgs, sum, nil
}

// within returns an error unless path is under one of roots (or roots is
// empty). With resolve, symbolic links in path are resolved first (a
// dangling link is checked as it is named).
func within(roots []string, path string, resolve bool) error {
	if len(roots) == 0 {
		return nil
	}
	real := path
	if resolve {
		var err error
		if real, err = filepath.EvalSymlinks(path); err != nil {
			return fmt.Errorf("%w (does --path-map fit this machine?)", err)
		}
	}
	real, err := filepath.Abs(real)
	if err != nil {
		return err
	}
	for _, r := range roots {
		if rr, err := filepath.EvalSymlinks(r); err == nil {
			r = rr
		}
		r, err := filepath.Abs(r)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(r, real)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return nil
		}
	}
	return fmt.Errorf("%s is outside the directories this worker may read (--root)", path)
}
