// Package record is the loader's view of one data file: it decodes the
// text to UTF-8 (Decode), finds the field delimiter (SniffDelimiter) and
// parses the records (Reader).
//
// Records follow encoding/csv, which Reader wraps: RFC 4180 quoting (no
// lazy quotes), "\r\n" or "\n" line ends, blank lines skipped, and a
// newline inside quotes part of the field. So the records Reader returns
// are the ones the analyze step counts: the first record is the header,
// and Line numbers the records after it from 1.
//
// Errors name no file: callers know the source and wrap them, with the
// record number from Line, in a *problem.Error.
package record

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxRaw is the most bytes Raw returns.
const MaxRaw = 4 << 10

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
}

// ParseError is a record that does not parse (bad quoting).
type ParseError struct {
	// Record is the data record's number, as Line counts (0: the
	// header).
	Record int64
	// StartLine is the line the record starts on, and Line and Column
	// (1-based, in bytes) where the error is, in the decoded text with
	// the header as line 1.
	StartLine, Line, Column int
	// Err is csv.ErrQuote or csv.ErrBareQuote.
	Err error
}

// Error formats as `line 7, column 5: bare " in non-quoted-field`, with the
// record's first line when it is another one. It leaves out Record, which
// the *problem.Error a caller wraps it in shows.
func (e *ParseError) Error() string {
	if e.StartLine != e.Line {
		return fmt.Sprintf("line %d, column %d (record from line %d): %v", e.Line, e.Column, e.StartLine, e.Err)
	}
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// FieldCountError is a record whose field count differs from the header's.
// It unwraps to csv.ErrFieldCount.
type FieldCountError struct {
	Got, Want int
}

// Error formats as "wrong number of fields: got 3, want 4".
func (e *FieldCountError) Error() string {
	return fmt.Sprintf("wrong number of fields: got %d, want %d", e.Got, e.Want)
}

// Unwrap returns csv.ErrFieldCount.
func (e *FieldCountError) Unwrap() error { return csv.ErrFieldCount }

// Reader reads the records of one file. It reads ahead through a buffer of
// 64 KiB and never holds the whole file. A Reader is not safe for
// concurrent use.
//
// Reader does not check field counts: Next returns records of any length
// so that the caller decides (reject or fail); CheckFields compares the
// current record with the header.
type Reader struct {
	csv     *csv.Reader
	delim   byte
	header  []string
	record  []string
	pending []string // NoHeader: the first record, already read
	line    int64
	err     error
	raw     []byte
}

// NewReader decodes r (see Decode), sniffs the delimiter unless
// opts.Delimiter is set, and reads the header record unless opts.NoHeader.
// An empty file is not an error: Header is then empty and Next false. A
// header that does not parse is a *ParseError with Record 0, wrapped as
// "header: ...".
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	dec, err := Decode(r, opts.Encoding)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(dec, bufSize)
	delim := opts.Delimiter
	if delim == 0 {
		sample, err := br.Peek(bufSize)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read: %w", err)
		}
		delim = SniffDelimiter(sample)
	} else if delim >= utf8.RuneSelf || delim == '"' || delim == '\r' || delim == '\n' {
		return nil, fmt.Errorf("invalid delimiter %q", delim)
	}
	cr := csv.NewReader(br)
	cr.Comma = rune(delim)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rd := &Reader{csv: cr, delim: delim}

	first, err := cr.Read()
	switch {
	case err == io.EOF:
	case err != nil && opts.NoHeader:
		// The first record is data: let Next report it.
		rd.fail(err)
	case err != nil:
		return nil, fmt.Errorf("header: %w", rd.readErr(err))
	case opts.NoHeader:
		rd.pending = first
		rd.header = make([]string, len(first))
		for i := range rd.header {
			rd.header[i] = "col_" + strconv.Itoa(i+1)
		}
	default:
		rd.header = slices.Clone(first)
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
	if r.pending != nil {
		r.record, r.pending = r.pending, nil
		r.line++
		return true
	}
	rec, err := r.csv.Read()
	if err != nil {
		r.record = nil
		if err != io.EOF {
			r.fail(err)
		}
		return false
	}
	r.record = rec
	r.line++
	return true
}

// Record returns the current record's fields. The slice is valid only
// until the next call to Next; the strings stay valid.
func (r *Reader) Record() []string { return r.record }

// Line returns the current data record's number: 1 for the first record
// after the header (the first record of the file with NoHeader). Once Next
// has returned false on an error, it is the number of the record that
// failed.
func (r *Reader) Line() int64 { return r.line }

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
// where needed, in UTF-8, with "\r\n" inside quotes read as "\n". It is
// cut to MaxRaw bytes.
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
// *ParseError for a record that does not parse, or a read error of the
// file or its decoding. Line then numbers the record that failed.
func (r *Reader) Err() error { return r.err }

// fail records err as the error of data record r.line+1.
func (r *Reader) fail(err error) {
	r.line++
	r.err = r.readErr(err)
}

// readErr turns a *csv.ParseError into a *ParseError for data record
// r.line (0: the header) and wraps any other error as a read error.
func (r *Reader) readErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Record: r.line, StartLine: pe.StartLine, Line: pe.Line, Column: pe.Column, Err: pe.Err}
	}
	return fmt.Errorf("read: %w", err)
}
