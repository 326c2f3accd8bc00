package coverage

// The coverage cache (issue 17): the result of comparing one version
// with a chosen version depends only on the bytes of the two, on the CSV
// dialect (record.Options) and on siftload's code, so it is kept by
// content, under the analysis cache's directory, and a re-analysis reads
// only the pairs it has not seen.
//
//   - An entry is kept per chosen version: coverage-HASH.csv, HASH of the
//     key (siftload version, record options, the chosen version's sha256
//     and size). It holds the key in full, the chosen version's header,
//     and one line per other version compared with it (its sha256 and
//     size, and Checked and Missing, or the header reason). Beside it,
//     coverage-HASH.set holds the chosen version's sorted record hashes
//     (16 bytes a record), whose count and xxh3 checksum the entry
//     holds: a new version is then compared without reading the chosen
//     version again. coverage-HASH.lines holds its line list
//     (lines.go): a new version that is a prefix of it is proven so by
//     reading only the new version.
//   - Only results that depend on nothing but the bytes are kept: a
//     version that was compared (or proven a prefix) or whose header
//     differs, and only when the bytes read had the sha256 and size the
//     analysis measured (the archive may have changed since). A version
//     that could not be read, or whose chosen version could not, is
//     never kept.
//   - A corrupt or foreign entry or set (cut, another key, another
//     checksum) is ignored with a warning and the versions are read
//     again. Entries are written with analysis.WriteEntry (atomic), and
//     those no check of this analysis used are removed (Prune).

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/record"
)

// Cache keeps coverage results between analyses; see above. Dir and
// Version must be set. A Cache is used by the checks of one analysis at a
// time (one Check after the other, a batch of keys each); Prune ends it.
type Cache struct {
	Dir string
	// Version names the program: entries of another version are not
	// used.
	Version string
	// Rebuild reads no entry, and writes every entry anew.
	Rebuild bool
	// Warn, when set, is told of entries ignored as corrupt or foreign,
	// and of entries that could not be written or removed.
	Warn func(error)

	mu   sync.Mutex
	used map[string]bool // entry base names (coverage-HASH) of this analysis
}

const cachePrefix = "coverage-"

func (c *Cache) warn(err error) {
	if c.Warn != nil {
		c.Warn(err)
	}
}

// pair is the cached result of one other version.
type pair struct {
	Checked bool
	Missing int64
	Reason  string // ReasonHeader or ""
}

// entry is what the cache holds for one chosen version.
type entry struct {
	key    string // full hex key
	base   string // coverage-HASH
	header []string
	hasSet bool  // a set file with n hashes and checksum sum
	n      int64 // hashes in the set
	sum    uint64
	// hasLines: a line list file (lines.go) of lines hashes and a head
	// of headLen bytes, with checksum linesSum.
	hasLines bool
	lines    int64
	headLen  int64
	linesSum uint64
	pairs    map[Digest]pair
	dirty    bool // pairs or set to write
	// earlier is true when a check before this one in the analysis (a
	// batch before, holding other versions of the same key or of a key
	// whose chosen version has the same bytes) used the entry: with
	// Rebuild it is then read, as that check wrote it anew.
	earlier bool
}

// entryOf returns the (empty) entry of a chosen version for opts.
func (c *Cache) entryOf(chosen Digest, opts record.Options) *entry {
	h := sha256.New()
	fmt.Fprintf(h, "siftload coverage cache 2\nversion %q\nrecord %d %q %t %d\nchosen %s %d\n",
		c.Version, opts.Delimiter, opts.Encoding, opts.NoHeader, opts.MaxRecordBytes, chosen.SHA256, chosen.Bytes)
	sum := h.Sum(nil)
	return &entry{key: hex.EncodeToString(sum), base: cachePrefix + hex.EncodeToString(sum[:16]), pairs: make(map[Digest]pair)}
}

// pair returns the cached result of the other version d; e may be nil.
func (e *entry) pair(d Digest) (pair, bool) {
	if e == nil {
		return pair{}, false
	}
	p, ok := e.pairs[d]
	return p, ok
}

