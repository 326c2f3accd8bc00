package record

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/siftload/siftload/internal/rowcount"
)

// ErrUnknownEncoding is returned (wrapped) for an encoding name Decode does
// not know.
var ErrUnknownEncoding = errors.New("record: unknown encoding")

// knownEncodings is the short list an unknown-encoding error gives.
const knownEncodings = "auto, utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1, iso-8859-15, " +
	"windows-1250, windows-1251, koi8-r, shift_jis, euc-jp, gbk, gb18030, big5, euc-kr, ..."

// Decode returns a reader of r's text as UTF-8.
//
// With encoding "", "auto" or "utf-8" (any case) the text is UTF-8, with or
// without a byte order mark, or UTF-16 (little or big endian) when it
// starts with a UTF-16 byte order mark. Any other name is a character set
// known to the WHATWG Encoding Standard (golang.org/x/text htmlindex:
// "windows-1252", "shift_jis", "gbk", ...; as there, "iso-8859-1" and
// "latin1" mean windows-1252) or, failing that, to IANA. A byte order mark
// always wins over the name: a file that starts with one is decoded
// accordingly. The mark itself is never part of the text.
//
// UTF-8 text is passed through without validation; invalid sequences
// surface later (schema's Converter rejects them). Bytes invalid in a
// named charset or in UTF-16 become U+FFFD.
//
// Decode does not read r itself: a read error of r comes from the returned
// reader. The reader may read ahead of what it has given; it does not
// close r.
func Decode(r io.Reader, encoding string) (io.Reader, error) {
	if isAuto(encoding) {
		// One BOM rule for the whole tool: the record counter's.
		return rowcount.NewTextReader(r), nil
	}
	enc, err := lookupEncoding(encoding)
	if err != nil {
		return nil, err
	}
	return transform.NewReader(r, unicode.BOMOverride(enc.NewDecoder())), nil
}

// CheckEncoding returns nil when Decode knows encoding, else the error
// Decode would return (wrapping ErrUnknownEncoding), so that a bad
// --encoding fails before any file is read.
func CheckEncoding(encoding string) error {
	if isAuto(encoding) {
		return nil
	}
	_, err := lookupEncoding(encoding)
	return err
}

// isAuto reports whether encoding means UTF-8 or a byte order mark.
func isAuto(encoding string) bool {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "auto", "utf-8", "utf8":
		return true
	}
	return false
}

// lookupEncoding finds a charset by its WHATWG label, then its IANA name.
func lookupEncoding(name string) (encoding.Encoding, error) {
	enc, err := htmlindex.Get(name)
	if err != nil {
		enc, err = ianaindex.IANA.Encoding(name)
	}
	// WHATWG maps ISO-2022-KR and friends to "replacement", which decodes
	// any input to one U+FFFD: useless for loading data.
	if err != nil || enc == nil || enc == encoding.Replacement {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownEncoding, name, knownEncodings)
	}
	return enc, nil
}
