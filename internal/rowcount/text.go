package rowcount

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ErrClosed is returned by a Write to a Text after Close.
var ErrClosed = errors.New("rowcount: write after close")

// Encoding is a text encoding as announced by a byte order mark.
type Encoding uint8

// The encodings DetectBOM tells apart.
const (
	// UTF8 is UTF-8, with or without a BOM. Without a BOM it also stands for
	// any encoding that is not recognised, which is passed through as is.
	UTF8 Encoding = iota
	// UTF16LE is UTF-16, little-endian (BOM FF FE), as written by Windows.
	UTF16LE
	// UTF16BE is UTF-16, big-endian (BOM FE FF).
	UTF16BE
)

// String returns "UTF-8", "UTF-16LE" or "UTF-16BE".
func (e Encoding) String() string {
	switch e {
	case UTF16LE:
		return "UTF-16LE"
	case UTF16BE:
		return "UTF-16BE"
	default:
		return "UTF-8"
	}
}

// decoder returns a transformer from e to UTF-8 that expects no BOM, or nil
// for UTF8.
func (e Encoding) decoder() transform.Transformer {
	switch e {
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	default:
		return nil
	}
}

// GuessLen is how many bytes GuessUTF16 looks at.
const GuessLen = 1024

// GuessUTF16 is the guess of UTF-16 without a byte order mark, from the
// first GuessLen bytes of a stream (or all of a shorter one) that has no
// BOM: text in UTF-16 that is mostly ASCII, as CSV is, has a NUL in every
// other byte. It reports UTF16LE when at least 8 bytes are looked at, no
// byte at an even offset is NUL and at least half the bytes at odd offsets
// are; UTF16BE the other way round; UTF8 (no guess) otherwise.
func GuessUTF16(prefix []byte) Encoding {
	prefix = prefix[:min(len(prefix), GuessLen)&^1]
	if len(prefix) < 8 {
		return UTF8
	}
	var even, odd int
	for i := 0; i < len(prefix); i += 2 {
		if prefix[i] == 0 {
			even++
		}
		if prefix[i+1] == 0 {
			odd++
		}
	}
	units := len(prefix) / 2
	switch {
	case even == 0 && 2*odd >= units:
		return UTF16LE
	case odd == 0 && 2*even >= units:
		return UTF16BE
	}
	return UTF8
}

// DetectBOM is the one BOM rule of siftload. It reports the encoding that a
// byte order mark at the start of prefix announces and the length of that
// BOM:
//
//	EF BB BF  UTF8, 3
//	FF FE     UTF16LE, 2
//	FE FF     UTF16BE, 2
//	other     UTF8, 0 (no BOM; the bytes are taken as they are)
//
// prefix should hold the first 3 bytes of the stream, or the whole stream
// when it is shorter; a prefix cut inside a BOM reports no BOM. UTF-16
// without a BOM is not recognised, and a UTF-32LE BOM (FF FE 00 00) reads as
// UTF-16LE.
func DetectBOM(prefix []byte) (enc Encoding, n int) {
	switch {
	case bytes.HasPrefix(prefix, []byte(bom)):
		return UTF8, len(bom)
	case len(prefix) >= 2 && prefix[0] == 0xff && prefix[1] == 0xfe:
		return UTF16LE, 2
	case len(prefix) >= 2 && prefix[0] == 0xfe && prefix[1] == 0xff:
		return UTF16BE, 2
	default:
		return UTF8, 0
	}
}

// Text is a writer that turns the text written to it into UTF-8 without a
// BOM and writes that to its destination: it drops a UTF-8 BOM, decodes
// UTF-16 that starts with a BOM or that GuessUTF16 guesses, and passes
// anything else through unchanged. The decision follows DetectBOM on the
// first bytes, then GuessUTF16 on the first GuessLen bytes, which may
// arrive in writes of any size. Make one with NewText.
//
// Callers must call Close once the input is complete and before they use
// what the destination received (such as a Counter's count): until then a
// short input may be held back whole, and UTF-16 decoding holds back a
// trailing odd byte or half surrogate pair. A Text is not safe for
// concurrent use.
type Text struct {
	dst     io.Writer
	out     io.Writer         // where the text goes; nil until the BOM is decided
	tw      *transform.Writer // the UTF-16 decoder, when out is one
	enc     Encoding
	guessed bool           // enc is GuessUTF16's
	head    [GuessLen]byte // the input's first bytes, while undecided
	n       int            // bytes in head
	closed  bool
}

// NewText returns a Text that writes UTF-8 to w. To count the records of a
// file in any of the encodings DetectBOM knows:
//
//	var c rowcount.Counter
//	tw := rowcount.NewText(&c)
//	_, err := io.Copy(io.MultiWriter(sha, tw), r)
//	if cerr := tw.Close(); err == nil {
//		err = cerr
//	}
//	rows := c.Rows(header)
func NewText(w io.Writer) *Text { return &Text{dst: w} }

