package rowcount

import "bytes"

// bom is the UTF-8 byte order mark.
const bom = "\xef\xbb\xbf"

// lineState says what the current line holds so far, outside quotes.
type lineState uint8

const (
	lineEmpty lineState = iota // nothing yet
	lineCR                     // a single "\r": still blank if "\n" or the end follows
	lineText                   // anything else: the line is a record
)

// grow returns the state of a line in state l after the bytes s (which hold
// no newline and no quote) are appended to it.
func grow(l lineState, s []byte) lineState {
	switch {
	case len(s) == 0:
		return l
	case l == lineEmpty && len(s) == 1 && s[0] == '\r':
		return lineCR
	default:
		return lineText
	}
}

// Counter counts the CSV records in the bytes written to it, following the
// rules in the package documentation. Write the whole input, in chunks of
// any size and split at any byte, then call Records or Rows.
//
// The zero value is ready to use. A Counter holds no buffer and Write never
// allocates. A Counter is not safe for concurrent use. To reuse one, assign
// it the zero value.
type Counter struct {
	state
	head int // bytes of the input's start settled as BOM or not; len(bom) once decided
}

// state is what a Counter knows between two bytes of input.
type state struct {
	records int64     // records ended so far
	line    lineState // the current line, if outside quotes
	quoted  bool      // inside quotes
}

// New returns a new Counter. It is the same as new(Counter).
func New() *Counter { return new(Counter) }

// Write counts the records in p. It always returns len(p), nil.
func (c *Counter) Write(p []byte) (int, error) {
	n := len(p)
	if c.head < len(bom) {
		p = c.skipBOM(p)
	}
	c.scan(p)
	return n, nil
}

// skipBOM consumes the part of a leading UTF-8 BOM found at the start of p,
// which may continue a BOM begun in earlier writes, and returns the rest of p.
func (c *Counter) skipBOM(p []byte) []byte {
	for len(p) > 0 && c.head < len(bom) {
		if p[0] != bom[c.head] {
			// Not a BOM: any bytes held back so far are ordinary text and
			// c.line already says so.
			c.head = len(bom)
			return p
		}
		c.head++
		p = p[1:]
		// A partial BOM is text if the input ends here; a whole BOM is
		// nothing.
		c.line = lineText
		if c.head == len(bom) {
			c.line = lineEmpty
		}
	}
	return p
}

const (
	// shortLine is the mean line length below which scan hands over to
	// blocks: with shorter lines a call per line costs more than 64 bytes a
	// step.
	shortLine = 16
	// denseProbe is how many bytes scan looks at to find short lines.
	denseProbe = 4 * blockSize
)

var newline = []byte{'\n'}

// scan counts the records in p, which holds no part of a leading BOM.
//
// It jumps from one quote or newline to the next with bytes.IndexByte,
// which is vectorised in the standard library: outside quotes it finds the
// next quote once, then walks the newlines before it; inside quotes it jumps
// to the closing quote. That costs a call per line and per quote, and suits
// lines of a few dozen bytes with few quotes, the common case. Where quotes
// or newlines come close together, a call each gets slow, so after each
// quote, and where a stretch without quotes starts with short lines, scan
// hands over to blocks, which takes 64 bytes a step at a fixed cost and
// hands back where they thin out again.
func (c *Counter) scan(p []byte) {
	s := c.state
	for len(p) > 0 {
		if s.quoted {
			i := bytes.IndexByte(p, '"')
			if i < 0 {
				break
			}
			p = p[i+1:]
			s.quoted = false
		} else {
			seg := p // up to the next quote
			q := bytes.IndexByte(p, '"')
			if q >= 0 {
				seg = p[:q]
			}
			// Short lines: a call per line would cost more than blocks. The
			// test looks at the first few blocks only, and stays out of the
			// loop below, where a call makes every line dearer.
			if len(seg) >= denseProbe && bytes.Count(seg[:denseProbe], newline) >= denseProbe/shortLine {
				seg, s = blocks(seg, s)
			}
			for {
				i := bytes.IndexByte(seg, '\n')
				if i < 0 {
					s.line = grow(s.line, seg)
					break
				}
				if grow(s.line, seg[:i]) == lineText {
					s.records++
				}
				s.line = lineEmpty
				seg = seg[i+1:]
			}
			if q < 0 {
				break
			}
			s.line = lineText
			s.quoted = true
			p = p[q+1:]
		}
		if len(p) >= blockSize {
			p, s = blocks(p, s)
		}
	}
	c.state = s
}

// Records returns the number of records in the bytes written so far,
// counting a last line that has no newline yet. It is final once the whole
// input has been written (and, behind a Text, once that is closed).
func (c *Counter) Records() int64 {
	if c.line == lineText {
		return c.records + 1
	}
	return c.records
}

// Rows returns the number of data rows: Records, less one for the header
// line when header is true, and never below zero. A file that holds only a
// header has 0 rows.
func (c *Counter) Rows(header bool) int64 {
	n := c.Records()
	if header && n > 0 {
		n--
	}
	return n
}
