package rowcount

import (
	"encoding/binary"
	"math/bits"
)

// blockSize is the number of bytes blocks handles a step: one bit each in a
// uint64.
const blockSize = 64

// blocks counts p 64 bytes at a time from state s, whose line ending is
// decided, and returns the rest of p and the state before it. Unless
// sticky, it stops after a block with no quote and fewer than 4 newlines,
// where scan's line at a time is faster; otherwise when less than a block
// is left.
//
// A step turns the block into bitmaps of its quotes, newlines and
// delimiters, and in a CR file carriage returns (bit i for byte i). A prefix XOR of the quote
// bitmap marks the bytes inside quotes if every quote toggles, which is
// true when every quote that would open a quoted field stands at the start
// of a field or right after a closing quote (the second half of ""). A
// block where that fails holds a quote that is data (a stray quote in an
// unquoted field), and goes through step a byte at a time. Otherwise the
// terminators outside quotes end lines; those that end blank lines are
// dropped, and the delimiters outside quotes between two terminators count
// the fields of a record.
func blocks(p []byte, s state, d byte, max int64, sticky bool) ([]byte, state) {
	crMode := s.mode == CR
	for len(p) >= blockSize {
		b := (*[blockSize]byte)(p)
		qm, nm, dm := masks(b, d)

		// in has bit i set when byte i is inside quotes, an opening quote
		// included and a closing one not, if every quote toggles.
		in := qm
		in ^= in << 1
		in ^= in << 2
		in ^= in << 4
		in ^= in << 8
		in ^= in << 16
		in ^= in << 32
		if s.quoted {
			in = ^in
		}
		tm := nm // terminators
		if crMode {
			tm |= matches(b, '\r')
		}
		out := ^in
		opener := qm & in
		closer := qm & out
		seps := (dm | tm) & out
		if opener&^(seps<<1|b2u(s.start)|closer<<1|b2u(s.closed)) != 0 {
			// A quote that does not toggle: a byte at a time.
			for _, c := range b {
				s.step(c, d, max)
			}
			p = p[blockSize:]
			if !sticky && bits.OnesCount64(nm) < 4 {
				break
			}
			continue
		}
		p = p[blockSize:]

		// A line starts at byte i when byte i-1 ends a line (or i is 0 and
		// the block starts a line). A line end is blank when a line starts
		// at it, or, in an LF file, when it follows a "\r" at which a line
		// starts. The byte before a line end outside quotes is outside
		// quotes too (or a closing quote): no quote lies in between.
		ends := tm & out
		var lineStart uint64
		if s.line == lineEmpty {
			lineStart = 1
		}
		starts := ends<<1 | lineStart
		delims := dm & out
		if ends == 0 {
			s.delims += int64(bits.OnesCount64(delims))
			s.size += blockSize
		} else {
			prev := -1 // the last end handled
			for m := ends; m != 0; m &= m - 1 {
				e := bits.TrailingZeros64(m)
				seg := uint64(1)<<e<<1 - 1 // bits 0..e
				seg &^= uint64(1)<<(prev+1) - 1
				s.delims += int64(bits.OnesCount64(delims & seg))
				s.size += int64(e - prev)
				blank := starts>>e&1 != 0
				if crMode {
					if b[e] == '\n' {
						s.sawLF = true
					}
				} else {
					var cr, crAtStart bool
					if e == 0 {
						cr, crAtStart = s.prevCR, s.line == lineCR
					} else {
						cr = b[e-1] == '\r'
						crAtStart = cr && starts>>(e-1)&1 != 0
					}
					blank = blank || crAtStart
					if cr {
						s.sawCRLF = true
					} else {
						s.sawLF = true
					}
				}
				if blank {
					s.line = lineEmpty
				} else {
					s.line = lineText
				}
				s.endLine(max)
				prev = e
			}
			if prev < blockSize-1 {
				s.delims += int64(bits.OnesCount64(delims >> (prev + 1)))
				s.size += int64(blockSize - 1 - prev)
			}
		}

		// The state after the block follows from its last byte.
		s.quoted = in>>63 != 0
		s.closed = closer>>63 != 0
		s.start = seps>>63 != 0
		s.prevCR = !crMode && b[63] == '\r' && out>>63 != 0
		switch {
		case ends>>63 != 0:
			s.line = lineEmpty
		case s.prevCR && starts>>63 != 0:
			s.line = lineCR
		default:
			s.line = lineText
		}
		if !sticky && qm == 0 && bits.OnesCount64(nm) < 4 {
			break
		}
	}
	return p, s
}

// b2u returns 1 for true, 0 for false.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// masks returns the bitmaps of the quotes, newlines and delimiters d in
// b. It is unrolled by hand, which the compiler does not do; that makes it
// about twice as fast as a loop.
func masks(b *[blockSize]byte, d byte) (quotes, newlines, delims uint64) {
	w0 := binary.LittleEndian.Uint64(b[0:])
	w1 := binary.LittleEndian.Uint64(b[8:])
	w2 := binary.LittleEndian.Uint64(b[16:])
	w3 := binary.LittleEndian.Uint64(b[24:])
	w4 := binary.LittleEndian.Uint64(b[32:])
	w5 := binary.LittleEndian.Uint64(b[40:])
	w6 := binary.LittleEndian.Uint64(b[48:])
	w7 := binary.LittleEndian.Uint64(b[56:])
	const q, n = '"' * ones, '\n' * ones
	quotes = match(w0, q) | match(w1, q)<<8 | match(w2, q)<<16 | match(w3, q)<<24 |
		match(w4, q)<<32 | match(w5, q)<<40 | match(w6, q)<<48 | match(w7, q)<<56
	newlines = match(w0, n) | match(w1, n)<<8 | match(w2, n)<<16 | match(w3, n)<<24 |
		match(w4, n)<<32 | match(w5, n)<<40 | match(w6, n)<<48 | match(w7, n)<<56
	dd := uint64(d) * ones
	delims = match(w0, dd) | match(w1, dd)<<8 | match(w2, dd)<<16 | match(w3, dd)<<24 |
		match(w4, dd)<<32 | match(w5, dd)<<40 | match(w6, dd)<<48 | match(w7, dd)<<56
	return quotes, newlines, delims
}

// matches returns the bitmap of the bytes c in b.
func matches(b *[blockSize]byte, c byte) uint64 {
	cc := uint64(c) * ones
	var m uint64
	for i := 7; i >= 0; i-- {
		m = m<<8 | match(binary.LittleEndian.Uint64(b[8*i:]), cc)
	}
	return m
}

const (
	low7s  = 0x7f7f7f7f7f7f7f7f
	ones   = 0x0101010101010101
	gather = 0x0102040810204080
)

// match returns a byte with bit k set when byte k of w (little-endian)
// equals byte k of cc (a byte repeated). It first sets the top bit of each
// zero byte of w^cc exactly (no false positive from a borrow, unlike the
// shorter (x-ones)&^x trick), then gathers those 8 top bits into one byte
// with a multiply whose partial products never overlap.
func match(w, cc uint64) uint64 {
	x := w ^ cc
	z := ^((x&low7s + low7s) | x | low7s)
	return (z >> 7) * gather >> 56
}
