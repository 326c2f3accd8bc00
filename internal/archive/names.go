package archive

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
)

// ParseNameEncoding returns the character encoding named name (an IANA
// name or alias, a WHATWG label, or a Windows code page as cpNNN: "cp866",
// "cp932", "shift_jis", "cp1252", "koi8-r"), for Walker.NameEncoding.
// "" returns nil, the default. "utf-8" returns encoding.Nop: names must be
// UTF-8.
func ParseNameEncoding(name string) (encoding.Encoding, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "":
		return nil, nil
	case "utf-8", "utf8":
		return encoding.Nop, nil
	case "cp437", "ibm437", "437":
		return charmap.CodePage437, nil
	case "shift_jis", "cp932", "ms932", "windows-31j", "sjis":
		return japanese.ShiftJIS, nil
	case "cp949", "euc-kr":
		return korean.EUCKR, nil
	}
	if e, err := ianaindex.IANA.Encoding(n); err == nil && e != nil {
		return e, nil
	}
	if e, err := htmlindex.Get(n); err == nil && e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("unknown name encoding %q (use an IANA name or a code page such as cp437, cp866, cp932, cp1252)", name)
}

// errNameNotUTF8 is the reason of the problem reported for a member whose
// name is not valid UTF-8 and that no setting decodes.
var errNameNotUTF8 = errors.New("member name is not valid UTF-8")

// Zip name decoding: general purpose bit 11 says the name is UTF-8.
const (
	zipFlagUTF8        = 0x800
	zipUnicodePathID   = 0x7075 // Info-ZIP Unicode Path extra field
	zipHostUnix        = 3
	zipHostDarwin      = 19
	zipFlagDescriptor  = 0x8
	zipDescriptorSig   = 0x08074b50
	zipDescriptorBytes = 16
)

// zipName returns the name of a zip member as UTF-8 (see the package
// comment, "Member names"): raw is the name as stored, flags the general
// purpose flags, creator the "version made by" field and extra the
// central directory's extra fields. ok is false when the name is not
// UTF-8 although the archive says it is; the name is then made valid.
func zipName(raw string, flags, creator uint16, extra []byte, enc encoding.Encoding) (name string, ok bool) {
	if flags&zipFlagUTF8 != 0 {
		return validName(raw)
	}
	if u, found := unicodePath(raw, extra); found {
		return validName(u)
	}
	if isASCII(raw) {
		return raw, true
	}
	if host := creator >> 8; (host == zipHostUnix || host == zipHostDarwin) && utf8.ValidString(raw) {
		// Info-ZIP and macOS write UTF-8 names without the flag.
		return raw, true
	}
	if enc == nil {
		enc = charmap.CodePage437
	}
	return decodeName(raw, enc)
}

// unicodePath returns the name in the Info-ZIP Unicode Path extra field
// (0x7075, version 1) of extra when the field's CRC-32 of the raw name
// matches raw (else the field belongs to an older name and is ignored).
func unicodePath(raw string, extra []byte) (string, bool) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if n > len(extra)-4 {
			return "", false
		}
		field := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != zipUnicodePathID || len(field) < 5 || field[0] != 1 {
			continue
		}
		if binary.LittleEndian.Uint32(field[1:]) != crc32.ChecksumIEEE([]byte(raw)) {
			continue
		}
		return string(field[5:]), true
	}
	return "", false
}

// tarName returns the name of a tar member as UTF-8: as it is when it is
// valid UTF-8 (POSIX pax names are, and so are those of tars made in a
// UTF-8 locale), else decoded by enc. Without enc such a name is not ok.
func tarName(raw string, enc encoding.Encoding) (string, bool) {
	if utf8.ValidString(raw) {
		return raw, true
	}
	if enc == nil {
		return validName(raw)
	}
	return decodeName(raw, enc)
}

// decodeName decodes raw with enc; the result is always valid UTF-8.
func decodeName(raw string, enc encoding.Encoding) (string, bool) {
	if enc == encoding.Nop {
		return validName(raw)
	}
	s, err := enc.NewDecoder().String(raw)
	if err != nil {
		return validName(raw)
	}
	return validName(s)
}

// validName returns s with every invalid UTF-8 sequence replaced by
// U+FFFD, and whether s was valid.
func validName(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, true
	}
	return strings.ToValidUTF8(s, "\uFFFD"), false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
