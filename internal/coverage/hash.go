package coverage

import (
	"encoding/binary"
	"slices"

	"github.com/zeebo/xxh3"
)

// Hash is the 128-bit xxh3 hash of one record's canonical form (see the
// package documentation). Hashes are ordered by Hi, then Lo.
type Hash struct{ Hi, Lo uint64 }

// Compare orders hashes by Hi, then Lo.
func (h Hash) Compare(o Hash) int {
	switch {
	case h.Hi < o.Hi:
		return -1
	case h.Hi > o.Hi:
		return 1
	case h.Lo < o.Lo:
		return -1
	case h.Lo > o.Lo:
		return 1
	}
	return 0
}

// hashSize is the bytes a Hash takes in memory and in a run file.
const hashSize = 16

// Field tags of the canonical form.
const (
	tagNull  = 0 // an unquoted empty field: no value (NULL at import)
	tagValue = 1 // any other field: its bytes follow, length first
)

// hasher turns records into Hashes. It keeps its buffer between records,
// so hashing allocates nothing once the buffer has grown.
type hasher struct {
	buf []byte
	// perm, when not nil, reorders a record of the header it was made
	// for into the chosen version's column order: field j of the
	// canonical form is field perm[j] of the record.
	perm []int
}

// hash returns the Hash of a record: its fields (reordered by perm when
// the record has as many fields as perm) and, for every empty field,
// whether it was quoted.
func (h *hasher) hash(fields []string, quoted []bool) Hash {
	b := h.buf[:0]
	field := func(i int) {
		if fields[i] == "" && !quoted[i] {
			b = append(b, tagNull)
			return
		}
		b = append(b, tagValue)
		b = binary.AppendUvarint(b, uint64(len(fields[i])))
		b = append(b, fields[i]...)
	}
	if h.perm != nil && len(fields) == len(h.perm) {
		for _, i := range h.perm {
			field(i)
		}
	} else {
		for i := range fields {
			field(i)
		}
	}
	h.buf = b
	u := xxh3.Hash128(b)
	return Hash{Hi: u.Hi, Lo: u.Lo}
}

// columnOrder returns how records of a version with header other are
// compared with the chosen version's records (header chosen): perm nil
// and ok for the same header (or an empty chosen version, or noHeader:
// records compare field by field), a permutation when other has the same
// column names in another order, and ok false when the names differ
// (a column more or less, a name twice in either header): then the
// versions are not comparable. An empty file (no header, no records) is
// comparable with any version.
func columnOrder(chosen, other []string, noHeader bool) (perm []int, ok bool) {
	if noHeader || len(chosen) == 0 || len(other) == 0 || slices.Equal(chosen, other) {
		return nil, true
	}
	if len(chosen) != len(other) {
		return nil, false
	}
	at := make(map[string]int, len(other))
	for i, name := range other {
		if _, dup := at[name]; dup {
			return nil, false
		}
		at[name] = i
	}
	perm = make([]int, len(chosen))
	seen := make(map[string]bool, len(chosen))
	for j, name := range chosen {
		i, found := at[name]
		if !found || seen[name] {
			return nil, false
		}
		seen[name] = true
		perm[j] = i
	}
	return perm, true
}
