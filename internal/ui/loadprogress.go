package ui

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// LoadProgress shows an import under way: keys done of all, rows loaded
// of the plan's, bytes read, rate and ETA. On a terminal that is a live
// bar (vbauerster/mpb, as analyze's) with a line for every key in flight,
// and the Printer's lines scroll above them; otherwise it is a plain line
// every Interval (10 s) naming the keys in flight. Quiet shows nothing.
// Its methods are safe for concurrent use.
type LoadProgress struct {
	p          *Printer
	keys       int
	rows       int64 // the plan's rows of every key
	doneKeys   atomic.Int64
	doneRows   atomic.Int64
	bytes      atomic.Int64
	start      time.Time
	mu         sync.Mutex
	inflight   map[string]*keyProgress
	pr         *mpb.Progress // nil off a terminal
	bar        *mpb.Bar
	stop       chan struct{}
	wg         sync.WaitGroup
	quiet      bool
	finishOnce sync.Once
}

type keyProgress struct {
	rows, added int64
	bar         *mpb.Bar
}

// NewLoadProgress starts the display of an import of keys keys holding
// rows rows (the plan's).
func (p *Printer) NewLoadProgress(ctx context.Context, keys int, rows int64) *LoadProgress {
	l := &LoadProgress{p: p, keys: keys, rows: rows, start: time.Now(), inflight: map[string]*keyProgress{}, stop: make(chan struct{}), quiet: p.Quiet}
	switch {
	case p.Quiet:
	case p.terminal && hasWidth(p.w):
		// Not ended by ctx: the lines of an interrupted import still
		// scroll above the bar until Done.
		l.pr = mpb.NewWithContext(context.WithoutCancel(ctx), mpb.WithOutput(p.w), mpb.WithWidth(32), mpb.WithRefreshRate(refreshRate))
		l.bar = l.pr.AddBar(max(rows, 1),
			mpb.PrependDecorators(decor.Name("import "), decor.Any(func(decor.Statistics) string {
				return fmt.Sprintf("%d/%d keys %s/%s rows", l.doneKeys.Load(), l.keys, count(l.doneRows.Load()), count(l.rows))
			})),
			mpb.AppendDecorators(
				decor.Any(func(decor.Statistics) string { return " " + Bytes(l.bytes.Load()) }),
				decor.AverageSpeed(0, " %.0f rows/s"),
				decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO),
			),
		)
		p.setOver(l.pr)
	default:
		l.wg.Add(1)
		go l.lines()
	}
	return l
}

// refreshRate is how often the live display redraws.
const refreshRate = 150 * time.Millisecond

// hasWidth reports whether w is a terminal whose width is known: a live
// display cannot draw on one of width 0 (a pseudo-terminal nobody sized,
// as script(1) makes without a terminal of its own).
func hasWidth(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return true // a test's terminal
	}
	width, _, err := term.GetSize(int(f.Fd()))
	return err == nil && width > 0
}

// count formats n with thousands separators.
func count(n int64) string { return humanize.Comma(n) }

// Start says that the load of key, of rows rows, begins.
func (l *LoadProgress) Start(key string, rows int64) {
	if l.quiet {
		return
	}
	k := &keyProgress{rows: rows}
	if l.pr != nil {
		k.bar = l.pr.AddBar(max(rows, 1), mpb.BarRemoveOnComplete(),
			mpb.PrependDecorators(decor.Name("  "+key+" ")),
			mpb.AppendDecorators(decor.CountersNoUnit("%d / %d rows"), decor.Name(" "), decor.Percentage()))
	}
	l.mu.Lock()
	l.inflight[key] = k
	l.mu.Unlock()
}

// Add records rows more rows of key handed to the database, and bytes
// more bytes of its file read.
func (l *LoadProgress) Add(key string, rows, bytes int64) {
	l.bytes.Add(bytes)
	if rows == 0 {
		return
	}
	l.doneRows.Add(rows)
	l.mu.Lock()
	k := l.inflight[key]
	if k != nil {
		k.added += rows
	}
	l.mu.Unlock()
	if l.bar != nil {
		l.bar.IncrInt64(rows)
		if k != nil && k.bar != nil {
			k.bar.IncrInt64(rows)
		}
	}
}

// Finish says that key is done (loaded, skipped or failed); rows are its
// rows in the plan, which now all count as done.
func (l *LoadProgress) Finish(key string, rows int64) {
	l.doneKeys.Add(1)
	l.mu.Lock()
	k := l.inflight[key]
	delete(l.inflight, key)
	l.mu.Unlock()
	rest := rows
	if k != nil {
		rest -= k.added
		if k.bar != nil {
			k.bar.Abort(true)
		}
	}
	if rest > 0 {
		l.doneRows.Add(rest)
		if l.bar != nil {
			l.bar.IncrInt64(rest)
		}
	}
}

// Done ends the display; it must be called once.
func (l *LoadProgress) Done() {
	l.finishOnce.Do(func() {
		if l.pr != nil {
			l.mu.Lock()
			for key, k := range l.inflight {
				k.bar.Abort(true)
				delete(l.inflight, key)
			}
			l.mu.Unlock()
			// Lines written through the display show at its next
			// frame: let one come (with the final counts) before the
			// display ends, which drops what it has not drawn.
			time.Sleep(2 * refreshRate)
			l.bar.SetTotal(-1, true)
			l.pr.Wait()
			l.p.setOver(nil)
			return
		}
		close(l.stop)
		l.wg.Wait()
	})
}

// lines prints a line every Interval until Done.
func (l *LoadProgress) lines() {
	defer l.wg.Done()
	t := time.NewTicker(l.p.Interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.p.Printf("%s", l.line())
		}
	}
}

// line is the plain progress line.
func (l *LoadProgress) line() string {
	done, el := l.doneRows.Load(), time.Since(l.start)
	rate := float64(done) / el.Seconds()
	eta := "?"
	if rate > 0 && l.rows >= done {
		eta = time.Duration(float64(l.rows-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	pct := 100.0
	if l.rows > 0 {
		pct = 100 * float64(done) / float64(l.rows)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "import: %d/%d keys, %s of %s rows (%.0f%%), %s read, %.0f rows/s, ETA %s",
		l.doneKeys.Load(), l.keys, count(done), count(l.rows), pct, Bytes(l.bytes.Load()), rate, eta)
	l.mu.Lock()
	keys := make([]string, 0, len(l.inflight))
	for key, k := range l.inflight {
		keys = append(keys, fmt.Sprintf("%s %s/%s rows", key, count(k.added), count(k.rows)))
	}
	l.mu.Unlock()
	slices.Sort(keys)
	if len(keys) > 0 {
		b.WriteString("; loading " + strings.Join(keys, ", "))
	}
	return b.String()
}

// setOver routes the printer's lines through w (a live display that
// prints them above its bars), or back to its stream when w is nil.
func (p *Printer) setOver(w io.Writer) {
	for p.parent != nil {
		p = p.parent
	}
	p.mu.Lock()
	p.over = w
	p.mu.Unlock()
}