// Write writes p to the destination, decoded as needed. The first bytes of
// the input may be held back until enough have arrived to decide on a BOM.
// Write returns ErrClosed after Close.
func (t *Text) Write(p []byte) (int, error) {
	if t.closed {
		return 0, ErrClosed
	}
	if t.out != nil {
		return t.out.Write(p)
	}
	k := copy(t.head[t.n:], p)
	t.n += k
	if t.n < GuessLen {
		return len(p), nil
	}
	// The head may hold bytes past the BOM; they go first, then the rest of p.
	if err := t.decide(); err != nil {
		return 0, err
	}
	m, err := t.out.Write(p[k:])
	return k + m, err
}

// decide picks the output for the bytes in head and writes those that
// follow the BOM.
func (t *Text) decide() error {
	enc, skip := DetectBOM(t.head[:t.n])
	if skip == 0 {
		enc = GuessUTF16(t.head[:t.n])
		t.guessed = enc != UTF8
	}
	t.enc = enc
	t.out = t.dst
	if d := enc.decoder(); d != nil {
		t.tw = transform.NewWriter(t.dst, d)
		t.out = t.tw
	}
	if skip == t.n {
		return nil
	}
	_, err := t.out.Write(t.head[skip:t.n])
	return err
}

// Close writes out whatever is held back: an input shorter than a BOM, or
// the end of a UTF-16 decoding. It does not close the destination. Close is
// idempotent.
func (t *Text) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	if t.out == nil {
		if err := t.decide(); err != nil {
			return err
		}
	}
	if t.tw != nil {
		return t.tw.Close()
	}
	return nil
}

// Encoding returns the encoding found at the start of the input. It is UTF8
// until the first GuessLen bytes have been written or the Text is closed.
func (t *Text) Encoding() Encoding { return t.enc }

// Guessed reports whether Encoding is GuessUTF16's guess, not a BOM's.
func (t *Text) Guessed() bool { return t.guessed }

// NewTextReader returns a reader of r's text as UTF-8 without a BOM: the
// reading twin of Text, for readers such as encoding/csv that need the
// decoded text rather than a count. It decides as Text does, on the first
// GuessLen bytes of r, which it reads on the first Read, not before; an
// error from r is returned as it is.
func NewTextReader(r io.Reader) io.Reader { return &textReader{src: r} }

type textReader struct {
	src io.Reader
	r   io.Reader // the decoded stream; nil until the BOM is decided
	err error     // a sticky error from reading the head
}

func (t *textReader) Read(p []byte) (int, error) {
	if t.r == nil {
		if t.err != nil {
			return 0, t.err
		}
		head := make([]byte, GuessLen)
		n, err := io.ReadFull(t.src, head)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF && n == 0 {
			t.err = err
			return 0, err
		}
		enc, skip := DetectBOM(head[:n])
		if skip == 0 {
			enc = GuessUTF16(head[:n])
		}
		t.r = bytes.NewReader(head[skip:n])
		switch err {
		case nil:
			t.r = io.MultiReader(t.r, t.src)
		case io.EOF, io.ErrUnexpectedEOF:
		default:
			// The bytes before the error, then the error.
			t.r = io.MultiReader(t.r, errReader{err})
		}
		if d := enc.decoder(); d != nil {
			t.r = transform.NewReader(t.r, d)
		}
	}
	return t.r.Read(p)
}

// UTF8Check is a writer that notes whether the bytes written to it are
// valid UTF-8, in writes split anywhere (a character cut between two
// writes is put together). Put it behind a Text, whose UTF-16 output is
// always valid, to check a file read as UTF-8. The zero value is ready to
// use; call Close at the end of the input, then Valid.
type UTF8Check struct {
	tail [utf8.UTFMax]byte // the start of a character cut at the end of the last write
	n    int
	bad  bool
}

// Write checks p. It always returns len(p), nil.
func (u *UTF8Check) Write(p []byte) (int, error) {
	n := len(p)
	if u.bad {
		return n, nil
	}
	if u.n > 0 {
		k := copy(u.tail[u.n:], p)
		buf := u.tail[:u.n+k]
		if !utf8.FullRune(buf) {
			u.n += k
			return n, nil
		}
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError && size <= 1 {
			u.bad = true
			return n, nil
		}
		p = p[size-u.n:]
		u.n = 0
	}
	// Hold back a character cut at the end.
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				u.n = copy(u.tail[:], p[i:])
				p = p[:i]
			}
			break
		}
	}
	if !utf8.Valid(p) {
		u.bad = true
	}
	return n, nil
}

// Close ends the input: a character still cut is invalid.
func (u *UTF8Check) Close() error {
	if u.n > 0 {
		u.bad = true
		u.n = 0
	}
	return nil
}

// Valid reports whether everything written so far is valid UTF-8.
func (u *UTF8Check) Valid() bool { return !u.bad }

// errReader returns its error on every Read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
