package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dustin/go-humanize"
)

// DefaultMaxMemberSize is the member size limit when
// Walker.MaxMemberSize is 0: room for real multi-GB exports.
const DefaultMaxMemberSize int64 = 64 << 30

// DefaultMaxRatio is the compression ratio limit when Walker.MaxRatio is
// 0. Real CSV exports compress 5:1 to 20:1; deflate cannot pass 1032:1.
const DefaultMaxRatio = 1000

// ratioGrace is how many bytes a reader yields before the ratio rule
// applies to it: small files of repeated values may compress far.
const ratioGrace = 16 << 20

// Reasons of the problems reported for members and archives that cross
// Walker's limits; the errors wrap them.
var (
	ErrMemberSize = errors.New("archive: member larger than the size limit")
	ErrRatio      = errors.New("archive: compression ratio above the limit")
)

// limitError is a crossed limit: its message says which and how much.
type limitError struct {
	msg  string
	kind error // ErrMemberSize or ErrRatio
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.kind }

// sizeError is the problem of what ("member" or "file") larger than
// lim.size; header is the size its header says, or -1.
func sizeError(what string, lim limits, header int64) error {
	var notes []string
	if header >= 0 {
		notes = append(notes, "its header says "+humanize.IBytes(uint64(header)))
	}
	if lim.sizeSetting != "" {
		notes = append(notes, "raise "+lim.sizeSetting+" to allow it")
	}
	return &limitError{fmt.Sprintf("%s larger than %s limit%s", what, humanize.IBytes(uint64(lim.size)), parens(notes)), ErrMemberSize}
}

func ratioError(lim limits) error {
	var notes []string
	if lim.ratioSetting != "" {
		notes = append(notes, "raise "+lim.ratioSetting+" to allow it")
	}
	return &limitError{fmt.Sprintf("compression ratio above %g:1: possible decompression bomb%s", lim.ratio, parens(notes)), ErrRatio}
}

// parens returns " (a; b)", or "" for no notes.
func parens(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

// limits are the size and ratio limits of a walk; 0 turns one off. The
// settings name what changes them (Walker.MaxMemberSizeSetting and
// MaxRatioSetting).
type limits struct {
	size  int64
	ratio float64

	sizeSetting, ratioSetting string
}

func (w *Walker) limits() limits {
	l := limits{size: w.MaxMemberSize, ratio: float64(w.MaxRatio), sizeSetting: w.MaxMemberSizeSetting, ratioSetting: w.MaxRatioSetting}
	switch {
	case l.size == 0:
		l.size = DefaultMaxMemberSize
	case l.size < 0:
		l.size = 0
	}
	switch {
	case l.ratio == 0:
		l.ratio = DefaultMaxRatio
	case l.ratio < 0:
		l.ratio = 0
	}
	return l
}

// costFunc returns how many bytes of an outermost file the reads of a
// chain of readers have consumed so far: its physical cost. Through a
// spooled archive the cost is pro rata: a byte of the spool file costs
// what producing the spool cost, divided by its size.
type costFunc func() float64

// meter counts the bytes read through r and fails the reads once they
// cross the limits: more than lim.size bytes (when sized), or, past
// ratioGrace bytes, more than lim.ratio times the physical bytes the
// chain under r consumed meanwhile (cost's growth since the meter was
// made). The first failure sticks.
type meter struct {
	r     io.Reader
	c     io.Closer // nil: nothing to close
	lim   limits
	what  string // "member" or "file", for the size error
	sized bool
	cost  costFunc
	cost0 float64
	out   int64
	arc   *budget // the archive's, or nil
	err   error
}

// newMeter meters rc (closed with the meter) for a chain of cost cost.
// what is "" when the size limit does not apply (a tar stream).
func newMeter(rc io.ReadCloser, lim limits, what string, cost costFunc, arc *budget) *meter {
	return &meter{r: rc, c: rc, lim: lim, what: what, sized: what != "" && lim.size > 0, cost: cost, cost0: cost(), arc: arc}
}

func (m *meter) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	n, err := m.r.Read(p)
	m.out += int64(n)
	switch {
	case m.sized && m.out > m.lim.size:
		m.err = sizeError(m.what, m.lim, -1)
	case m.lim.ratio > 0 && m.out > ratioGrace && float64(m.out) > m.lim.ratio*(m.cost()-m.cost0):
		m.err = ratioError(m.lim)
	case m.arc != nil:
		m.err = m.arc.add(int64(n))
	}
	if m.err != nil {
		return n, m.err
	}
	return n, err
}

