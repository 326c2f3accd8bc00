package ui

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLoadProgressLines: off a terminal, a plain line comes every
// Interval, with keys, rows, bytes, rate, ETA and the keys in flight.
func TestLoadProgressLines(t *testing.T) {
	var buf syncBuffer
	p := NewPrinter(&buf, false)
	p.Interval = 5 * time.Millisecond
	l := p.NewLoadProgress(t.Context(), 2, 30)
	l.Start("data/a.csv", 10)
	l.Add("data/a.csv", 4, 2048)
	want := []string{"import: 0/2 keys, 4 of 30 rows (13%), 2.0 KiB read", "rows/s, ETA ", "; loading data/a.csv 4/10 rows"}
	waitFor(t, &buf, want...)
	l.Finish("data/a.csv", 10)
	l.Finish("data/b.csv", 20) // skipped: never started
	waitFor(t, &buf, "import: 2/2 keys, 30 of 30 rows (100%)")
	l.Done()
}

// waitFor waits until buf holds every string of want, and fails the test
// after a few seconds.
func waitFor(t testing.TB, buf interface{ String() string }, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := buf.String()
		ok := true
		for _, w := range want {
			if !strings.Contains(got, w) {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", want, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLoadProgressTerminal runs the display on a pseudo-terminal: an
// overall bar with keys, rows, bytes, rate and ETA, a line for the key in
// flight, and the printer's lines above the bars.
func TestLoadProgressTerminal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no pseudo-terminal on Windows")
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 160}); err != nil {
		t.Fatal(err)
	}
	var screen syncBuffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&screen, ptmx)
		close(copied)
	}()

	p := NewPrinter(tty, true)
	l := p.NewLoadProgress(context.Background(), 2, 30)
	l.Start("data/LINE01.csv", 10)
	l.Add("data/LINE01.csv", 4, 3<<20)
	waitFor(t, &screen, "import 0/2 keys 4/30 rows", "3.0 MiB", "rows/s", "ETA", "data/LINE01.csv", "4 / 10 rows")
	p.Printf("loaded   data/LINE01.csv -> data_line01: 10 rows")
	l.Finish("data/LINE01.csv", 10)
	l.Finish("data/LINE02.csv", 20)
	p.Printf("the last line before Done")
	l.Done()
	p.Printf("after the bar")
	tty.Close()
	<-copied
	got := screen.String()
	for _, w := range []string{"loaded   data/LINE01.csv -> data_line01: 10 rows", "2/2 keys 30/30 rows", "the last line before Done", "after the bar"} {
		if !strings.Contains(got, w) {
			t.Errorf("screen lacks %q:\n%q", w, got)
		}
	}
	if i, j := strings.LastIndex(got, "2/2 keys"), strings.Index(got, "after the bar"); i > j {
		t.Errorf("a line printed after Done came before the bar's last frame:\n%q", got)
	}
}

// TestLoadProgressQuiet: quiet shows nothing.
func TestLoadProgressQuiet(t *testing.T) {
	var buf syncBuffer
	p := NewPrinter(&buf, true)
	p.Quiet = true
	p.Interval = time.Millisecond
	l := p.NewLoadProgress(t.Context(), 1, 10)
	l.Start("a.csv", 10)
	l.Add("a.csv", 10, 100)
	l.Finish("a.csv", 10)
	l.Done()
	if buf.String() != "" {
		t.Errorf("quiet printed %q", buf.String())
	}
}