// load returns the entry of a chosen version: what the cache holds, or an
// empty entry (none, corrupt or foreign, or Rebuild).
func (c *Cache) load(chosen Digest, opts record.Options) *entry {
	e := c.entryOf(chosen, opts)
	c.mu.Lock()
	if c.used == nil {
		c.used = make(map[string]bool)
	}
	e.earlier = c.used[e.base]
	c.used[e.base] = true
	c.mu.Unlock()
	if c.Rebuild && !e.earlier { // what an earlier check wrote is of this analysis
		e.dirty = true
		return e
	}
	path := filepath.Join(c.Dir, e.base+".csv")
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warn(fmt.Errorf("coverage cache entry %s: %w (ignored: the versions are read again)", path, err))
		}
		return e
	}
	defer f.Close()
	if err := e.read(f); err != nil {
		c.warn(fmt.Errorf("coverage cache entry %s: %w (ignored: the versions are read again)", path, err))
		fresh := c.entryOf(chosen, opts)
		fresh.earlier = e.earlier
		return fresh
	}
	return e
}

var errBadEntry = errors.New("not a coverage cache entry of this version")

// read reads an entry file; see write for its form.
func (e *entry) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	line := func() ([]string, error) {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: it ends early", errBadEntry)
		}
		return strings.Split(sc.Text(), " "), nil
	}
	bad := func(what string) error { return fmt.Errorf("%w: %s", errBadEntry, what) }
	f, err := line()
	if err != nil {
		return err
	}
	if len(f) != 4 || f[0] != "siftload" || f[1] != "coverage" || f[2] != "cache" || f[3] != "2" {
		return bad("its first line")
	}
	if f, err = line(); err != nil {
		return err
	}
	if len(f) != 2 || f[0] != "key" || f[1] != e.key {
		return bad("another key")
	}
	if f, err = line(); err != nil {
		return err
	}
	if len(f) < 2 || f[0] != "header" || json.Unmarshal([]byte(strings.Join(f[1:], " ")), &e.header) != nil {
		return bad("its header line")
	}
	if f, err = line(); err != nil {
		return err
	}
	switch {
	case len(f) == 2 && f[0] == "set" && f[1] == "none":
	case len(f) == 3 && f[0] == "set":
		e.n, err = strconv.ParseInt(f[1], 10, 64)
		if err == nil {
			e.sum, err = strconv.ParseUint(f[2], 16, 64)
		}
		if err != nil || e.n < 0 {
			return bad("its set line")
		}
		e.hasSet = true
	default:
		return bad("its set line")
	}
	if f, err = line(); err != nil {
		return err
	}
	switch {
	case len(f) == 2 && f[0] == "lines" && f[1] == "none":
	case len(f) == 4 && f[0] == "lines":
		e.lines, err = strconv.ParseInt(f[1], 10, 64)
		if err == nil {
			e.headLen, err = strconv.ParseInt(f[2], 10, 64)
		}
		if err == nil {
			e.linesSum, err = strconv.ParseUint(f[3], 16, 64)
		}
		if err != nil || e.lines < 0 || e.headLen < 0 || e.headLen > minPrefix {
			return bad("its lines line")
		}
		e.hasLines = true
	default:
		return bad("its lines line")
	}
	pairs := make(map[Digest]pair)
	for {
		if f, err = line(); err != nil {
			return err
		}
		if len(f) == 2 && f[0] == "end" {
			if f[1] != strconv.Itoa(len(pairs)) {
				return bad("its count")
			}
			break
		}
		if len(f) != 5 || f[0] != "pair" || len(f[1]) != 64 {
			return bad("a pair line")
		}
		size, err1 := strconv.ParseInt(f[2], 10, 64)
		var p pair
		var err2 error
		switch f[3] {
		case "checked":
			p.Checked = true
			p.Missing, err2 = strconv.ParseInt(f[4], 10, 64)
		case "header":
			p.Reason = ReasonHeader
			if f[4] != "-" {
				err2 = bad("a pair line")
			}
		default:
			err2 = bad("a pair line")
		}
		if err1 != nil || err2 != nil || size < 0 || p.Missing < 0 {
			return bad("a pair line")
		}
		pairs[Digest{SHA256: f[1], Bytes: size}] = p
	}
	if sc.Scan() {
		return bad("lines after its end")
	}
	e.pairs = pairs
	return nil
}

// store writes an entry that changed; errors are warnings.
func (c *Cache) store(e *entry) {
	if !e.dirty {
		return
	}
	if err := analysis.WriteEntry(c.Dir, e.base+".csv", e.write); err != nil {
		c.warn(fmt.Errorf("coverage cache: %w", err))
	}
}

