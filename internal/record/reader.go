// Package record is the loader's view of one data file: it decodes the
// text to UTF-8 (Decode), finds the field delimiter
// (rowcount.SniffDelimiter) and parses the records (Reader).
//
// Records follow siftload's one CSV dialect, written down in the rowcount
// package documentation: a quote opens a quoted field only at the start
// of a field, "" is a quote inside one, the line ending is decided per
// file by its first record terminator, blank lines are skipped, and a
// field's bytes ("\r\n" inside quotes included) are kept as they are. So
// the records Reader returns are exactly the ones the analyze step counts
// (a differential fuzz test checks it): the first record is the header,
// and RecordNumber numbers the records after it from 1. A file that ends inside a
// quoted field, or a record over the size limit, is an error, never a
// short read.
//
// Errors name no file: callers know the source and wrap them, with the
// record number from RecordNumber, in a *problem.Error.
package record

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/siftload/siftload/internal/rowcount"
)

// MaxRaw is the most bytes Raw returns.
const MaxRaw = 4 << 10

// DefaultMaxRecordBytes is the record size limit when Options give none.
const DefaultMaxRecordBytes = 64 << 20

// bufSize is the size of the read buffer, and the most of a file the
// delimiter sniffer sees.
const bufSize = rowcount.SniffLen

// Options say how to read a file.
type Options struct {
	// Delimiter separates fields; 0 sniffs it (see SniffDelimiter). It
	// must be ASCII and not '"', '\r' or '\n'.
	Delimiter byte
	// Encoding is the text's character set; see Decode.
	Encoding string
	// NoHeader: the first record is data, and the header is col_1..col_N
	// with N the first record's field count.
	NoHeader bool
	// MaxRecordBytes is the record size limit (see rowcount): a longer
	// record is an error, and the Reader never holds more than about
	// twice the limit. 0 means DefaultMaxRecordBytes; < 0 no limit.
	MaxRecordBytes int64
}

// ParseError is a record that cannot be read: the file ends inside its
// quoted field (rowcount.ErrUnclosedQuote), or it is longer than the limit
// (rowcount.ErrRecordTooLong).
type ParseError struct {
	// Record is the data record's number, as RecordNumber counts (0: the
	// header).
	Record int64
	// Err is the reason.
	Err error
}

// Error returns the reason. It leaves out Record, which the
// *problem.Error a caller wraps it in shows.
func (e *ParseError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// FieldCountError is a record whose field count differs from the header's.
// It unwraps to ErrFieldCount.
type FieldCountError struct {
	Got, Want int
}

// Error formats as "wrong number of fields: got 3, want 4".
func (e *FieldCountError) Error() string {
	return fmt.Sprintf("wrong number of fields: got %d, want %d", e.Got, e.Want)
}

// ErrFieldCount is what a *FieldCountError unwraps to.
var ErrFieldCount = errors.New("wrong number of fields")

// Unwrap returns ErrFieldCount.
func (e *FieldCountError) Unwrap() error { return ErrFieldCount }

// Reader reads the records of one file. It reads ahead through a buffer of
// 64 KiB and never holds the whole file, nor more than about twice the
// record size limit. A Reader is not safe for concurrent use.
//
// Reader does not check field counts: Next returns records of any length
// so that the caller decides (reject or fail). The import compares each
// record with its table's columns itself; CheckFields compares the current
// record with the header, for other callers.
type Reader struct {
	src      io.Reader
	buf      []byte // read buffer; buf[pos:end] is unread
	pos, end int
	rerr     error // the error that ended src (io.EOF at its end)

	delim byte
	max   int64
	mode  rowcount.LineEnding
	size  int64 // bytes of the current line so far

	text   []byte   // the current record's fields, end to end
	ends   []int    // where each field ends in text
	quoted []bool   // whether each field was quoted
	record []string // the current record

	header   []string
	pending  bool // NoHeader: the first record is parsed and not returned yet
	noHeader bool
	recno    int64 // see RecordNumber
	err      error
	raw      []byte
}

// NewReader decodes r (see Decode), sniffs the delimiter unless
// opts.Delimiter is set, and reads the header record unless opts.NoHeader.
// An empty file is not an error: Header is then empty and Next false. A
// header that cannot be read is a *ParseError with Record 0, wrapped as
// "header: ...".
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	dec, err := Decode(r, opts.Encoding)
	if err != nil {
		return nil, err
	}
	delim := opts.Delimiter
	if delim >= utf8.RuneSelf || delim == '"' || delim == '\r' || delim == '\n' {
		return nil, fmt.Errorf("invalid delimiter %q", delim)
	}
	rd := &Reader{src: dec, buf: make([]byte, bufSize), max: opts.MaxRecordBytes, noHeader: opts.NoHeader}
	if rd.max == 0 {
		rd.max = DefaultMaxRecordBytes
	}
	if delim == 0 {
		// The sample is what a sniffing rowcount.Counter sees: the first
		// SniffLen bytes of text, or all of a shorter file.
		for rd.end < len(rd.buf) && rd.rerr == nil {
			rd.read()
		}
		if rd.rerr != nil && rd.rerr != io.EOF {
			return nil, fmt.Errorf("read: %w", rd.rerr)
		}
		delim = rowcount.SniffDelimiter(rd.buf[:rd.end])
	}
	rd.delim = delim

	ok := rd.parse()
	switch {
	case !ok && rd.err == nil:
	case !ok && opts.NoHeader:
		// The first record is data: Next reports its error.
		rd.recno++
	case !ok:
		return nil, fmt.Errorf("header: %w", rd.err)
	case opts.NoHeader:
		rd.pending = true
		rd.record = slices.Clone(rd.record)
		rd.quoted = slices.Clone(rd.quoted)
		rd.header = make([]string, len(rd.record))
		for i := range rd.header {
			rd.header[i] = "col_" + strconv.Itoa(i+1)
		}
	default:
		rd.header = slices.Clone(rd.record)
	}
	return rd, nil
}

