package coverage

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"slices"
)

// Digest is what the analysis measured of a version's bytes (after
// decompression, before text decoding): their sha256 in hex and their
// number.
type Digest struct {
	SHA256 string
	Bytes  int64
}

// minPrefix is the least size of a version that a byte-prefix proof
// covers: past it, a version and the chosen version it is a prefix of
// share the first 64 KiB of decoded text (UTF-16 included), so the
// delimiter sniffing, the UTF-16 guess and the byte order mark see the
// same bytes in both.
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
}

func newPrefixHasher(r io.Reader, sizes []int64) *prefixHasher {
	at := slices.Clone(sizes)
	slices.Sort(at)
	return &prefixHasher{r: r, h: sha256.New(), at: slices.Compact(at), sums: make(map[int64]string)}
}

func (p *prefixHasher) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	data := b[:n]
	for len(data) > 0 {
		if len(p.at) == 0 {
			break // no size to reach: no need to hash
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
		}
	}
	return n, err
}

// isPrefix reports whether a version with digest d is a prefix of the
// hashed bytes that ends in "\n".
func (p *prefixHasher) isPrefix(d Digest) bool {
	s, ok := p.sums[d.Bytes]
	return ok && s == d.SHA256
}
