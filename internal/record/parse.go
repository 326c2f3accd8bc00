package record

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/siftload/siftload/internal/rowcount"
)

// How a field ended.
const (
	endDelim  = iota // at the delimiter: another field follows
	endRecord        // at a record terminator
	endInput         // at the end of the input
)

// read reads more of src into buf after end.
func (r *Reader) read() {
	for range 100 {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.rerr = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.rerr = io.ErrNoProgress
}

// more makes sure an unread byte is buffered. It returns false at the end
// of the input or on a read error (r.rerr says which).
func (r *Reader) more() bool {
	for r.pos == r.end {
		if r.rerr != nil {
			return false
		}
		r.pos, r.end = 0, 0
		r.read()
	}
	return true
}

// recordNo is the number, as RecordNumber counts, of the record being parsed.
func (r *Reader) recordNo() int64 {
	if r.header == nil && !r.noHeader {
		return 0
	}
	return r.recno + 1
}

// failRead ends the reader with a read error (or, at the end of the
// input inside a quoted field, unclosed).
func (r *Reader) failRead(unclosed bool) bool {
	switch {
	case r.rerr != io.EOF:
		r.err = fmt.Errorf("read: %w", r.rerr)
	case unclosed:
		r.err = &ParseError{Record: r.recordNo(), Err: rowcount.ErrUnclosedQuote}
	default:
		return true
	}
	return false
}

// grew counts n more bytes of the current line and checks the size limit
// for a line that is a record: one with a field, text or a quote so far,
// or when nonBlank.
func (r *Reader) grew(n int, nonBlank bool) bool {
	r.size += int64(n)
	if r.max > 0 && r.size > r.max && (nonBlank || len(r.ends) > 0 || len(r.text) > 0) {
		r.err = &ParseError{Record: r.recordNo(), Err: rowcount.TooLong(r.max)}
		return false
	}
	return true
}

// add appends b to the current record's text. It grows the text by
// doubling, as append does, but never past the record size limit and one
// buffer (b is never longer than a buffer): the limit bounds the memory.
func (r *Reader) add(b []byte) {
	if n := len(r.text) + len(b); n > cap(r.text) && r.max > 0 {
		c := min(max(2*cap(r.text), n), int(min(r.max, math.MaxInt32))+bufSize)
		t := make([]byte, len(r.text), max(c, n))
		copy(t, r.text)
		r.text = t
	}
	r.text = append(r.text, b...)
}

// parse reads the next record, skipping blank lines, into r.record and
// r.quoted. It returns false at the end of the input or on an error,
// which it stores in r.err.
func (r *Reader) parse() bool {
	for {
		r.text, r.ends, r.quoted = r.text[:0], r.ends[:0], r.quoted[:0]
		r.size = 0
		if !r.more() {
			return r.failRead(false) && false
		}
		if !r.parseLine() {
			return false
		}
		if len(r.ends) == 1 && r.ends[0] == 0 && !r.quoted[0] {
			continue // a blank line
		}
		str := string(r.text)
		r.record = r.record[:0]
		prev := 0
		for _, e := range r.ends {
			r.record = append(r.record, str[prev:e])
			prev = e
		}
		return true
	}
}

// parseLine reads the fields of one line.
func (r *Reader) parseLine() bool {
	for {
		quoted := r.more() && r.buf[r.pos] == '"'
		if quoted {
			r.pos++
			if !r.grew(1, true) || !r.quotedField() {
				return false
			}
		}
		end, ok := r.unquoted(quoted)
		if !ok {
			return false
		}
		r.ends = append(r.ends, len(r.text))
		r.quoted = append(r.quoted, quoted)
		if end != endDelim {
			return true
		}
	}
}

// quotedField reads a quoted field after its opening quote, up to and
// including its closing quote.
func (r *Reader) quotedField() bool {
	for {
		if !r.more() {
			return r.failRead(true)
		}
		b := r.buf[r.pos:r.end]
		i := bytes.IndexByte(b, '"')
		if i < 0 {
			r.add(b)
			r.pos = r.end
			if !r.grew(len(b), true) {
				return false
			}
			continue
		}
		r.add(b[:i])
		r.pos += i + 1
		if !r.grew(i+1, true) {
			return false
		}
		if !r.more() {
			return r.failRead(false)
		}
		if r.buf[r.pos] != '"' {
			return true // closed
		}
		r.text = append(r.text, '"') // "" is a quote
		r.pos++
		if !r.grew(1, true) {
			return false
		}
	}
}

// unquoted reads an unquoted field, or the rest of a quoted one after its
// closing quote, up to and including the delimiter or terminator that
// ends it.
func (r *Reader) unquoted(quoted bool) (end int, ok bool) {
	d := r.delim
	for {
		if !r.more() {
			return endInput, r.failRead(false)
		}
		b := r.buf[r.pos:r.end]
		i := 0
		for i < len(b) {
			if c := b[i]; c == d || c == '\r' || c == '\n' {
				break
			}
			i++
		}
		if i > 0 {
			r.add(b[:i])
			r.pos += i
			if !r.grew(i, quoted) {
				return 0, false
			}
			if i == len(b) {
				continue
			}
		}
		c := b[i]
		r.pos++
		switch c {
		case d:
			return endDelim, r.grew(1, true) // a delimiter makes the line a record
		case '\n':
			if r.mode == rowcount.Undecided {
				r.mode = rowcount.LF
			}
			return endRecord, r.grew(1, quoted)
		}
		// '\r'
		if r.mode == rowcount.CR {
			return endRecord, r.grew(1, quoted)
		}
		if !r.more() {
			// A "\r" at the very end ends the record.
			if r.mode == rowcount.Undecided {
				r.mode = rowcount.CR
			}
			return endRecord, r.failRead(false) && r.grew(1, quoted)
		}
		switch {
		case r.buf[r.pos] == '\n':
			r.pos++
			r.mode = rowcount.LF
			return endRecord, r.grew(2, quoted)
		case r.mode == rowcount.Undecided:
			r.mode = rowcount.CR
			return endRecord, r.grew(1, quoted)
		}
		// A lone "\r" in an LF file is data.
		r.text = append(r.text, '\r')
		if !r.grew(1, quoted) {
			return 0, false
		}
	}
}
