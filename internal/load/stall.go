package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siftload/siftload/internal/sink"
)

// ErrStalled is the reason a key fails when its load made no progress for
// Concurrency.StallTimeout.
var ErrStalled = errors.New("no progress")

// watchdog cancels a context when its work makes no progress for d while
// it is armed: a server that stops answering mid-statement, a COPY the
// server stops reading, a lock that another session never releases. Every
// record the sink takes is progress; so is every database call that
// returns (disarm and arm again).
type watchdog struct {
	d      time.Duration
	ticks  atomic.Int64
	armed  atomic.Bool
	cancel context.CancelCauseFunc
	quit   chan struct{}
	wg     sync.WaitGroup
}

// newWatchdog returns ctx with a watchdog over it, armed; setting names
// the setting of d in the error. With d <= 0 there is none: the watchdog
// does nothing. Call stop when done.
func newWatchdog(ctx context.Context, d time.Duration, setting string) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancelCause(ctx)
	w := &watchdog{d: d, cancel: cancel, quit: make(chan struct{})}
	if d <= 0 {
		return ctx, w
	}
	w.armed.Store(true)
	period := min(max(d/8, time.Millisecond), time.Second)
	w.wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		last, since := w.ticks.Load(), time.Now()
		for {
			select {
			case <-w.quit:
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				if n := w.ticks.Load(); n != last || !w.armed.Load() {
					last, since = n, now
					continue
				}
				if now.Sub(since) >= d {
					cancel(fmt.Errorf("%w for %s: the database (or the source) stopped answering; the key was rolled back (%s sets the limit)", ErrStalled, d, setting))
					return
				}
			}
		}
	})
	return ctx, w
}

// tick records progress.
func (w *watchdog) tick() { w.ticks.Add(1) }

// pause disarms the watchdog (for work that is no database call, such as
// reading a file for its column types); resume arms it again.
func (w *watchdog) pause()  { w.armed.Store(false); w.tick() }
func (w *watchdog) resume() { w.tick(); w.armed.Store(true) }

// stop ends the watchdog and releases its context.
func (w *watchdog) stop() {
	close(w.quit)
	w.wg.Wait()
	w.cancel(nil)
}

// reason returns the watchdog's cause when it cancelled ctx (and the
// parent did not end first), else err.
func (w *watchdog) reason(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrStalled) {
		return cause
	}
	return err
}

// tickingSource is a RecordSource that tells a watchdog of every record.
type tickingSource struct {
	sink.RecordSource
	w *watchdog
}

func (t tickingSource) Next() bool {
	t.w.tick()
	return t.RecordSource.Next()
}
