package rowcount

import (
	"bytes"
	"errors"
	"fmt"
)

// bom is the UTF-8 byte order mark.
const bom = "\xef\xbb\xbf"

// ErrUnclosedQuote is the reason of a file that ends inside a quoted field.
var ErrUnclosedQuote = errors.New("unclosed quote: the file ends inside a quoted field")

// ErrRecordTooLong is the reason of a record longer than the limit.
var ErrRecordTooLong = errors.New("record too long")

// RecordError is a malformed record: Record is its number in the file (1
// is the first record, the header when there is one) and Err the reason,
// ErrUnclosedQuote or a wrapped ErrRecordTooLong.
type RecordError struct {
	Record int64
	Err    error
}

// Error formats as "record 7: unclosed quote: ...".
func (e *RecordError) Error() string { return fmt.Sprintf("record %d: %v", e.Record, e.Err) }

// Unwrap returns Err.
func (e *RecordError) Unwrap() error { return e.Err }

// TooLong returns the reason of a record longer than max bytes.
func TooLong(max int64) error {
	return fmt.Errorf("%w: longer than %d bytes (the record size limit)", ErrRecordTooLong, max)
}

// Counter counts the CSV records in the bytes written to it, following the
// rules in the package documentation, and notes what a reviewer should
// know about them (an unclosed quote, field counts, line endings, records
// over a size limit). Write the whole input, in chunks of any size and
// split at any byte, then call Records or Rows and the other accessors.
//
// The zero value sniffs the delimiter and sets no record limit. A Counter
// that sniffs holds back the first SniffLen bytes of text until it has
// them all, or until an accessor is called; otherwise Write never
// allocates. A Counter is not safe for concurrent use. To reuse one, assign
// it a new value.
type Counter struct {
	// Delimiter separates fields; 0 sniffs it with SniffDelimiter from the
	// first SniffLen bytes of text, as the import reader does. Set it
	// before the first Write.
	Delimiter byte
	// MaxRecordBytes, when > 0, is the record size limit: see TooLong.
	MaxRecordBytes int64
	// NoBOM says that a Text in front has removed the byte order mark
	// already, so that a second one is text, as the import reader reads
	// it. Without it the Counter removes a leading UTF-8 BOM itself.
	NoBOM bool

	st     state
	begun  bool
	head   int    // bytes of the input's start settled as BOM or not; len(bom) once decided
	sample []byte // the text held back for sniffing
	sniffd bool   // the delimiter is decided
}

// New returns a new Counter that sniffs the delimiter. It is the same as
// new(Counter).
func New() *Counter { return new(Counter) }

// Write counts the records in p. It always returns len(p), nil.
func (c *Counter) Write(p []byte) (int, error) {
	n := len(p)
	if !c.begun {
		c.begin()
	}
	if c.head < len(bom) {
		p = c.skipBOM(p)
	}
	if !c.sniffd {
		if c.Delimiter != 0 {
			c.sniffd = true
		} else {
			if c.sample == nil {
				// Sized by the first write, not SniffLen: a small
				// file allocates little (issue 17: many small files).
				c.sample = make([]byte, 0, min(SniffLen, 2*len(p)+64))
			}
			if len(c.sample)+len(p) < SniffLen {
				c.sample = append(c.sample, p...)
				return n, nil
			}
			k := SniffLen - len(c.sample)
			c.sample = append(c.sample, p[:k]...)
			p = p[k:]
			c.decide()
		}
	}
	c.scan(p)
	return n, nil
}

// begin sets up the state before the first byte.
func (c *Counter) begin() {
	c.begun = true
	c.st = initial
	if c.NoBOM {
		c.head = len(bom)
	}
}

// decide sniffs the delimiter from the sample and counts the sample.
func (c *Counter) decide() {
	c.sniffd = true
	c.Delimiter = SniffDelimiter(c.sample)
	c.scan(c.sample)
	c.sample = nil
}

// skipBOM consumes the part of a leading UTF-8 BOM found at the start of p,
// which may continue a BOM begun in earlier writes, and returns the rest of
// p: a partial BOM that turns out not to be one is text, and goes back
// into the input.
func (c *Counter) skipBOM(p []byte) []byte {
	for len(p) > 0 && c.head < len(bom) {
		if p[0] != bom[c.head] {
			held := c.head
			c.head = len(bom)
			if held > 0 {
				c.text([]byte(bom[:held]))
			}
			return p
		}
		c.head++
		p = p[1:]
	}
	return p
}

