package rowcount

import (
	"bytes"
	"errors"
	"io"

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

// headLen is how many bytes DetectBOM needs to decide: the longest BOM.
const headLen = len(bom)

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

// undecided reports whether DetectBOM cannot yet decide on prefix, the start
// of a longer stream: prefix is shorter than a BOM and could grow into one.
func undecided(prefix []byte) bool {
	switch len(prefix) {
	case 0:
		return true
	case 1:
		return prefix[0] == bom[0] || prefix[0] == 0xff || prefix[0] == 0xfe
	case 2:
		return prefix[0] == bom[0] && prefix[1] == bom[1]
	default:
		return false
	}
}

// Text is a writer that turns the text written to it into UTF-8 without a
// BOM and writes that to its destination: it drops a UTF-8 BOM, decodes
// UTF-16 that starts with a BOM, and passes anything else through unchanged.
// The decision follows DetectBOM on the first bytes, which may arrive in
// writes of any size. Make one with NewText.
//
// Callers must call Close once the input is complete and before they use
// what the destination received (such as a Counter's count): until then a
// short input may be held back whole, and UTF-16 decoding holds back a
// trailing odd byte or half surrogate pair. A Text is not safe for
// concurrent use.
type Text struct {
	dst    io.Writer
	out    io.Writer         // where the text goes; nil until the BOM is decided
	tw     *transform.Writer // the UTF-16 decoder, when out is one
	enc    Encoding
	head   [headLen]byte // the input's first bytes, while undecided
	n      int           // bytes in head
	closed bool
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
	if undecided(t.head[:t.n]) {
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
// until the first 3 bytes have been written or the Text is closed.
func (t *Text) Encoding() Encoding { return t.enc }

// NewTextReader returns a reader of r's text as UTF-8 without a BOM: the
// reading twin of Text, for readers such as encoding/csv that need the
// decoded text rather than a count. It reads the first 3 bytes of r on the
// first Read, not before, and an error from r is returned as it is.
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
		var head [headLen]byte
		n, err := io.ReadFull(t.src, head[:])
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			t.err = err
			return 0, err
		}
		enc, skip := DetectBOM(head[:n])
		t.r = bytes.NewReader(head[skip:n])
		if err == nil {
			t.r = io.MultiReader(t.r, t.src)
		}
		if d := enc.decoder(); d != nil {
			t.r = transform.NewReader(t.r, d)
		}
	}
	return t.r.Read(p)
}
