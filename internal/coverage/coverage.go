package coverage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/record"
)

// DefaultMemoryLimit is the memory for record hashes when Options give
// none: 128 MiB, 8 M records, within the analysis RSS target of 200 MiB.
const DefaultMemoryLimit = 128 << 20

// minBuffer is the fewest hashes a worker buffers before it spills
// (16 KiB), however low the limit.
const minBuffer = 1 << 10

// Key is one key to check: the source of its chosen version and of every
// other version.
type Key struct {
	Key    string
	Chosen string
	Others []string
}

// Version is what the check found for one other version of a key.
type Version struct {
	Source string
	// Checked is true when Missing holds: the version was compared with
	// the chosen one (see the package documentation). When false,
	// Reason says why in plain words.
	Checked bool
	// Rows is how many data records the version has, -1 when it was not
	// read: its bytes are the chosen version's, or a prefix of them (see
	// Options.Digests).
	Rows    int64
	Missing int64 // of its records, how many the chosen version does not hold
	Reason  string
	// Cached is true when the result came from Options.Cache: nothing
	// was read for it.
	Cached bool
	// Lines is true when the version was proven a prefix of the chosen
	// version by the cache's line list of it: only this version was
	// read, as bytes (see lines.go).
	Lines bool
}

// Result is the check of one key.
type Result struct {
	Key      string
	Chosen   string
	Versions []Version // sorted by source
	// ChosenRead is true when the check read the chosen version (its
	// bytes or its records).
	ChosenRead bool
}

// Options configure a check.
type Options struct {
	// Workers is how many inputs are read at once; < 1 means 1.
	Workers int
	// Walker reads the inputs. It must be set up as for the analysis
	// that found the versions (filters, depth, limits), so that it
	// names them by the same sources. Its Problem and Stats fields are
	// set by Check.
	Walker archive.Walker
	// Record is the CSV dialect: the one the analysis counted with
	// (delimiter, no header, record size limit, encoding).
	Record record.Options
	// MemoryLimit bounds the memory of record hashes, in bytes: half of
	// it holds the chosen versions' hashes between the two passes, half
	// is shared by the workers' buffers. Above it hashes go to sorted
	// run files in TempDir. 0 means DefaultMemoryLimit.
	MemoryLimit int64
	// TempDir holds the run files ("": the system's temporary
	// directory); they are removed before Check returns.
	TempDir string
	// Digests, when set, hold the sha256 and size the analysis measured
	// of the sources' bytes. They spare reads: a version with the
	// chosen version's digest misses nothing and is not read; versions
	// that share a digest are read once; and a version whose bytes are
	// the chosen version's first bytes, ending in a line feed (an export
	// that only grew), misses nothing and is not read either (under 128
	// KiB, when it also reads as the chosen version's start: sameStart).
	// Sources without a digest are read.
	Digests map[string]Digest
	// Cache, when set, gives the results of pairs (a chosen and an
	// other version, by their digests) that an earlier check found,
	// and the chosen versions' record hashes, and keeps the new ones
	// (see Cache). It needs Digests.
	Cache *Cache
}

// ErrNotRead is the reason of a problem for a version that the check
// could not find again in its input.
var ErrNotRead = errors.New("coverage: version not found again (has the input changed since the analysis?)")

// Reasons a version was not checked.
const (
	ReasonHeader   = "its header differs from the chosen version's"
	ReasonUnread   = "it could not be read again"
	ReasonNoChosen = "the chosen version could not be read again"
)

// Check reads the inputs twice: first the chosen version of every key,
// into a set of record hashes, then every other version, counting its
// records that the chosen set does not hold. Keys without other versions
// are not read. Results are sorted by key and do not depend on
// opts.Workers.
//
// A version that cannot be read (a read error, not found) is a problem
// in the list returned, and is not Checked; the others still are. The
// error is for what stops the whole check: ctx done, the temporary
// directory failing.
func Check(ctx context.Context, inputs []archive.Input, keys []Key, opts Options) ([]Result, []*problem.Error, error) {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b Key) int { return cmp.Compare(a.Key, b.Key) })
	c := &checker{opts: opts, keys: keys}
	if c.opts.MemoryLimit <= 0 {
		c.opts.MemoryLimit = DefaultMemoryLimit
	}
	c.opts.Workers = max(c.opts.Workers, 1)
	dir, err := os.MkdirTemp(opts.TempDir, "siftload-coverage-*")
	if err != nil {
		return nil, nil, fmt.Errorf("coverage: %w", err)
	}
	defer os.RemoveAll(dir)
	c.dir = dir
	return c.run(ctx, inputs)
}

