package load

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// inference is the column inference of one key's new table, which a
// lookahead goroutine may run ahead of the key's load: a new table's file
// is read once for its types and once more for its load, and reading the
// next key's file for its types while this key loads keeps the second
// core busy while the database inserts.
type inference struct {
	// claim goes from 0 to 1 when the lookahead starts on the key, or
	// to 2 when the load got there first and infers by itself.
	claim atomic.Int32
	done  chan struct{} // closed once the lookahead has set cols and err
	cols  []schema.Column
	err   error
}

const (
	claimLookahead = 1
	claimLoad      = 2
)

// startLookahead runs the column inference of jobs, in order, on one
// goroutine, skipping those whose load has started. It infers only for a
// key that, as the sink says now, loadOne will load into a new table (not
// already loaded, no existing table), so that a re-run reads no file. The
// returned stop cancels the lookahead and waits for it.
func (im *Importer) startLookahead(ctx context.Context, jobs []*job) (stop func()) {
	for _, j := range jobs {
		j.ahead = &inference{done: make(chan struct{})}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, j := range jobs {
			if ctx.Err() != nil {
				return
			}
			if !j.ahead.claim.CompareAndSwap(0, claimLookahead) {
				continue
			}
			j.ahead.cols, j.ahead.err = im.speculate(ctx, j)
			close(j.ahead.done)
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// speculate infers j's columns when its load will need them: nil, nil
// when the load will skip the key, fail before reading it, or load into
// an existing table (loadOne then decides again).
func (im *Importer) speculate(ctx context.Context, j *job) ([]schema.Column, error) {
	if j.empty() {
		return nil, nil
	}
	le, seen, err := im.sink.Ledger(ctx, j.Key)
	if err != nil {
		return nil, nil
	}
	if status, err := sink.Decide(im.decideJob(j), le, seen); err != nil || status == sink.StatusSkipped {
		return nil, nil
	}
	if _, exists, err := im.sink.Columns(ctx, j.table); err != nil || exists {
		return nil, nil
	}
	return im.inferColumns(ctx, j)
}

// newColumns returns the inferred columns of j's new table: the
// lookahead's when it has started on j (waiting for it to finish), else
// its own.
func (im *Importer) newColumns(ctx context.Context, j *job) ([]schema.Column, error) {
	if a := j.ahead; a != nil && !a.claim.CompareAndSwap(0, claimLoad) {
		select {
		case <-a.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if a.cols != nil || a.err != nil {
			return a.cols, a.err
		}
		// The lookahead saw no need (the sink has changed since): infer now.
	}
	return im.inferColumns(ctx, j)
}
