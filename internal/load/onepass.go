package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sync/atomic"

	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// The one-pass load of a new table.
//
// Into a sink.ColumnTyper, a key whose table does not exist yet is read
// once in the common case: the load reads the first sampleBytes of the
// file, creates the table with the types of the whole records among them,
// and streams the file into it while an Inferrer takes every record, as
// the inference pass would. When the file ends, the load commits only if
// the inference over every record gives the same table (same Type and
// sink ColumnType per column) as the sample did; otherwise, or as soon as
// a record that the guessed types refuse needs a wider type, the load
// reads on to the end for the types alone, rolls back (the table with it),
// and loads the file again with the types of every value. The table, its
// values, the rejects, the counts and the ledger's digest are then exactly
// those of a load whose types were inferred first: nothing of the
// rolled-back attempt remains.

// sampleBytes is how much of a new table's file the load reads before it
// creates the table.
const sampleBytes = 256 << 10

// widenError ends a load whose guessed types were too narrow: cols are the
// types of every value of the file.
type widenError struct{ cols []schema.Column }

func (e *widenError) Error() string {
	return "later records need wider column types than the first ones"
}

// guess is the state of a source whose table's types were guessed.
type guess struct {
	typer sink.ColumnTyper
	w     *watchdog
	names []string
	spec  []schema.Column // the table as created, from the sample
	full  schema.Inferrer // every record of the right length
	cols  []schema.Column // full's columns once the file is read
}

// typer returns the sink as a sink.ColumnTyper, or nil when its new
// tables need their types before the load.
func (im *Importer) typer() sink.ColumnTyper {
	t, _ := im.sink.(sink.ColumnTyper)
	return t
}

// sample reads up to sampleBytes of r and infers column types from the
// whole records they hold (all of them when r ended, else all but the
// last, which may be cut). It returns the bytes read, which the load
// must read again before the rest of r.
func (im *Importer) sample(r io.Reader) ([]byte, *schema.Inferrer, error) {
	in := &schema.Inferrer{AllText: im.parse.AllText, Limits: im.limits}
	buf := make([]byte, sampleBytes)
	n, err := io.ReadFull(r, buf)
	whole := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if err != nil && !whole {
		return nil, nil, err
	}
	buf = buf[:n]
	rd, err := record.NewReader(bytes.NewReader(buf), im.parse.Record)
	if err != nil {
		return buf, in, nil // the load's reader reports it
	}
	width := len(rd.Header())
	var pending []string
	for rd.Next() {
		if pending != nil {
			in.Add(pending)
		}
		pending = nil
		if rec := rd.Record(); len(rec) == width {
			pending = slices.Clone(rec)
		}
	}
	if whole && rd.Err() == nil && pending != nil {
		in.Add(pending)
	}
	return buf, in, nil
}

// newGuess returns the guess of a file whose header is names, from the
// sample's inference.
func (im *Importer) newGuess(names []string, sample *schema.Inferrer, w *watchdog) *guess {
	return &guess{
		typer: im.typer(),
		w:     w,
		names: names,
		spec:  sample.Columns(names),
		full:  schema.Inferrer{AllText: im.parse.AllText, Limits: im.limits},
	}
}

// wider reports whether the records so far need another type than the
// guessed one in some column.
func (g *guess) wider() bool {
	for i, c := range g.full.Columns(g.names) {
		if c.Type != g.spec[i].Type {
			return true
		}
	}
	return false
}

// drain reads the rest of rd for its types only and returns the
// widenError, or rd's error (unwrapped).
func (g *guess) drain(rd *record.Reader) error {
	if g.w != nil {
		g.w.pause() // no database call while the file is read
		defer g.w.resume()
	}
	for rd.Next() {
		if rec := rd.Record(); len(rec) == len(g.names) {
			g.full.Add(rec)
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	return &widenError{cols: g.full.Columns(g.names)}
}

// check returns a widenError unless the inference over the whole file
// makes the table the sample did.
func (g *guess) check() error {
	g.cols = g.full.Columns(g.names)
	for i, c := range g.cols {
		s := g.spec[i]
		if c.Type != s.Type || g.typer.ColumnType(c.Type, c.MaxLen) != g.typer.ColumnType(s.Type, s.MaxLen) {
			return &widenError{cols: g.cols}
		}
	}
	return nil
}

// failedGuess returns what a load of guessed types that the sink failed
// with err fails with. The failure may be the guess's own: a value the
// database refused for a column that the sample made too narrow (a
// decimal too long for the sink's DECIMAL), a CREATE TABLE refused for the
// row size of the guessed types. Unless ctx ended or the source had ended
// by itself (then its widenError, if it ended with one, else err), the
// rest of the file is read for its types, and when they make another
// table than the guess did, the widenError loads the file again with
// them, as a load whose types were inferred first would have. Otherwise,
// and when the file cannot be read on, err stands. Call it once the
// source is no longer read by the prefetch.
func (s *source) failedGuess(ctx context.Context, err error) error {
	var we *widenError
	if ctx.Err() != nil || errors.As(err, &we) {
		return err
	}
	if errors.Is(err, sink.ErrTableTaken) || errors.Is(err, sink.ErrDowngrade) {
		return err // no type makes these go away: no read for them
	}
	if s.done {
		// Read to its end before the sink failed: its own outcome
		// stands, a widenError included.
		if errors.As(s.err, &we) {
			return s.err
		}
		return err
	}
	if derr := s.guess.drain(s.rd); !errors.As(derr, &we) {
		return err
	}
	if werr := s.guess.check(); werr != nil {
		return werr
	}
	return err
}

// loadFile reads j's file into the sink with columns cols (nil: guess a
// new table's types, see above) and returns the sink's result and the
// columns of the table loaded.
func (im *Importer) loadFile(ctx context.Context, j *job, cols []schema.Column, exists bool, w *watchdog) (sink.Result, []schema.Column, error) {
	res, got, err := im.readFile(ctx, j, cols, exists, w)
	var we *widenError
	if errors.As(err, &we) {
		res, got, err = im.readFile(ctx, j, we.cols, exists, w)
	}
	return res, got, err
}

// readFile is one read of j's file for loadFile. The progress of a read
// that does not commit is taken back.
func (im *Importer) readFile(ctx context.Context, j *job, cols []schema.Column, exists bool, w *watchdog) (sink.Result, []schema.Column, error) {
	var res sink.Result
	var rows, read atomic.Int64
	err := im.files.Open(ctx, im.files.Base, j.Source, func(r io.Reader) error {
		if kp := im.hooks.KeyProgress; kp != nil {
			r = progressReader{r: r, fn: func(n int64) { read.Add(n); kp(j.Key, 0, n) }}
		}
		v := newVerifier(r, j.SHA256)
		src, err := im.loadFrom(ctx, v, j, cols, exists, w, &res, &rows)
		if err != nil {
			w.pause() // reading the rest of the file for its sha256
			defer w.resume()
		} else if src.guess != nil {
			cols = src.guess.cols
		}
		return v.checked(ctx, j.Source, err)
	})
	if err != nil {
		if we := (*widenError)(nil); errors.As(err, &we) {
			// Read again: take this read's progress back.
			if im.hooks.Progress != nil {
				im.hooks.Progress(-rows.Load())
			}
			if kp := im.hooks.KeyProgress; kp != nil {
				kp(j.Key, -rows.Load(), -read.Load())
			}
		}
		// The outcome names the key and the table already.
		var le *sink.LoadError
		if errors.As(err, &le) {
			err = le.Err
		}
		return res, nil, err
	}
	return res, cols, nil
}