func (m *meter) Close() error {
	if m.c == nil {
		return nil
	}
	return m.c.Close()
}

// budget is the ratio rule for a whole zip or 7z archive: the bytes all
// its members yield against the archive's physical bytes, since members
// may share their compressed data (the overlapping zip bomb) and each
// then looks harmless. Stream archives need none: their stream's meter
// sees every byte.
type budget struct {
	lim  limits
	phys float64 // physical bytes of the archive
	out  atomic.Int64
	err  atomic.Pointer[error]
}

func newBudget(lim limits, phys float64) *budget {
	if lim.ratio <= 0 {
		return nil
	}
	return &budget{lim: lim, phys: phys}
}

// add counts n more bytes and returns the error of a crossed limit.
func (b *budget) add(n int64) error {
	out := b.out.Add(n)
	if out > ratioGrace && float64(out) > b.lim.ratio*b.phys {
		err := ratioError(b.lim)
		b.err.CompareAndSwap(nil, &err)
	}
	return b.failed()
}

// failed returns the error of the crossed limit, or nil.
func (b *budget) failed() error {
	if b == nil {
		return nil
	}
	if p := b.err.Load(); p != nil {
		return *p
	}
	return nil
}

// countFile is a file whose reads are counted, by Read and ReadAt. It
// seeks as the file does (archive/tar skips members by seeking), so that
// skipped bytes are not counted. (It does not embed *os.File, whose
// WriteTo would let io.Copy read uncounted.)
type countFile struct {
	f *os.File
	n *atomic.Int64
}

func (f countFile) Read(p []byte) (int, error) {
	n, err := f.f.Read(p)
	f.n.Add(int64(n))
	return n, err
}

func (f countFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.f.ReadAt(p, off)
	f.n.Add(int64(n))
	return n, err
}

func (f countFile) Seek(off int64, whence int) (int64, error) { return f.f.Seek(off, whence) }
func (f countFile) Stat() (os.FileInfo, error)                { return f.f.Stat() }
func (f countFile) Close() error                              { return f.f.Close() }

// smallZip is the size up to which an outermost zip is read into memory
// whole (see readSmall): far above a tiny snapshot, far below what
// workers times it could weigh on memory.
const smallZip = 1 << 20

// smallBufs holds the buffers of readSmall, one per worker at a time.
var smallBufs = sync.Pool{New: func() any { return new([]byte) }}

// memFile is a file read into memory whose ReadAt reads are counted as
// countFile counts the file's, so that the ratio limit sees the same
// physical cost: a member read twice (overlapping zip members) costs
// twice.
type memFile struct {
	b *[]byte
	r *bytes.Reader
	n *atomic.Int64
}

// readSmall reads the size bytes of f into a pooled buffer with one
// read, without counting them (memFile counts what is read from it).
func readSmall(f countFile, size int64) (memFile, error) {
	bp := smallBufs.Get().(*[]byte)
	if int64(cap(*bp)) < size {
		// Sized to the file (at least 64 KiB, so that tiny zips share
		// one size), not to smallZip: a pool's buffers are dropped at
		// GCs, and 1 MiB ones for 20 KB zips made the heap grow.
		*bp = make([]byte, size, max(size, 64<<10))
	}
	b := (*bp)[:size]
	if _, err := io.ReadFull(io.NewSectionReader(f.f, 0, size), b); err != nil {
		smallBufs.Put(bp)
		return memFile{}, err
	}
	return memFile{b: bp, r: bytes.NewReader(b), n: f.n}, nil
}

func (m memFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := m.r.ReadAt(p, off)
	m.n.Add(int64(n))
	return n, err
}

// release gives the buffer back; m must not be read after.
func (m memFile) release() { smallBufs.Put(m.b) }

// looseItem is the outermost file at path; its cost is what its reads
// consumed.
func looseItem(name, source, path string, size int64) item {
	n := new(atomic.Int64)
	return item{
		name:   name,
		source: source,
		path:   path,
		size:   size,
		open: func() (io.ReadCloser, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			return countFile{f, n}, nil
		},
		cost: func() float64 { return float64(n.Load()) },
	}
}