// write writes the entry: lines of words separated by one space.
//
//	siftload coverage cache 1
//	key HEX
//	header ["JSON","list"]
//	set N CHECKSUM        (or: set none)
//	lines N HEADLEN CHECKSUM   (or: lines none; see lines.go)
//	pair SHA256 SIZE checked MISSING      (or: header -)
//	end PAIRS
func (e *entry) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	hdr, err := json.Marshal(e.header)
	if err != nil {
		return err
	}
	if e.header == nil {
		hdr = []byte("[]")
	}
	// JSON of strings escapes control characters; a space inside a
	// name is joined back by read.
	fmt.Fprintf(bw, "siftload coverage cache 2\nkey %s\nheader %s\n", e.key, hdr)
	if e.hasSet {
		fmt.Fprintf(bw, "set %d %x\n", e.n, e.sum)
	} else {
		fmt.Fprintf(bw, "set none\n")
	}
	if e.hasLines {
		fmt.Fprintf(bw, "lines %d %d %x\n", e.lines, e.headLen, e.linesSum)
	} else {
		fmt.Fprintf(bw, "lines none\n")
	}
	ds := make([]Digest, 0, len(e.pairs))
	for d := range e.pairs {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b Digest) int {
		if c := strings.Compare(a.SHA256, b.SHA256); c != 0 {
			return c
		}
		return int(a.Bytes - b.Bytes)
	})
	for _, d := range ds {
		p := e.pairs[d]
		if p.Checked {
			fmt.Fprintf(bw, "pair %s %d checked %d\n", d.SHA256, d.Bytes, p.Missing)
		} else {
			fmt.Fprintf(bw, "pair %s %d header -\n", d.SHA256, d.Bytes)
		}
	}
	fmt.Fprintf(bw, "end %d\n", len(ds))
	return bw.Flush()
}

// storeSet writes the chosen set s of an entry beside it; the entry is
// then dirty (its set line changes).
func (c *Cache) storeSet(e *entry, s *set, header []string) {
	it, err := s.iter()
	if err != nil {
		c.warn(fmt.Errorf("coverage cache: %w", err))
		return
	}
	defer it.close()
	var n int64
	h := xxh3.New()
	err = analysis.WriteEntry(c.Dir, e.base+".set", func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		mw := io.MultiWriter(bw, h)
		var b [hashSize]byte
		for {
			x, ok := it.next()
			if !ok {
				break
			}
			binary.BigEndian.PutUint64(b[:8], x.Hi)
			binary.BigEndian.PutUint64(b[8:], x.Lo)
			if _, err := mw.Write(b[:]); err != nil {
				return err
			}
			n++
		}
		if err := it.err(); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		c.warn(fmt.Errorf("coverage cache: %w", err))
		return
	}
	// Two keys may share a chosen version's bytes, hence its entry, and
	// be read at once.
	c.mu.Lock()
	e.header, e.hasSet, e.n, e.sum, e.dirty = slices.Clone(header), true, n, h.Sum64(), true
	c.mu.Unlock()
}

// loadSet returns the chosen set of an entry, read from its file and
// checked against the entry's count and checksum: in memory when mem
// (the caller accounts for it), else copied into a run file in dir.
// It returns nil, with a warning, for a file that does not match.
func (c *Cache) loadSet(e *entry, dir string, mem bool) *set {
	path := filepath.Join(c.Dir, e.base+".set")
	s, err := readSet(path, e, dir, mem)
	if err != nil {
		c.warn(fmt.Errorf("coverage cache set %s: %w (ignored: the chosen version is read again)", path, err))
		return nil
	}
	return s
}

func readSet(path string, e *entry, dir string, mem bool) (*set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() != e.n*hashSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", errBadEntry, fi.Size(), e.n*hashSize)
	}
	h := xxh3.New()
	r := io.TeeReader(bufio.NewReaderSize(f, 256<<10), h)
	if mem {
		hs := make([]Hash, e.n)
		var b [hashSize]byte
		for i := range hs {
			if _, err := io.ReadFull(r, b[:]); err != nil {
				return nil, err
			}
			hs[i] = Hash{Hi: binary.BigEndian.Uint64(b[:8]), Lo: binary.BigEndian.Uint64(b[8:])}
		}
		if h.Sum64() != e.sum {
			return nil, fmt.Errorf("%w: checksum", errBadEntry)
		}
		return &set{mem: hs, n: e.n}, nil
	}
	out, err := os.CreateTemp(dir, "run-*")
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(out, r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && h.Sum64() != e.sum {
		err = fmt.Errorf("%w: checksum", errBadEntry)
	}
	if err != nil {
		os.Remove(out.Name())
		return nil, err
	}
	return &set{runs: []string{out.Name()}, n: e.n}, nil
}