type checker struct {
	opts Options
	keys []Key
	dir  string

	mu       sync.Mutex
	problems []*problem.Error

	chosen     []*set          // by key index; nil when not read
	entries    []*entry        // by key index: the cache's entry of the chosen version; nil for none
	verified   []bool          // by key index: the chosen set is of the bytes its digest names
	dropped    []bool          // by key index: the chosen version could not be read
	keep       [][]bool        // by key and other index: the result may be cached
	cached     [][]bool        // by key and other index: the result came from the cache
	prefixes   []*prefixHasher // by key index: the chosen versions' prefix digests
	lineRes    [][]int8        // by key and other index: the line proof's result (lines.go)
	lineKeep   [][]bool        // by key and other index: the line proof read the bytes of the digest
	notPrefix  []bool          // by key index: an other version is not a prefix (a line proof said so)
	chosenRead []bool          // by key index: the chosen version was read
	headers    [][]string      // the chosen versions' headers, by key index
	versions   [][]Version
	memUsed    atomic.Int64 // bytes of chosen sets held in memory
}

// slot is where a source's result goes: key index, and other index (-1
// for the chosen version).
type slot struct{ key, other int }

func (c *checker) run(ctx context.Context, inputs []archive.Input) ([]Result, []*problem.Error, error) {
	n := len(c.keys)
	c.chosen = make([]*set, n)
	c.prefixes = make([]*prefixHasher, n)
	c.headers = make([][]string, n)
	c.versions = make([][]Version, n)
	c.entries = make([]*entry, n)
	c.verified = make([]bool, n)
	c.dropped = make([]bool, n)
	c.keep = make([][]bool, n)
	c.cached = make([][]bool, n)
	c.lineRes = make([][]int8, n)
	c.lineKeep = make([][]bool, n)
	c.notPrefix = make([]bool, n)
	c.chosenRead = make([]bool, n)
	defer func() {
		for _, s := range c.chosen {
			if s != nil {
				s.release()
			}
		}
	}()

	// Pass 1: the chosen versions of keys that have others, unless
	// their digests answer for all of them.
	want := make(map[string]slot)
	wantPrefix := make(map[string]slot)
	loaded := make(map[Digest]*entry) // one entry per chosen digest
	for i, k := range c.keys {
		c.versions[i] = make([]Version, len(k.Others))
		c.keep[i] = make([]bool, len(k.Others))
		c.cached[i] = make([]bool, len(k.Others))
		c.lineRes[i] = make([]int8, len(k.Others))
		c.lineKeep[i] = make([]bool, len(k.Others))
		cd, cok := c.opts.Digests[k.Chosen]
		var e *entry
		if c.opts.Cache != nil && cok {
			if e = loaded[cd]; e == nil {
				e = c.opts.Cache.load(cd, c.opts.Record)
				loaded[cd] = e
			}
			c.entries[i] = e
		}
		for j, o := range k.Others {
			c.versions[i][j] = Version{Source: o}
			d, ok := c.opts.Digests[o]
			if ok && cok && d == cd {
				c.versions[i][j].Checked, c.versions[i][j].Rows = true, -1
				continue
			}
			if p, hit := e.pair(d); ok && hit {
				v := &c.versions[i][j]
				v.Checked, v.Rows, v.Missing, v.Reason, v.Cached = p.Checked, -1, p.Missing, p.Reason, true
				c.cached[i][j] = true
			}
		}
	}
	// Pass 0: the other versions that may be prefixes of a chosen version
	// whose line list the cache holds are read alone and proven so
	// (lines.go); the chosen version is then not read.
	if err := c.lineProofs(ctx, inputs); err != nil {
		return nil, nil, err
	}
	for i, k := range c.keys {
		needed := false
		for j := range k.Others {
			needed = needed || c.needRead(i, j)
		}
		switch {
		case !needed || c.cachedSet(i, c.entries[i]):
		case !c.notPrefix[i] && c.prefixOnly(i) != nil:
			wantPrefix[k.Chosen] = slot{i, -1}
		default:
			want[k.Chosen] = slot{i, -1}
		}
	}
	// Pass 1a: the chosen versions whose other versions may all be
	// prefixes of them (an export that only grew) are read as bytes, not
	// records, for the sha256 of their first bytes; those whose others
	// are not all proven prefixes so are read in full in pass 1 (a
	// second read, but only of the chosen versions that did not only
	// grow, and the bytes read stop at the first size that is not a
	// prefix).
	if err := c.pass(ctx, inputs, wantPrefix, c.readPrefix, true); err != nil {
		return nil, nil, err
	}
	for src, sl := range wantPrefix {
		if c.dropped[sl.key] {
			continue // a problem already: not read again
		}
		if !c.allPrefixes(sl.key) {
			c.prefixes[sl.key] = nil
			want[src] = sl
		}
	}
	if err := c.pass(ctx, inputs, want, c.readChosen, true); err != nil {
		return nil, nil, err
	}

	// Pass 2: every other version whose chosen version was read, but
	// those its digest answers for, and one of each digest.
	want = make(map[string]slot)
	twins := make(map[slot][]slot) // a version read, and those of its digest
	for i, k := range c.keys {
		read := make(map[Digest]slot)
		for j, o := range k.Others {
			v := &c.versions[i][j]
			if v.Checked || c.cached[i][j] {
				continue // the chosen version's digest, or the cache's
			}
			d, ok := c.opts.Digests[o]
			if ok && (d == c.opts.Digests[k.Chosen] || c.prefixes[i] != nil && c.prefixes[i].isPrefix(d, c.opts.Record)) {
				v.Checked, v.Rows = true, -1
				c.keep[i][j] = c.verified[i] // proven from the chosen bytes
				continue
			}
			if c.chosen[i] == nil {
				v.Reason = ReasonNoChosen
				continue
			}
			if first, dup := read[d]; ok && dup {
				twins[first] = append(twins[first], slot{i, j})
				continue
			}
			if ok {
				read[d] = slot{i, j}
			}
			want[o] = slot{i, j}
		}
	}
	if err := c.pass(ctx, inputs, want, c.readOther, true); err != nil {
		return nil, nil, err
	}
	for first, ts := range twins {
		for _, t := range ts {
			src := c.versions[t.key][t.other].Source
			c.versions[t.key][t.other] = c.versions[first.key][first.other]
			c.versions[t.key][t.other].Source = src
			c.keep[t.key][t.other] = c.keep[first.key][first.other] && c.verified[t.key]
		}
	}
	if c.opts.Cache != nil {
		c.storeResults(loaded)
	}

	out := make([]Result, n)
	for i, k := range c.keys {
		vs := c.versions[i]
		slices.SortFunc(vs, func(a, b Version) int { return cmp.Compare(a.Source, b.Source) })
		out[i] = Result{Key: k.Key, Chosen: k.Chosen, Versions: vs, ChosenRead: c.chosenRead[i]}
	}
	slices.SortStableFunc(c.problems, func(a, b *problem.Error) int {
		if d := cmp.Compare(a.Source, b.Source); d != 0 {
			return d
		}
		return cmp.Compare(a.Err.Error(), b.Err.Error())
	})
	return out, c.problems, nil
}