// text feeds text that skipBOM held back.
func (c *Counter) text(p []byte) {
	if !c.sniffd && c.Delimiter == 0 {
		c.sample = append(c.sample, p...)
		return
	}
	c.sniffd = true
	c.scan(p)
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

// scan counts the records in p, text after any BOM.
//
// Until the line ending is decided it goes a byte at a time (step). In an
// LF file it jumps from one quote or newline to the next with
// bytes.IndexByte, which is vectorised in the standard library, and
// counts each line's delimiters with bytes.Count: outside quotes it finds
// the next quote once, then walks the lines before it; inside quotes it
// jumps to the closing quote. That costs a few calls per line and per
// quote, and suits lines of a few dozen bytes with few quotes, the common
// case. Where quotes or newlines come close together, calls get slow, so
// after each quote, and where a stretch without quotes starts with short
// lines, scan hands over to blocks, which takes 64 bytes a step at a fixed
// cost and hands back where they thin out again. CR files, which are rare,
// go through blocks only.
func (c *Counter) scan(p []byte) {
	s, d, max := c.st, c.Delimiter, c.MaxRecordBytes
	for len(p) > 0 {
		switch {
		case s.mode == Undecided || s.pendCR || s.mode == CR && len(p) < blockSize:
			s.step(p[0], d, max)
			p = p[1:]
		case s.mode == CR:
			p, s = blocks(p, s, d, max, true)
		case s.quoted:
			i := bytes.IndexByte(p, '"')
			if i < 0 {
				s.size += int64(len(p))
				s.prevCR = false
				p = nil
				break
			}
			s.size += int64(i)
			s.step('"', d, max)
			p = p[i+1:]
			if len(p) >= blockSize {
				p, s = blocks(p, s, d, max, false)
			}
		default:
			seg := p // up to the next quote
			q := bytes.IndexByte(p, '"')
			if q >= 0 {
				seg = p[:q]
			}
			// Short lines: a call per line would cost more than blocks. The
			// test looks at the first few blocks only.
			if len(seg) >= denseProbe && bytes.Count(seg[:denseProbe], newline) >= denseProbe/shortLine {
				seg, s = blocks(seg, s, d, max, false)
			}
			s.lines(seg, d, max)
			if q < 0 {
				p = nil
				break
			}
			s.step('"', d, max)
			p = p[q+1:]
			if len(p) >= blockSize {
				p, s = blocks(p, s, d, max, false)
			}
		}
	}
	c.st = s
}

// lines counts seg, bytes without a quote outside quotes in an LF file, a
// line at a time, as step would.
func (s *state) lines(seg []byte, d byte, max int64) {
	if len(seg) == 0 {
		return
	}
	s.closed = false
	delim := [1]byte{d}
	for {
		i := bytes.IndexByte(seg, '\n')
		line := seg
		if i >= 0 {
			line = seg[:i]
		}
		if n := len(line); n > 0 {
			s.delims += int64(bytes.Count(line, delim[:]))
			s.size += int64(n)
			if s.line == lineEmpty && n == 1 && line[0] == '\r' {
				s.line = lineCR
			} else {
				s.line = lineText
			}
			s.prevCR = line[n-1] == '\r'
			s.start = line[n-1] == d
		}
		if i < 0 {
			return
		}
		s.size++
		if s.prevCR {
			s.sawCRLF = true
		} else {
			s.sawLF = true
		}
		s.endLine(max)
		seg = seg[i+1:]
		if len(seg) == 0 {
			return
		}
	}
}

// final returns the state at the end of the input so far.
func (c *Counter) final() state {
	if !c.begun {
		c.begin()
	}
	if c.head < len(bom) {
		// An input shorter than a BOM that began like one: it is text.
		held := c.head
		c.head = len(bom)
		c.text([]byte(bom[:held]))
	}
	if !c.sniffd {
		if c.Delimiter != 0 {
			c.sniffd = true
		} else {
			c.decide()
		}
	}
	return c.st.end(c.MaxRecordBytes)
}

// Records returns the number of records in the bytes written so far,
// counting a last line that has no terminator yet, and the open record of
// a file that ends inside quotes. It is final once the whole input has
// been written (and, behind a Text, once that is closed).
func (c *Counter) Records() int64 {
	s := c.final()
	if s.quoted {
		return s.records + 1
	}
	return s.records
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

// Err returns nil for a well-formed input, or a *RecordError: the input
// ends inside a quoted field (ErrUnclosedQuote; Record is the record where
// the quote opened), or, failing that, a record is longer than
// MaxRecordBytes (the first such record). The import reader fails on the
// same record for the same reason.
func (c *Counter) Err() error {
	s := c.final()
	switch {
	case s.tooLong > 0:
		return &RecordError{Record: s.tooLong, Err: TooLong(c.MaxRecordBytes)}
	case s.quoted:
		return &RecordError{Record: s.records + 1, Err: ErrUnclosedQuote}
	}
	return nil
}

// FieldCounts returns how many records after the first have another number
// of fields than the first (the header), and the number of the first of
// them (1 is the header); 0, 0 when all agree.
func (c *Counter) FieldCounts() (n, first int64) {
	s := c.final()
	return s.badFields, s.firstBad
}

// LineEnding returns the input's line ending (Undecided when it has no
// record terminator outside quotes).
func (c *Counter) LineEnding() LineEnding { return c.final().mode }

// MixedLineEndings reports whether lines end in more than one way: both
// "\n" and "\r\n" in an LF file, any "\n" in a CR file.
func (c *Counter) MixedLineEndings() bool {
	s := c.final()
	return s.sawLF && s.sawCRLF || s.mode == CR && s.sawLF
}

// Delim returns the delimiter counted with: Delimiter, or the sniffed one.
func (c *Counter) Delim() byte {
	c.final()
	return c.Delimiter
}
