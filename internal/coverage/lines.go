package coverage

// Line proofs (issue 17): a new version that is a byte prefix of an
// unchanged chosen version (an older snapshot added to the site) is proven
// so by reading only the new version. When the cache is on and a chosen
// version is read to its end (pass 1a or pass 1), the 128-bit xxh3 of
// each of its lines (the bytes up to and including each "\n") is kept in
// coverage-HASH.lines, followed by its first minPrefix bytes (the head
// sameStart needs for a prefix under minPrefix). A later check reads the
// new version, hashes its lines the same way, and compares: every line
// equal to the chosen version's line of the same rank, and the version
// ending in "\n", make it the chosen version's first bytes. xxh3 takes
// the length of its input into its hash, so equal hashes are equal
// lengths as well (up to a collision: for n lines compared, n/2^128).
//
// The list costs 16 bytes a line, what the set costs a record; it is kept
// only while it stays no larger than the version plus 64 KiB (lines of 16
// bytes or more on average), so it never exceeds the version's size by
// more than that. The entry holds the list's count, the head's length
// and the xxh3 checksum of the file: a file that does not match them is
// ignored with a warning and the chosen version is read as before.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zeebo/xxh3"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/rowcount"
)

// lineSize is the size of one line's hash in a line list.
const lineSize = 16

// linesSlack is how much larger than the version its line list may grow.
const linesSlack = 64 << 10

var errManyLines = errors.New("coverage: lines too short for a line list")

// splitLines calls fn with the hash of every line of the bytes written,
// across writes: a line within one write is hashed at once, one that
// spans writes is hashed by a streaming hasher (the same hash).
type splitLines struct {
	h       *xxh3.Hasher
	partial bool // h holds the start of a line
	bytes   int64
	lines   int64
}

func (s *splitLines) write(b []byte, fn func(xxh3.Uint128) bool) bool {
	s.bytes += int64(len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if s.h == nil {
				s.h = xxh3.New()
			}
			s.h.Write(b)
			s.partial = true
			return true
		}
		var sum xxh3.Uint128
		if s.partial {
			s.h.Write(b[:i+1])
			sum = s.h.Sum128()
			s.h.Reset()
			s.partial = false
		} else {
			sum = xxh3.Hash128(b[:i+1])
		}
		s.lines++
		if !fn(sum) {
			return false
		}
		b = b[i+1:]
	}
	return true
}

// lineWriter takes the line list of a chosen version as it is read, into
// a temporary file of the check's directory.
type lineWriter struct {
	split splitLines
	f     *os.File
	bw    *bufio.Writer
	err   error
	buf   [lineSize]byte
}

func newLineWriter(dir string) *lineWriter {
	f, err := os.CreateTemp(dir, "lines-*")
	if err != nil {
		return &lineWriter{err: err}
	}
	return &lineWriter{f: f, bw: bufio.NewWriterSize(f, 64<<10)}
}

func (l *lineWriter) write(b []byte) {
	if l.err != nil {
		return
	}
	l.split.write(b, func(sum xxh3.Uint128) bool {
		binary.BigEndian.PutUint64(l.buf[:8], sum.Hi)
		binary.BigEndian.PutUint64(l.buf[8:], sum.Lo)
		_, l.err = l.bw.Write(l.buf[:])
		return l.err == nil
	})
	if l.err == nil && l.split.lines*lineSize > l.split.bytes+linesSlack {
		l.err = errManyLines
	}
}

// close removes the temporary file.
func (l *lineWriter) close() {
	if l != nil && l.f != nil {
		l.f.Close()
		os.Remove(l.f.Name())
	}
}

// storeLines writes the line list l and head of a chosen version beside
// its entry e (whose bytes were proven those of its digest).
func (c *Cache) storeLines(e *entry, l *lineWriter, head []byte) {
	if l.err == nil {
		l.err = l.bw.Flush()
	}
	if l.err == nil {
		_, l.err = l.f.Seek(0, io.SeekStart)
	}
	if l.err != nil {
		if !errors.Is(l.err, errManyLines) {
			c.warn(fmt.Errorf("coverage cache: line list: %w", l.err))
		}
		return
	}
	h := xxh3.New()
	err := analysis.WriteEntry(c.Dir, e.base+".lines", func(w io.Writer) error {
		mw := io.MultiWriter(w, h)
		if _, err := io.Copy(mw, bufio.NewReaderSize(l.f, 64<<10)); err != nil {
			return err
		}
		_, err := mw.Write(head)
		return err
	})
	if err != nil {
		c.warn(fmt.Errorf("coverage cache: %w", err))
		return
	}
	c.mu.Lock()
	e.hasLines, e.lines, e.headLen, e.linesSum, e.dirty = true, l.split.lines, int64(len(head)), h.Sum64(), true
	c.mu.Unlock()
}

// badLines forgets the line list of e, warning once.
func (c *Cache) badLines(e *entry, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !e.hasLines {
		return
	}
	e.hasLines, e.dirty = false, true
	c.warn(fmt.Errorf("coverage cache line list %s: %w (ignored: the chosen version is read again)",
		filepath.Join(c.Dir, e.base+".lines"), err))
}

// Results of a line proof.
const (
	linesUnknown   int8 = iota // not tried, or the list could not be used
	linesPrefix                // a prefix of the chosen version
	linesNotPrefix             // not a prefix that ends a line
)