func (c *checker) problem(source string, err error) {
	c.mu.Lock()
	c.problems = append(c.problems, problem.New(source, 0, err))
	c.mu.Unlock()
}

// readFunc reads one wanted version with a worker's collector.
type readFunc func(ctx context.Context, s slot, source string, r io.Reader, col *collector) error

// pass walks the inputs that hold a wanted source, with bounded workers,
// largest first, and calls read for every wanted source it finds. A
// wanted source that is not found, or whose read fails, is a problem
// when report; else (pass 0, whose reads only spare others) it is left
// to the passes that follow.
func (c *checker) pass(ctx context.Context, inputs []archive.Input, want map[string]slot, read readFunc, report bool) error {
	if len(want) == 0 {
		return nil
	}
	// The inputs that hold a wanted source: the source itself, or a
	// prefix of it that ends before a Sep.
	outer := make(map[string]bool)
	for src := range want {
		outer[src] = true
		for i := 0; ; {
			j := strings.Index(src[i:], archive.Sep)
			if j < 0 {
				break
			}
			outer[src[:i+j]] = true
			i += j + len(archive.Sep)
		}
	}
	var ins []archive.Input
	for _, in := range inputs {
		if outer[in.Source] {
			ins = append(ins, in)
		}
	}
	slices.SortStableFunc(ins, func(a, b archive.Input) int { return cmp.Compare(b.Size, a.Size) })

	var (
		mu     sync.Mutex
		done   = make(map[string]bool, len(want))
		failed = make(map[string]bool)
	)
	w := c.opts.Walker
	w.Stats = nil
	// The analysis reported the inputs' problems already; only those of
	// wanted versions matter here.
	w.Problem = func(p *problem.Error) {
		if _, ok := want[p.Source]; ok {
			mu.Lock()
			failed[p.Source] = true
			mu.Unlock()
			if report {
				c.problem(p.Source, fmt.Errorf("coverage: %w", p.Err))
			}
		}
	}
	perWorker := int(c.opts.MemoryLimit / 2 / int64(c.opts.Workers) / hashSize)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Workers)
	for _, in := range ins {
		g.Go(func() error {
			col := newCollector(c.dir, max(perWorker, minBuffer))
			defer col.reset()
			return w.WalkInput(gctx, in, func(ctx context.Context, e archive.Entry) error {
				s, ok := want[e.Source]
				if !ok {
					return nil
				}
				mu.Lock()
				done[e.Source] = true
				mu.Unlock()
				rc, err := e.Open()
				if err != nil {
					return err
				}
				defer rc.Close()
				if e.Size >= 0 && e.Size < aheadSize {
					return read(ctx, s, e.Source, rc, col)
				}
				return readAhead(rc, func(r io.Reader) error { return read(ctx, s, e.Source, r, col) })
			})
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if !report {
		return nil
	}
	for src, s := range want {
		switch {
		case failed[src] && s.other >= 0:
			c.versions[s.key][s.other].Reason = ReasonUnread
		case failed[src]:
			c.dropChosen(s.key)
		case !done[src]:
			c.problem(src, ErrNotRead)
			if s.other >= 0 {
				c.versions[s.key][s.other].Reason = ReasonUnread
			} else {
				c.dropChosen(s.key)
			}
		}
	}
	return nil
}

// dropChosen forgets a chosen version that could not be read in full.
func (c *checker) dropChosen(i int) {
	c.dropped[i] = true
	c.verified[i] = false
	c.prefixes[i] = nil // a proof needs every byte read
	if s := c.chosen[i]; s != nil {
		c.memUsed.Add(-int64(len(s.mem)) * hashSize)
		s.release()
		c.chosen[i] = nil
	}
}

// aheadSize is the size from which a version is decompressed on one
// goroutine while it is parsed on another (readAhead).
const aheadSize = 256 << 10

// readAhead calls read with a reader of r's bytes that a goroutine of its
// own reads from r meanwhile, so that decompressing and parsing a large
// version overlap (the chosen versions of a site often lie in its newest
// archive, which one worker reads alone). Errors of r reach read as they
// are; readAhead returns once the goroutine is done with r.
func readAhead(r io.Reader, read func(io.Reader) error) error {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 128<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				if _, werr := pw.Write(buf[:n]); werr != nil {
					return // the reader stopped
				}
			}
			if err != nil {
				pw.CloseWithError(err) // io.EOF: a clean end
				return
			}
		}
	}()
	err := read(pr)
	pr.CloseWithError(errReadDone)
	<-done
	return err
}

