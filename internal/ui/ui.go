// Package ui is the only place siftload writes for people: messages,
// progress and summaries, all to stderr (stdout stays free for data).
//
// On a terminal progress is a live bar (vbauerster/mpb); otherwise it is a
// plain line every few seconds, which suits logs and CI. Quiet silences
// everything but errors.
package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// Printer writes messages to one stream. It is safe for concurrent use.
type Printer struct {
	mu       sync.Mutex
	w        io.Writer
	over     io.Writer // a live display's writer while one runs (setOver)
	log      io.Writer // the full log (SetLog); nil: none
	terminal bool
	// parent and prefix: a Prefixed printer writes through its parent.
	parent  *Printer
	prefix  string
	Quiet   bool
	Verbose bool
	// Interval between plain progress lines when not on a terminal.
	Interval time.Duration
}

// NewPrinter returns a Printer on w; terminal says whether w is one.
func NewPrinter(w io.Writer, terminal bool) *Printer {
	return &Printer{w: w, terminal: terminal, Interval: 10 * time.Second}
}

// Stderr returns a Printer on os.Stderr.
func Stderr() *Printer {
	return NewPrinter(os.Stderr, term.IsTerminal(int(os.Stderr.Fd())))
}

// Printf writes a line unless quiet (the log gets it always).
func (p *Printer) Printf(format string, args ...any) {
	if p.Quiet {
		p.logf(format, args...)
		return
	}
	p.write(format, args...)
}

// Verbosef writes a line only in verbose mode (the log gets it always).
func (p *Printer) Verbosef(format string, args ...any) {
	if p.Verbose && !p.Quiet {
		p.write(format, args...)
		return
	}
	p.logf(format, args...)
}

// Detailed reports whether Verbosef's lines go anywhere: -v, or a log.
func (p *Printer) Detailed() bool {
	for p.parent != nil {
		if p.Verbose && !p.Quiet {
			return true
		}
		p = p.parent
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return (p.Verbose && !p.Quiet) || p.log != nil
}

// SetLog makes p (and the printers Prefixed from it) write every line
// also to w, each after a timestamp, whatever Quiet and Verbose say: the
// full log of --log-file. Live progress bars are not logged; plain
// progress lines are.
func (p *Printer) SetLog(w io.Writer) {
	p.mu.Lock()
	p.log = w
	p.mu.Unlock()
}

// Logf writes a line to the log only (see SetLog).
func (p *Printer) Logf(format string, args ...any) { p.logf(format, args...) }

// CloseLog ends the log of SetLog, closing it when it is an io.Closer.
func (p *Printer) CloseLog() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.log
	p.log = nil
	if c, ok := w.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// logf writes a line to the log only.
func (p *Printer) logf(format string, args ...any) {
	if p.parent != nil {
		p.parent.logf("%s"+format, append([]any{p.prefix}, args...)...)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toLog(format, args...)
}

// toLog writes a line to the log; p.mu is held.
func (p *Printer) toLog(format string, args ...any) {
	if p.log != nil {
		fmt.Fprintf(p.log, "%s "+format+"\n", append([]any{time.Now().Format("2006-01-02T15:04:05.000Z07:00")}, args...)...)
	}
}

// Errorf writes a line even when quiet.
func (p *Printer) Errorf(format string, args ...any) {
	p.write(format, args...)
}

// Prefixed returns a Printer that writes through p, every line starting
// with prefix, with p's Quiet and Verbose. Its progress is plain lines,
// never a live bar, so that several of them can share a terminal.
func (p *Printer) Prefixed(prefix string) *Printer {
	return &Printer{parent: p, prefix: prefix, Quiet: p.Quiet, Verbose: p.Verbose, Interval: p.Interval}
}

func (p *Printer) write(format string, args ...any) {
	if p.parent != nil {
		p.parent.write("%s"+format, append([]any{p.prefix}, args...)...)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toLog(format, args...)
	if p.over != nil {
		if _, err := fmt.Fprintf(p.over, format+"\n", args...); err == nil {
			return
		}
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// ReadPassword shows prompt on stderr and reads a line from the terminal
// on stdin without echoing it. ok is false, and nothing is shown, when
// stdin is no terminal.
func ReadPassword(prompt string) (password string, ok bool, err error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", false, nil
	}
	fmt.Fprint(os.Stderr, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", true, fmt.Errorf("read password: %w", err)
	}
	return string(b), true, nil
}

// Progress tracks work measured in bytes of a known total.
type Progress interface {
	// Add records n more bytes done.
	Add(n int64)
	// Done ends the display; it must be called once.
	Done()
}

// NewProgress starts a progress display for total bytes of files
// (archives) files. It is a no-op when quiet.
func (p *Printer) NewProgress(ctx context.Context, name string, files int, total int64) Progress {
	switch {
	case p.Quiet:
		return nopProgress{}
	case p.terminal:
		return newBarProgress(ctx, p, name, total)
	default:
		return newLineProgress(p, name, files, total)
	}
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}
func (nopProgress) Done()     {}

type barProgress struct {
	pr   *mpb.Progress
	bar  *mpb.Bar
	last atomic.Int64 // unix nanos of the last Add, for the moving average
}

func newBarProgress(ctx context.Context, p *Printer, name string, total int64) *barProgress {
	pr := mpb.NewWithContext(ctx, mpb.WithOutput(p.w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))
	bar := pr.AddBar(total,
		mpb.PrependDecorators(decor.Name(name+" "), decor.CountersKibiByte("% .1f / % .1f")),
		mpb.AppendDecorators(
			decor.EwmaSpeed(decor.SizeB1024(0), " % .1f", 30),
			decor.Name(" ETA "), decor.EwmaETA(decor.ET_STYLE_GO, 30),
		),
	)
	b := &barProgress{pr: pr, bar: bar}
	b.last.Store(time.Now().UnixNano())
	return b
}

func (b *barProgress) Add(n int64) {
	now := time.Now().UnixNano()
	prev := b.last.Swap(now)
	b.bar.EwmaIncrInt64(n, time.Duration(now-prev))
}

func (b *barProgress) Done() {
	b.bar.SetTotal(-1, true)
	b.pr.Wait()
}

type lineProgress struct {
	p     *Printer
	name  string
	total int64
	done  atomic.Int64
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newLineProgress(p *Printer, name string, files int, total int64) *lineProgress {
	l := &lineProgress{p: p, name: name, total: total, start: time.Now(), stop: make(chan struct{})}
	p.Printf("%s: %d files, %s", name, files, Bytes(total))
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(p.Interval)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.line()
			}
		}
	}()
	return l
}

func (l *lineProgress) Add(n int64) { l.done.Add(n) }

func (l *lineProgress) line() {
	done := l.done.Load()
	el := time.Since(l.start)
	rate := float64(done) / el.Seconds()
	eta := "?"
	if rate > 0 && l.total >= done {
		eta = time.Duration(float64(l.total-done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	pct := 100.0
	if l.total > 0 {
		pct = 100 * float64(done) / float64(l.total)
	}
	l.p.Printf("%s: %s of %s (%.0f%%), %s/s, ETA %s", l.name, Bytes(done), Bytes(l.total), pct, Bytes(int64(rate)), eta)
}

func (l *lineProgress) Done() {
	close(l.stop)
	l.wg.Wait()
}

// Bytes formats n as a human-readable size ("1.5 MiB").
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
