package coverage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"slices"

	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/rowcount"
)

// Digest is what the analysis measured of a version's bytes (after
// decompression, before text decoding): their sha256 in hex and their
// number.
type Digest struct {
	SHA256 string
	Bytes  int64
}

// minPrefix is the size of a version from which a byte-prefix proof needs
// no more: past it, a version and the chosen version it is a prefix of
// share the first 64 KiB of decoded text (UTF-16 included), so the
// delimiter sniffing, the UTF-16 guess and the byte order mark see the
// same bytes in both. A shorter prefix must also decode to a prefix of
// the chosen version's text and sniff the same delimiter (sameStart).
const minPrefix = 128 << 10

// prefixHasher passes a chosen version's bytes through and takes their
// sha256 at the sizes of other versions, so that a version whose sha256 is
// that of the chosen version's first Bytes bytes, ending in "\n", is known
// to be a byte prefix of it: every record it holds is a record of the
// chosen version, and it misses nothing without being read.
type prefixHasher struct {
	r    io.Reader
	h    hash.Hash
	n    int64   // bytes passed so far
	at   []int64 // the sizes still to reach, ascending
	last byte    // the last byte passed
	sums map[int64]string
	head []byte // the first minPrefix bytes passed
	// all hashes every byte, not only up to the last size, so that
	// is can tell whether the bytes were those of a digest (the cache
	// keeps results only then) with the same sha256 pass.
	all bool
	// expect, when set, is the sha256 each size must have (pass 1a):
	// Read returns errNotPrefix at the first size that has another, or
	// that does not end a line; short then records that the read
	// stopped there.
	expect map[int64]string
	short  bool
	// lines, when set, takes the line list of the bytes (lines.go).
	lines *lineWriter

	// proven memoizes isPrefix by digest: a key of many small versions
	// asks for each (pass 1a and pass 2), and sameStart decodes the
	// head.
	proven map[Digest]bool
	// full is the head decoded, and its delimiter sniffed (fullOK:
	// done; fullErr: it does not decode), for sameStart.
	full      []byte
	fullDelim byte
	fullOK    bool
	fullErr   bool
}

// errNotPrefix stops a read of pass 1a: an other version is not a prefix.
var errNotPrefix = errors.New("coverage: not a prefix")

func newPrefixHasher(r io.Reader, sizes []int64) *prefixHasher {
	at := slices.Clone(sizes)
	slices.Sort(at)
	return &prefixHasher{r: r, h: sha256.New(), at: slices.Compact(at), sums: make(map[int64]string)}
}

func (p *prefixHasher) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	data := b[:n]
	if p.lines != nil {
		p.lines.write(data)
	}
	if len(p.head) < minPrefix {
		p.head = append(p.head, data[:min(len(data), minPrefix-len(p.head))]...)
	}
	for len(data) > 0 {
		if len(p.at) == 0 {
			if p.all {
				p.h.Write(data)
				p.n += int64(len(data))
			}
			break // no size to reach: no need to hash (unless all)
		}
		take := len(data)
		if rest := p.at[0] - p.n; rest < int64(take) {
			take = int(rest)
		}
		p.h.Write(data[:take])
		p.n += int64(take)
		if take > 0 {
			p.last = data[take-1]
		}
		data = data[take:]
		if p.n == p.at[0] {
			if p.last == '\n' {
				p.sums[p.n] = hex.EncodeToString(p.h.Sum(nil))
			}
			p.at = p.at[1:]
			if want, ok := p.expect[p.n]; ok && p.sums[p.n] != want {
				return n, errNotPrefix
			}
		}
	}
	return n, err
}

// is reads what is left (the records may end before the bytes do) and
// reports whether the bytes passed were those of want; p must hash all.
func (p *prefixHasher) is(want Digest) bool {
	if _, err := io.Copy(io.Discard, p); err != nil {
		return false
	}
	return p.all && p.n == want.Bytes && hex.EncodeToString(p.h.Sum(nil)) == want.SHA256
}