// proveLines reads a version r and compares its lines with the line list
// of the chosen version's entry e; it returns linesPrefix or
// linesNotPrefix, or linesUnknown (with a warning) when the list does not
// match its entry. keep reports whether the bytes read were those of d.
func (c *checker) proveLines(e *entry, r io.Reader, d Digest) (result int8, keep bool, err error) {
	path := filepath.Join(c.opts.Cache.Dir, e.base+".lines")
	f, err := os.Open(path)
	if err != nil {
		c.opts.Cache.badLines(e, err)
		return linesUnknown, false, nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != e.lines*lineSize+e.headLen {
		c.opts.Cache.badLines(e, fmt.Errorf("%w: its size", errBadEntry))
		return linesUnknown, false, nil
	}
	sumh := xxh3.New()
	list := io.TeeReader(bufio.NewReaderSize(f, 64<<10), sumh)
	dr := newDigestReader(r)
	var (
		split  splitLines
		want   [lineSize]byte
		same   = true
		rerr   error
		buf    = make([]byte, 64<<10)
		listed int64
	)
	for same {
		n, err := dr.Read(buf)
		same = split.write(buf[:n], func(sum xxh3.Uint128) bool {
			if listed == e.lines {
				return false // more lines than the chosen version
			}
			if _, rerr = io.ReadFull(list, want[:]); rerr != nil {
				return false
			}
			listed++
			return binary.BigEndian.Uint64(want[:8]) == sum.Hi && binary.BigEndian.Uint64(want[8:]) == sum.Lo
		})
		if err == io.EOF {
			break
		}
		if err != nil {
			return linesUnknown, false, err
		}
	}
	if rerr != nil {
		c.opts.Cache.badLines(e, rerr)
		return linesUnknown, false, nil
	}
	// The rest of the list, then the head, for the checksum.
	if _, err := io.CopyN(io.Discard, list, (e.lines-listed)*lineSize); err != nil {
		c.opts.Cache.badLines(e, err)
		return linesUnknown, false, nil
	}
	head := make([]byte, e.headLen)
	if _, err := io.ReadFull(list, head); err != nil {
		c.opts.Cache.badLines(e, err)
		return linesUnknown, false, nil
	}
	if sumh.Sum64() != e.linesSum {
		c.opts.Cache.badLines(e, fmt.Errorf("%w: checksum", errBadEntry))
		return linesUnknown, false, nil
	}
	if !same || split.partial || split.lines == 0 {
		return linesNotPrefix, false, nil
	}
	keep = dr.is(d)
	// Now the version is the chosen version's first dr.n bytes. Under
	// minPrefix it must also read as the chosen version's start.
	if dr.n < minPrefix {
		if dr.n > int64(len(head)) {
			return linesNotPrefix, keep, nil // cannot be: the head is the first minPrefix bytes
		}
		full, err := decodeAll(head, c.opts.Record)
		if err != nil {
			return linesNotPrefix, keep, nil
		}
		delim := rowcount.SniffDelimiter(full[:min(len(full), rowcount.SniffLen)])
		if !sameStart(full, delim, head[:dr.n], c.opts.Record) {
			return linesNotPrefix, keep, nil
		}
	}
	return linesPrefix, keep, nil
}

// newLines returns a line writer for the chosen version of key i, or nil
// when the cache is off or holds its line list already.
func (c *checker) newLines(i int) *lineWriter {
	e := c.entries[i]
	if e == nil {
		return nil
	}
	c.opts.Cache.mu.Lock()
	has := e.hasLines
	c.opts.Cache.mu.Unlock()
	if has {
		return nil
	}
	return newLineWriter(c.dir)
}

// lineProofs is pass 0: for every key whose other versions still to
// compare may all be prefixes of the chosen version (prefixOnly) and
// whose chosen version has a line list in the cache, it reads those
// versions (one of each digest) and proves them prefixes or not. A key
// with one that is not goes on to pass 1 without pass 1a; a version whose
// proof could not be made (a read error, a list that does not match) is
// left to the passes that follow, as without the cache.
func (c *checker) lineProofs(ctx context.Context, inputs []archive.Input) error {
	want := make(map[string]slot)
	twins := make(map[slot]slot) // a version, and the one of its digest read
	var keys []int
	for i, k := range c.keys {
		e := c.entries[i]
		if e == nil || !e.hasLines || c.prefixOnly(i) == nil {
			continue
		}
		keys = append(keys, i)
		read := make(map[Digest]slot)
		for j, o := range k.Others {
			if !c.needRead(i, j) {
				continue
			}
			d := c.opts.Digests[o] // prefixOnly: every one has a digest
			if first, dup := read[d]; dup {
				twins[slot{i, j}] = first
				continue
			}
			read[d] = slot{i, j}
			want[o] = slot{i, j}
		}
	}
	if err := c.pass(ctx, inputs, want, c.readLines, false); err != nil {
		return err
	}
	for t, first := range twins {
		c.lineRes[t.key][t.other] = c.lineRes[first.key][first.other]
		c.lineKeep[t.key][t.other] = c.lineKeep[first.key][first.other]
	}
	for _, i := range keys {
		for j := range c.keys[i].Others {
			if !c.needRead(i, j) {
				continue
			}
			switch c.lineRes[i][j] {
			case linesPrefix:
				v := &c.versions[i][j]
				v.Checked, v.Rows, v.Lines = true, -1, true
				c.keep[i][j] = c.lineKeep[i][j]
			case linesNotPrefix:
				c.notPrefix[i] = true
			}
		}
	}
	return nil
}

// readLines proves one other version a prefix of its chosen version, or
// not, by the cache's line list (pass 0). Read errors leave it unknown:
// the passes that follow read it again and report them.
func (c *checker) readLines(ctx context.Context, s slot, source string, r io.Reader, _ *collector) error {
	res, keep, err := c.proveLines(c.entries[s.key], r, c.opts.Digests[source])
	if err != nil {
		return ctx.Err()
	}
	c.lineRes[s.key][s.other], c.lineKeep[s.key][s.other] = res, keep
	return nil
}
