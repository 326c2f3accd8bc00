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
// A step turns the block into bitmaps of its quotes, newlines, carriage
// returns and delimiters (bit i for byte i). A prefix XOR of the quote
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
		qm, nm, rm, dm := masks(b, d)

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
			tm |= rm
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

		ends := tm & out
		var lineStart uint64 // bit 0: a line starts at byte 0
		if s.line == lineEmpty {
			lineStart = 1
		}
		starts := ends<<1 | lineStart
		blank := ends & starts
		var crStart uint64 // "\r" at the start of a line, outside quotes (LF mode)
		if !crMode {
			crStart = rm & out & starts
			var cr uint64
			if s.line == lineCR {
				cr = 1
			}
			blank |= ends & (crStart<<1 | cr)
			if ends != 0 {
				crlf := ends & (rm<<1 | b2u(s.prevCR))
				if crlf != 0 {
					s.sawCRLF = true
				}
				if ends&^crlf != 0 {
					s.sawLF = true
				}
			}
		} else if nm&out != 0 {
			s.sawLF = true
		}

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
				if blank>>e&1 == 0 {
					s.line = lineText
				} else {
					s.line = lineEmpty
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
		s.prevCR = (rm&out)>>63 != 0
		switch {
		case ends>>63 != 0:
			s.line = lineEmpty
		case crStart>>63 != 0:
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

// masks returns the bitmaps of the quotes, newlines, carriage returns and
// delimiters d in b. It is unrolled by hand, which the compiler does not
// do.
func masks(b *[blockSize]byte, d byte) (quotes, newlines, crs, delims uint64) {
	var w [8]uint64
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	dd := uint64(d) * ones
	for i := 7; i >= 0; i-- {
		quotes = quotes<<8 | match(w[i], '"'*ones)
		newlines = newlines<<8 | match(w[i], '\n'*ones)
		crs = crs<<8 | match(w[i], '\r'*ones)
		delims = delims<<8 | match(w[i], dd)
	}
	return quotes, newlines, crs, delims
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