// isPrefix reports whether a version with digest d is a prefix of the
// hashed bytes that ends in "\n" and whose records, read by opts, are
// records of the hashed bytes.
func (p *prefixHasher) isPrefix(d Digest, opts record.Options) bool {
	s, ok := p.sums[d.Bytes]
	if !ok || s != d.SHA256 {
		return false
	}
	if d.Bytes >= minPrefix {
		return true
	}
	if v, ok := p.proven[d]; ok {
		return v
	}
	if p.proven == nil {
		p.proven = make(map[Digest]bool)
	}
	if !p.fullOK {
		p.fullOK = true
		full, err := decodeAll(p.head, opts)
		p.full, p.fullErr = full, err != nil
		p.fullDelim = rowcount.SniffDelimiter(full[:min(len(full), rowcount.SniffLen)])
	}
	v := !p.fullErr && sameStart(p.full, p.fullDelim, p.head[:d.Bytes], opts)
	p.proven[d] = v
	return v
}

// decodeAll returns the text of b, decoded as the dialect reads it.
func decodeAll(b []byte, opts record.Options) ([]byte, error) {
	r, err := record.Decode(bytes.NewReader(b), opts.Encoding)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// sameStart reports whether part, a short version, reads as the start
// of a chosen version whose first minPrefix bytes (or all of it) decode
// to full, which sniffs the delimiter fullDelim: its decoded text is a
// prefix of full, and it sniffs the same delimiter (unless opts give
// one). Then the two agree on the byte order mark, the UTF-16 guess, the
// delimiter and the line ending (the prefix ends in "\n"), and the
// records of part are the first records of the chosen version.
func sameStart(full []byte, fullDelim byte, part []byte, opts record.Options) bool {
	text, err := decodeAll(part, opts)
	if err != nil || !bytes.HasPrefix(full, text) {
		return false
	}
	if opts.Delimiter != 0 {
		return true
	}
	return rowcount.SniffDelimiter(text[:min(len(text), rowcount.SniffLen)]) == fullDelim
}

// prefixOnly returns, for a key whose other versions still to compare
// may all be prefixes of the chosen version (each has a digest, smaller
// than the chosen one's, and no two of a size differ), the sha256 each
// size must have; nil otherwise.
func (c *checker) prefixOnly(i int) map[int64]string {
	k := c.keys[i]
	cd, ok := c.opts.Digests[k.Chosen]
	if !ok {
		return nil
	}
	at := make(map[int64]string)
	for j, o := range k.Others {
		if !c.needRead(i, j) {
			continue
		}
		d, ok := c.opts.Digests[o]
		if !ok || d.Bytes <= 0 || d.Bytes >= cd.Bytes {
			return nil
		}
		if s, dup := at[d.Bytes]; dup && s != d.SHA256 {
			return nil
		}
		at[d.Bytes] = d.SHA256
	}
	return at
}

// allPrefixes reports whether pass 1a proved every other version of key
// i still to compare a prefix of the chosen version.
func (c *checker) allPrefixes(i int) bool {
	ph := c.prefixes[i]
	if ph == nil || ph.short {
		return false
	}
	for j, o := range c.keys[i].Others {
		if c.needRead(i, j) && !ph.isPrefix(c.opts.Digests[o], c.opts.Record) {
			return false
		}
	}
	return true
}

// readPrefix reads the bytes of a chosen version (pass 1a) for the
// sha256 of its first bytes at the sizes of its other versions; it stops
// at the first size whose sha256 is not the other version's (the key is
// then read in full). With the cache it reads to the end, to prove the
// bytes are those of the chosen digest.
func (c *checker) readPrefix(ctx context.Context, s slot, source string, r io.Reader, _ *collector) error {
	c.chosenRead[s.key] = true
	chosen := c.opts.Digests[c.keys[s.key].Chosen]
	at := c.prefixOnly(s.key)
	sizes := make([]int64, 0, len(at))
	for n := range at {
		sizes = append(sizes, n)
	}
	ph := newPrefixHasher(r, sizes)
	ph.all = c.entries[s.key] != nil
	ph.expect = at
	if ph.all {
		ph.lines = c.newLines(s.key)
		defer ph.lines.close()
	}
	c.prefixes[s.key] = ph
	buf := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := ph.Read(buf)
		if errors.Is(err, errNotPrefix) {
			ph.short = true
			return nil // read in full in pass 1
		}
		// Every size reached, and the head sameStart needs read.
		if err == io.EOF || len(ph.at) == 0 && !ph.all && len(ph.head) >= minPrefix {
			break
		}
		if err != nil {
			return err
		}
	}
	if ph.all && ph.is(chosen) {
		c.verified[s.key] = true
		if ph.lines != nil {
			c.opts.Cache.storeLines(c.entries[s.key], ph.lines, ph.head)
		}
	}
	return nil
}