// Prune removes the entries that no check since the Cache was made used,
// and leftover temporary files: the directory keeps the coverage of the
// last analysis. Call it once the analysis's checks are done.
func (c *Cache) Prune(ctx context.Context) {
	c.mu.Lock()
	used := c.used
	c.mu.Unlock()
	analysis.PruneEntries(ctx, c.Dir, cachePrefix, func(name string) bool {
		base, ok := strings.CutSuffix(name, ".csv")
		if !ok {
			if base, ok = strings.CutSuffix(name, ".set"); !ok {
				if base, ok = strings.CutSuffix(name, ".lines"); !ok {
					return true // not an entry
				}
			}
		}
		return used[base]
	}, c.warn)
}

// digestReader passes bytes through and takes their sha256 and count,
// so that a result is cached only for the bytes its key names.
type digestReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newDigestReader(r io.Reader) *digestReader { return &digestReader{r: r, h: sha256.New()} }

func (d *digestReader) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	d.h.Write(b[:n])
	d.n += int64(n)
	return n, err
}

// is reads what is left (the records may end before the bytes do) and
// reports whether the bytes were those of want.
func (d *digestReader) is(want Digest) bool {
	if _, err := io.Copy(io.Discard, d); err != nil {
		return false
	}
	return d.n == want.Bytes && hex.EncodeToString(d.h.Sum(nil)) == want.SHA256
}

// cachedSet takes the chosen set of key i from the cache's entry e, and
// reports whether it did.
func (c *checker) cachedSet(i int, e *entry) bool {
	if e == nil || !e.hasSet {
		return false
	}
	size := e.n * hashSize
	mem := c.memUsed.Add(size) <= c.opts.MemoryLimit/2
	if !mem {
		c.memUsed.Add(-size)
	}
	s := c.opts.Cache.loadSet(e, c.dir, mem)
	if s == nil {
		if mem {
			c.memUsed.Add(-size)
		}
		e.hasSet, e.dirty = false, true // written anew when the chosen version is read
		return false
	}
	c.chosen[i], c.headers[i], c.verified[i] = s, slices.Clone(e.header), true
	return true
}

// storeResults writes the cache's entries: per chosen version, the
// results of this check that depend only on the bytes (see Cache).
func (c *checker) storeResults(loaded map[Digest]*entry) {
	pairs := make(map[*entry]map[Digest]pair)
	for i, k := range c.keys {
		e := c.entries[i]
		if e == nil {
			continue
		}
		ps := pairs[e]
		if ps == nil {
			ps = make(map[Digest]pair)
			pairs[e] = ps
		}
		for j, o := range k.Others {
			v := c.versions[i][j]
			d, ok := c.opts.Digests[o]
			// Only what the bytes decide: compared (or proven), or a
			// header that differs; never an unread version.
			byBytes := v.Checked && v.Reason == "" || !v.Checked && v.Reason == ReasonHeader
			if !ok || !byBytes || !c.cached[i][j] && !c.keep[i][j] {
				continue
			}
			ps[d] = pair{Checked: v.Checked, Missing: v.Missing, Reason: v.Reason}
		}
	}
	for _, e := range loaded {
		ps := pairs[e]
		// Keep the results the entry held: those of other versions this
		// check did not see (another part of a key checked in parts, or
		// a version no longer in the site). A result depends only on the
		// two versions' bytes, so none is ever out of date; an entry
		// goes (Prune) when its chosen version is no longer chosen.
		if ps == nil {
			ps = make(map[Digest]pair)
		}
		for d, p := range e.pairs {
			if _, ok := ps[d]; !ok {
				ps[d] = p
			}
		}
		if !maps.Equal(ps, e.pairs) {
			e.pairs, e.dirty = ps, true
		}
		c.opts.Cache.store(e)
	}
}