// errReadDone tells readAhead's goroutine that nothing reads any more.
var errReadDone = errors.New("coverage: read done")

// records calls fn for the hash of every data record of r, read by the
// dialect with h's column order, after calling start with the header. A
// record that cannot be parsed (an unclosed quote, a record over the
// limit) ends the records quietly: the analysis reported it as a problem
// already, and the records before it are the version's. Read errors are
// returned.
func (c *checker) records(ctx context.Context, r io.Reader, start func(header []string) (*hasher, bool), fn func(Hash) error) (int64, error) {
	rd, err := record.NewReader(r, c.opts.Record)
	var pe *record.ParseError
	switch {
	case errors.As(err, &pe):
		return 0, nil
	case err != nil:
		return 0, err
	}
	h, ok := start(rd.Header())
	if !ok {
		return 0, nil
	}
	var n int64
	for rd.Next() {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		if err := fn(h.hash(rd.Record(), rd.Quoted())); err != nil {
			return n, err
		}
		n++
	}
	if err := rd.Err(); err != nil && !errors.As(err, &pe) {
		return n, err
	}
	return n, nil
}

// readChosen builds the hash set of a chosen version: in memory while the
// chosen sets in memory stay under half the limit, else as run files.
func (c *checker) readChosen(ctx context.Context, s slot, source string, r io.Reader, col *collector) error {
	c.chosenRead[s.key] = true
	if err := col.reset(); err != nil {
		return err
	}
	chosen, cok := c.opts.Digests[c.keys[s.key].Chosen]
	// The sizes of the other versions that may be prefixes of this one.
	var sizes []int64
	for _, o := range c.keys[s.key].Others {
		if d, ok := c.opts.Digests[o]; ok && d.Bytes > 0 && d.Bytes < chosen.Bytes {
			sizes = append(sizes, d.Bytes)
		}
	}
	// With the cache, the same sha256 pass proves the bytes are those
	// of the chosen digest (its set is kept only then).
	verify := c.entries[s.key] != nil && cok
	var ph *prefixHasher
	if len(sizes) > 0 || verify {
		ph = newPrefixHasher(r, sizes)
		ph.all = verify
		ph.lines = c.newLines(s.key)
		defer ph.lines.close()
		r = ph
		if len(sizes) > 0 {
			c.prefixes[s.key] = ph
		}
	}
	h := &hasher{}
	if _, err := c.records(ctx, r, func(header []string) (*hasher, bool) {
		c.headers[s.key] = slices.Clone(header)
		return h, true
	}, col.add); err != nil {
		return err
	}
	size := int64(len(col.buf)) * hashSize
	keep := len(col.runs) == 0 && c.memUsed.Add(size) <= c.opts.MemoryLimit/2
	if !keep && len(col.runs) == 0 {
		c.memUsed.Add(-size)
	}
	set, err := col.finish(keep)
	if err != nil {
		return err
	}
	c.chosen[s.key] = set
	if verify && ph.is(chosen) {
		c.verified[s.key] = true
		c.opts.Cache.storeSet(c.entries[s.key], set, c.headers[s.key])
		if ph.lines != nil {
			c.opts.Cache.storeLines(c.entries[s.key], ph.lines, ph.head)
		}
	}
	return nil
}

