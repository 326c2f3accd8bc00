package plan

import (
	"bufio"
	"container/heap"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
)

// DefaultSpillLimit is how many candidates a Spill holds in memory
// before it writes them to a run on disk: about 20 MiB of candidates.
const DefaultSpillLimit = 1 << 16

// Spill is an external sort of candidates: they may be added in any
// order, and Each gives them back in SortCandidates order, holding at
// most Limit of them in memory. Beyond it, sorted runs go to temporary
// files in Dir, which Each merges and Close removes. Each's order is a
// function of the set of candidates added (key, then source, is a total
// order: a source names one version), so a candidates file written from
// it is the same for any order of arrival. A Spill is not safe for
// concurrent use.
type Spill struct {
	Dir   string // temporary files; "" is os.TempDir()
	Limit int    // candidates held in memory; < 1 is DefaultSpillLimit

	buf  []Candidate
	runs []*os.File
	n    int
}

// Add adds candidates; the Spill keeps copies.
func (s *Spill) Add(cands ...Candidate) error {
	limit := s.Limit
	if limit < 1 {
		limit = DefaultSpillLimit
	}
	for _, c := range cands {
		s.buf = append(s.buf, c)
		s.n++
		if len(s.buf) >= limit {
			if err := s.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Len returns how many candidates were added.
func (s *Spill) Len() int { return s.n }

// flush writes the buffered candidates, sorted, as a run.
func (s *Spill) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	SortCandidates(s.buf)
	f, err := os.CreateTemp(s.Dir, "siftload-candidates-*.run")
	if err != nil {
		return fmt.Errorf("spill candidates: %w", err)
	}
	s.runs = append(s.runs, f)
	bw := bufio.NewWriterSize(f, 256<<10)
	enc := gob.NewEncoder(bw)
	for i := range s.buf {
		if err := enc.Encode(&s.buf[i]); err != nil {
			return fmt.Errorf("spill candidates to %s: %w", f.Name(), err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("spill candidates to %s: %w", f.Name(), err)
	}
	clear(s.buf)
	s.buf = s.buf[:0]
	return nil
}

// run is one sorted run being merged.
type run struct {
	dec *gob.Decoder
	cur Candidate
}

type runHeap []*run

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	a, b := &h[i].cur, &h[j].cur
	if a.Key != b.Key {
		return a.Key < b.Key
	}
	return a.Source < b.Source
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// Each calls fn with every candidate, in SortCandidates order; it stops
// at fn's first error and returns it. fn must not retain the pointer.
func (s *Spill) Each(fn func(*Candidate) error) error {
	if len(s.runs) == 0 {
		SortCandidates(s.buf)
		for i := range s.buf {
			if err := fn(&s.buf[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.flush(); err != nil {
		return err
	}
	s.buf = nil // every candidate is in a run: the buffer's memory goes while they merge
	h := make(runHeap, 0, len(s.runs))
	for _, f := range s.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("merge candidates from %s: %w", f.Name(), err)
		}
		r := &run{dec: gob.NewDecoder(bufio.NewReaderSize(f, 64<<10))}
		if err := r.dec.Decode(&r.cur); err != nil {
			if errors.Is(err, io.EOF) {
				continue
			}
			return fmt.Errorf("merge candidates from %s: %w", f.Name(), err)
		}
		h = append(h, r)
	}
	heap.Init(&h)
	for h.Len() > 0 {
		r := h[0]
		if err := fn(&r.cur); err != nil {
			return err
		}
		r.cur = Candidate{}
		switch err := r.dec.Decode(&r.cur); {
		case errors.Is(err, io.EOF):
			heap.Pop(&h)
		case err != nil:
			return fmt.Errorf("merge candidates: %w", err)
		default:
			heap.Fix(&h, 0)
		}
	}
	return nil
}

// Close removes the Spill's temporary files.
func (s *Spill) Close() error {
	var errs []error
	for _, f := range s.runs {
		errs = append(errs, f.Close(), os.Remove(f.Name()))
	}
	s.runs, s.buf = nil, nil
	return errors.Join(errs...)
}

// CandidatesWriter writes a candidates file (as WriteCandidates) one
// candidate at a time.
type CandidatesWriter struct {
	w      *writer
	metric string
}

// NewCandidatesWriter writes the header of a candidates file of metric to
// w and returns the writer of its rows.
func NewCandidatesWriter(w io.Writer, metric string) (*CandidatesWriter, error) {
	cw, err := newWriter(w, CandidatesHeader)
	if err != nil {
		return nil, err
	}
	return &CandidatesWriter{w: cw, metric: metric}, nil
}

// Write writes one candidate's row.
func (c *CandidatesWriter) Write(cand *Candidate) error {
	return c.w.writeCandidates(c.metric, []Candidate{*cand}, true)
}

// Flush writes what is buffered.
func (c *CandidatesWriter) Flush() error { return c.w.flush() }