// Header returns the header record (or col_1..col_N with NoHeader), empty
// for an empty file. The caller must not modify it.
func (r *Reader) Header() []string { return r.header }

// Delimiter returns the field delimiter, given or sniffed.
func (r *Reader) Delimiter() byte { return r.delim }

// Next advances to the next data record. It returns false at the end of
// the file or on an error, which Err then returns.
func (r *Reader) Next() bool {
	if r.err != nil {
		return false
	}
	if r.pending {
		r.pending = false
		r.recno++
		return true
	}
	if !r.parse() {
		r.record = r.record[:0]
		if r.err != nil {
			r.recno++
		}
		return false
	}
	r.recno++
	return true
}

// Record returns the current record's fields. The slice is valid only
// until the next call to Next; the strings stay valid.
func (r *Reader) Record() []string { return r.record }

// Quoted returns, for each field of Record, whether it was quoted in the
// file: "" quoted is an empty string, an unquoted empty field is no value.
// The slice is valid only until the next call to Next.
func (r *Reader) Quoted() []bool { return r.quoted }

// RecordNumber returns the current data record's number (not a line
// number: a quoted field may span lines, blank lines are not counted): 1
// for the first record after the header (the first record of the file
// with NoHeader). Once Next has returned false on an error, it is the
// number of the record that failed.
func (r *Reader) RecordNumber() int64 { return r.recno }

// CheckFields returns nil when the current record has as many fields as
// the header, else a *FieldCountError.
func (r *Reader) CheckFields() error {
	if len(r.record) == len(r.header) {
		return nil
	}
	return &FieldCountError{Got: len(r.record), Want: len(r.header)}
}

// Raw returns the current record as one line of CSV text in the file's
// delimiter, for a reject file: the same fields as the file, quoted only
// where needed, in UTF-8. It is cut to MaxRaw bytes.
func (r *Reader) Raw() string {
	b := r.raw[:0]
	for i, f := range r.record {
		if i > 0 {
			b = append(b, r.delim)
		}
		if !strings.ContainsAny(f, "\"\r\n") && strings.IndexByte(f, r.delim) < 0 {
			b = append(b, f...)
		} else {
			b = append(b, '"')
			b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
			b = append(b, '"')
		}
		if len(b) > MaxRaw {
			break
		}
	}
	if len(b) > MaxRaw {
		n := MaxRaw
		for n > MaxRaw-utf8.UTFMax && !utf8.RuneStart(b[n]) {
			n--
		}
		b = b[:n]
	}
	r.raw = b
	return string(b)
}

// Err returns the error that ended Next, nil at a clean end of file: a
// *ParseError for a record that cannot be read, or a read error of the
// file or its decoding. RecordNumber then numbers the record that failed.
func (r *Reader) Err() error { return r.err }