// needRead reports whether other version j of key i is still to be
// compared: not answered by the digests or the cache.
func (c *checker) needRead(i, j int) bool {
	return !c.versions[i][j].Checked && !c.cached[i][j]
}

// readOther counts the records of one other version that its key's
// chosen set does not hold.
func (c *checker) readOther(ctx context.Context, s slot, source string, r io.Reader, col *collector) error {
	if err := col.reset(); err != nil {
		return err
	}
	v := &c.versions[s.key][s.other]
	d, dok := c.opts.Digests[source]
	var dr *digestReader
	if c.entries[s.key] != nil && c.verified[s.key] && dok {
		dr = newDigestReader(r)
		r = dr
		defer func() { c.keep[s.key][s.other] = dr.is(d) }()
	}
	comparable := true
	rows, err := c.records(ctx, r, func(header []string) (*hasher, bool) {
		perm, ok := columnOrder(c.headers[s.key], header, c.opts.Record.NoHeader)
		comparable = ok
		return &hasher{perm: perm}, ok
	}, col.add)
	if err != nil {
		return err
	}
	if !comparable {
		v.Reason = ReasonHeader
		return nil
	}
	oit, err := col.view()
	if err != nil {
		return err
	}
	defer oit.close()
	cit, err := c.chosen[s.key].iter()
	if err != nil {
		return err
	}
	defer cit.close()
	m, err := missing(cit, oit)
	if err != nil {
		return err
	}
	v.Checked, v.Rows, v.Missing = true, rows, m
	return nil
}
