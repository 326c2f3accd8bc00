package rowcount

// LineEnding is how a file's records end, decided by the first record
// terminator outside quotes (see the package documentation).
type LineEnding uint8

// The line endings of a file.
const (
	// Undecided: no record terminator outside quotes yet.
	Undecided LineEnding = iota
	// LF: records end at "\n" or "\r\n"; a lone "\r" is data.
	LF
	// CR: records end at "\r", "\n" or "\r\n" (classic Mac files).
	CR
)

// String returns "undecided", "LF" or "CR".
func (e LineEnding) String() string {
	switch e {
	case LF:
		return "LF"
	case CR:
		return "CR"
	default:
		return "undecided"
	}
}

// lineState says what the current line holds so far, outside quotes.
type lineState uint8

const (
	lineEmpty lineState = iota // nothing yet
	lineCR                     // a single "\r": still blank if "\n" or the end follows
	lineText                   // anything else: the line is a record
)

// state is what the dialect's state machine knows between two bytes of
// input. step is the machine written a byte at a time, the reference that
// the 64-byte block path must agree with.
type state struct {
	records int64      // records ended so far
	line    lineState  // the current line, if outside quotes
	mode    LineEnding // the file's line ending, once decided
	quoted  bool       // inside a quoted field
	start   bool       // outside quotes, and the next byte starts a field
	closed  bool       // the previous byte closed a quoted field
	prevCR  bool       // the previous byte is a "\r" outside quotes
	pendCR  bool       // mode undecided and the previous byte is a "\r" outside quotes
	sawLF   bool       // a record or blank line ended in "\n" (LF mode) or "\n" appeared (CR mode)
	sawCRLF bool       // a line ended in "\r\n" (LF mode)

	delims int64 // delimiters outside quotes in the current line
	size   int64 // bytes of the current line so far, its terminator included

	header    int64 // fields of the first record
	badFields int64 // records after the first with another field count
	firstBad  int64 // the first of them (record number, 1-based)
	tooLong   int64 // the first record longer than the limit (record number), 0: none
}

// initial is the state at the start of the input.
var initial = state{start: true}

// step advances s by one byte c, with delimiter d and record limit max (0:
// none).
func (s *state) step(c, d byte, max int64) {
	s.size++
	if s.quoted {
		if c == '"' {
			s.quoted, s.closed = false, true
		}
		s.prevCR = false
		return
	}
	if s.pendCR {
		// The first terminator was "\r": "\r\n" makes the file LF, anything
		// else CR, and then the "\r" ended the line.
		s.pendCR = false
		if c == '\n' {
			s.mode = LF
			s.sawCRLF = true
			s.endLine(max)
			return
		}
		s.mode = CR
		s.size--
		s.endLine(max)
		s.size++
	}
	closed := s.closed
	s.closed = false
	switch c {
	case '"':
		s.prevCR = false
		if s.start || closed {
			// Opens a quoted field, or after a closing quote is half of "".
			s.quoted, s.start, s.line = true, false, lineText
			return
		}
	case d:
		s.delims++
		s.line, s.start, s.prevCR = lineText, true, false
		return
	case '\n':
		switch s.mode {
		case Undecided:
			s.mode = LF
			s.sawLF = true
		case LF:
			if s.prevCR {
				s.sawCRLF = true
			} else {
				s.sawLF = true
			}
		case CR:
			s.sawLF = true
		}
		s.endLine(max)
		return
	case '\r':
		switch s.mode {
		case CR:
			s.endLine(max)
			return
		case Undecided:
			s.pendCR = true
		}
		// LF mode: data, or the first half of "\r\n".
		if s.line == lineEmpty {
			s.line = lineCR
		} else {
			s.line = lineText
		}
		s.start, s.prevCR = false, true
		return
	}
	s.line, s.start, s.prevCR = lineText, false, false
}

// endLine ends the current line at a terminator (or the end of the input).
func (s *state) endLine(max int64) {
	if s.line == lineText {
		s.records++
		fields := s.delims + 1
		if s.records == 1 {
			s.header = fields
		} else if fields != s.header {
			s.badFields++
			if s.firstBad == 0 {
				s.firstBad = s.records
			}
		}
		if max > 0 && s.size > max && s.tooLong == 0 {
			s.tooLong = s.records
		}
	}
	s.line, s.delims, s.size, s.start, s.prevCR = lineEmpty, 0, 0, true, false
}

// end is the state at the end of the input: a last line without a
// terminator ends there.
func (s state) end(max int64) state {
	if s.quoted {
		return s // unclosed: the open record is counted by Records
	}
	if s.pendCR {
		s.pendCR = false
		s.mode = CR
	}
	s.endLine(max)
	return s
}
