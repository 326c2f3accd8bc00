package coverage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// collector gathers the hashes of one version: in memory up to limit
// hashes, and above that as sorted runs in files under dir, so that a
// version of any size takes at most limit*hashSize bytes of memory.
// A collector is reused from version to version (reset) by one worker.
type collector struct {
	dir   string
	limit int
	buf   []Hash
	runs  []string // run files, each sorted
	n     int64    // hashes added
}

func newCollector(dir string, limit int) *collector {
	return &collector{dir: dir, limit: max(limit, 1)}
}

// reset drops what the collector holds (its run files too) and keeps its
// buffer for the next version.
func (c *collector) reset() error {
	err := removeRuns(c.runs)
	c.buf, c.runs, c.n = c.buf[:0], nil, 0
	return err
}

func (c *collector) add(h Hash) error {
	if len(c.buf) >= c.limit {
		if err := c.spill(); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, h)
	c.n++
	return nil
}

// spill writes the buffer as a sorted run and empties it.
func (c *collector) spill() error {
	sortHashes(c.buf)
	name, err := writeRun(c.dir, c.buf)
	if err != nil {
		return err
	}
	c.runs = append(c.runs, name)
	c.buf = c.buf[:0]
	return nil
}

// set is a finished, sorted collection of hashes: a slice in memory, or
// run files that merge into one sorted stream.
type set struct {
	mem  []Hash
	runs []string
	n    int64
}

// finish returns the collected hashes as a set. With keep (and no run
// written yet) the set owns a copy of the buffer, which the collector
// keeps for the next version; without keep, or when runs were written,
// the rest of the buffer becomes a run too, so that the set holds no
// memory. Either way the collector is empty afterwards, and its runs
// belong to the set (release removes them).
func (c *collector) finish(keep bool) (*set, error) {
	defer func() { c.buf, c.runs, c.n = c.buf[:0], nil, 0 }()
	if keep && len(c.runs) == 0 {
		sortHashes(c.buf)
		return &set{mem: slices.Clone(c.buf), n: c.n}, nil
	}
	if len(c.buf) > 0 {
		if err := c.spill(); err != nil {
			return nil, err
		}
	}
	return &set{runs: c.runs, n: c.n}, nil
}

// view returns the collected hashes as a sorted stream without copying:
// valid until the collector changes. Spilled hashes are merged from
// their runs.
func (c *collector) view() (iterator, error) {
	sortHashes(c.buf)
	if len(c.runs) == 0 {
		return &memIter{h: c.buf}, nil
	}
	its := []iterator{&memIter{h: c.buf}}
	for _, r := range c.runs {
		it, err := openRun(r)
		if err != nil {
			closeAll(its)
			return nil, err
		}
		its = append(its, it)
	}
	return &mergeIter{its: its}, nil
}

// iter returns the set as one sorted stream. The caller must close it.
func (s *set) iter() (iterator, error) {
	if s.runs == nil {
		return &memIter{h: s.mem}, nil
	}
	var its []iterator
	for _, r := range s.runs {
		it, err := openRun(r)
		if err != nil {
			closeAll(its)
			return nil, err
		}
		its = append(its, it)
	}
	if len(its) == 1 {
		return its[0], nil
	}
	return &mergeIter{its: its}, nil
}

// release removes the set's run files.
func (s *set) release() error {
	err := removeRuns(s.runs)
	s.mem, s.runs = nil, nil
	return err
}

func removeRuns(runs []string) error {
	var errs []error
	for _, r := range runs {
		if err := os.Remove(r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeRun writes sorted hashes to a new file in dir, 16 bytes each (Hi,
// then Lo, big-endian), and returns its name.
func writeRun(dir string, hs []Hash) (string, error) {
	f, err := os.CreateTemp(dir, "run-*")
	if err != nil {
		return "", fmt.Errorf("create run: %w", err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	var b [hashSize]byte
	for _, h := range hs {
		binary.BigEndian.PutUint64(b[:8], h.Hi)
		binary.BigEndian.PutUint64(b[8:], h.Lo)
		if _, err = w.Write(b[:]); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write run %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// iterator is a sorted stream of hashes.
type iterator interface {
	// next returns the next hash, or false at the end or on an error
	// (err says which).
	next() (Hash, bool)
	err() error
	close() error
}

func closeAll(its []iterator) error {
	var errs []error
	for _, it := range its {
		errs = append(errs, it.close())
	}
	return errors.Join(errs...)
}

type memIter struct {
	h []Hash
	i int
}

func (m *memIter) next() (Hash, bool) {
	if m.i == len(m.h) {
		return Hash{}, false
	}
	m.i++
	return m.h[m.i-1], true
}
func (m *memIter) err() error   { return nil }
func (m *memIter) close() error { return nil }

// runIter reads a run file.
type runIter struct {
	f    *os.File
	r    *bufio.Reader
	b    [hashSize]byte
	fail error
}

func openRun(name string) (*runIter, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open run: %w", err)
	}
	return &runIter{f: f, r: bufio.NewReaderSize(f, 64<<10)}, nil
}

func (r *runIter) next() (Hash, bool) {
	if r.fail != nil {
		return Hash{}, false
	}
	if _, err := io.ReadFull(r.r, r.b[:]); err != nil {
		if err != io.EOF {
			r.fail = fmt.Errorf("read run %s: %w", r.f.Name(), err)
		}
		return Hash{}, false
	}
	return Hash{Hi: binary.BigEndian.Uint64(r.b[:8]), Lo: binary.BigEndian.Uint64(r.b[8:])}, true
}
func (r *runIter) err() error   { return r.fail }
func (r *runIter) close() error { return r.f.Close() }

// mergeIter merges sorted streams into one. Runs are few (a version's
// size over the memory limit), so it picks the least head by a scan.
type mergeIter struct {
	its   []iterator
	heads []Hash
	live  []bool
	init  bool
}

func (m *mergeIter) next() (Hash, bool) {
	if !m.init {
		m.init = true
		m.heads = make([]Hash, len(m.its))
		m.live = make([]bool, len(m.its))
		for i, it := range m.its {
			m.heads[i], m.live[i] = it.next()
		}
	}
	best := -1
	for i := range m.its {
		if m.live[i] && (best < 0 || m.heads[i].Compare(m.heads[best]) < 0) {
			best = i
		}
	}
	if best < 0 {
		return Hash{}, false
	}
	h := m.heads[best]
	m.heads[best], m.live[best] = m.its[best].next()
	return h, true
}

func (m *mergeIter) err() error {
	for _, it := range m.its {
		if err := it.err(); err != nil {
			return err
		}
	}
	return nil
}

func (m *mergeIter) close() error { return closeAll(m.its) }

// missing counts the hashes of other that chosen does not hold, as
// multisets: a hash that other holds k times and chosen j times counts
// max(k-j, 0). Both streams must be sorted.
func missing(chosen, other iterator) (int64, error) {
	var n int64
	c, cok := chosen.next()
	o, ook := other.next()
	for ook {
		h, k := o, int64(0)
		for ook && o == h {
			k++
			o, ook = other.next()
		}
		for cok && c.Compare(h) < 0 {
			c, cok = chosen.next()
		}
		var j int64
		for cok && c == h {
			j++
			c, cok = chosen.next()
		}
		n += max(k-j, 0)
	}
	if err := errors.Join(chosen.err(), other.err()); err != nil {
		return 0, err
	}
	return n, nil
}
