package rowcount

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// utf16NoBOM returns s encoded as UTF-16 without a BOM.
func utf16NoBOM(tb testing.TB, e unicode.Endianness, s string) string {
	tb.Helper()
	b, err := unicode.UTF16(e, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestGuessUTF16(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Want  Encoding
	}{
		{Name: "Empty", Input: "", Want: UTF8},
		{Name: "ASCII", Input: "a,b\r\n1,2\r\n", Want: UTF8},
		{Name: "LE", Input: utf16NoBOM(t, unicode.LittleEndian, "a,b\r\n1,2\r\n"), Want: UTF16LE},
		{Name: "BE", Input: utf16NoBOM(t, unicode.BigEndian, "a,b\r\n1,2\r\n"), Want: UTF16BE},
		{Name: "TooShort", Input: utf16NoBOM(t, unicode.LittleEndian, "a,b"), Want: UTF8},
		{Name: "LENonASCII", Input: utf16NoBOM(t, unicode.LittleEndian, "été,€\r\n1,2\r\n"), Want: UTF16LE},
		{Name: "NULsBoth", Input: "a\x00\x00b,\x00\x00c\n\x00", Want: UTF8},
		{Name: "FewNULs", Input: "abcdef\x00gh\n12345678\n", Want: UTF8},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := GuessUTF16([]byte(tt.Input)); got != tt.Want {
				t.Errorf("GuessUTF16(%q) = %v, want %v", tt.Input, got, tt.Want)
			}
		})
	}
}

// TestTextGuess checks that a Text and a text reader decode BOM-less
// UTF-16 alike, and that the Text says it guessed.
func TestTextGuess(t *testing.T) {
	text := strings.Repeat("id,name\r\n1,été\r\n", 100)
	in := utf16NoBOM(t, unicode.LittleEndian, text)
	for _, size := range []int{1, 7, 4096} {
		var out bytes.Buffer
		tw := NewText(&out)
		for p := []byte(in); len(p) > 0; {
			n := min(size, len(p))
			tw.Write(p[:n])
			p = p[n:]
		}
		tw.Close()
		if out.String() != text || tw.Encoding() != UTF16LE || !tw.Guessed() {
			t.Errorf("%d-byte writes: got %d bytes, %v, guessed %t; want the text, UTF-16LE, true", size, out.Len(), tw.Encoding(), tw.Guessed())
		}
	}
	b, err := io.ReadAll(NewTextReader(strings.NewReader(in)))
	if err != nil || string(b) != text {
		t.Errorf("NewTextReader: %d bytes, %v; want the text", len(b), err)
	}
}

func TestUTF8Check(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Want  bool
	}{
		{Name: "Empty", Input: "", Want: true},
		{Name: "ASCII", Input: "a,b\n", Want: true},
		{Name: "Multibyte", Input: "été,€,𝄞\n", Want: true},
		{Name: "Latin1", Input: "caf\xe9\n", Want: false},
		{Name: "CutAtEnd", Input: "ab\xe2\x82", Want: false},
		{Name: "BadContinuation", Input: "a\xe2\x28\xa1", Want: false},
		{Name: "Overlong", Input: "\xc0\xaf", Want: false},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			for size := 1; size <= len(tt.Input)+1; size++ {
				var u UTF8Check
				for p := []byte(tt.Input); len(p) > 0; {
					n := min(size, len(p))
					u.Write(p[:n])
					p = p[n:]
				}
				u.Close()
				if u.Valid() != tt.Want {
					t.Errorf("%d-byte writes: Valid() = %t, want %t", size, u.Valid(), tt.Want)
				}
			}
		})
	}
}
