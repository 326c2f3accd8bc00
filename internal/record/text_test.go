package record

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16Bytes encodes s as UTF-16 in the given byte order, with a byte
// order mark when bom.
func utf16Bytes(tb testing.TB, s string, bo binary.AppendByteOrder, bom bool) string {
	tb.Helper()
	var b []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		b = bo.AppendUint16(b, u)
	}
	return string(b)
}

func TestDecode(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	tests := []struct {
		Name     string
		Input    string
		Encoding string
		Want     string
		WantErr  string
	}{
		{Name: "Empty", Input: "", Want: ""},
		{Name: "Short", Input: "a", Want: "a"},
		{Name: "UTF8", Input: "a,é\n", Want: "a,é\n"},
		{Name: "UTF8Named", Input: "a,é\n", Encoding: "UTF-8", Want: "a,é\n"},
		{Name: "UTF8BOM", Input: "\xEF\xBB\xBFa,é\n", Want: "a,é\n"},
		{Name: "UTF8BOMOnly", Input: "\xEF\xBB\xBF", Want: ""},
		{Name: "UTF8BOMAuto", Input: "\xEF\xBB\xBFa\n", Encoding: "auto", Want: "a\n"},
		{Name: "UTF8BOMNamed", Input: "\xEF\xBB\xBFa\n", Encoding: "utf8", Want: "a\n"},
		{Name: "UTF8BOMOnce", Input: "\xEF\xBB\xBF\xEF\xBB\xBFa", Want: "\uFEFFa"},
		{Name: "UTF8Invalid", Input: "caf\xe9\n", Want: "caf\xe9\n"},
		{Name: "UTF16LE", Input: utf16Bytes(t, "a;é\r\n1;€𝄞\r\n", le, true), Want: "a;é\r\n1;€𝄞\r\n"},
		{Name: "UTF16BE", Input: utf16Bytes(t, "a;é\n1;€𝄞\n", be, true), Want: "a;é\n1;€𝄞\n"},
		{Name: "UTF16LENamed", Input: utf16Bytes(t, "a,é\n", le, false), Encoding: "utf-16le", Want: "a,é\n"},
		{Name: "UTF16BENamed", Input: utf16Bytes(t, "a,é\n", be, false), Encoding: "UTF-16BE", Want: "a,é\n"},
		{Name: "UTF16LENamedBOM", Input: utf16Bytes(t, "a,é\n", le, true), Encoding: "utf-16le", Want: "a,é\n"},
		{Name: "Windows1252", Input: "caf\xe9;\x80\n", Encoding: "windows-1252", Want: "café;€\n"},
		{Name: "Latin1", Input: "caf\xe9\n", Encoding: "ISO-8859-1", Want: "café\n"},
		{Name: "Latin9", Input: "\xa4\n", Encoding: "iso-8859-15", Want: "€\n"},
		{Name: "ShiftJIS", Input: "\x93\xfa\x96\x7b\n", Encoding: "shift_jis", Want: "日本\n"},
		{Name: "IANAOnly", Input: "\xe9\n", Encoding: "IBM850", Want: "Ú\n"},
		{Name: "BOMWinsOverAuto", Input: utf16Bytes(t, "x", be, true), Encoding: "", Want: "x"},
		{Name: "UTF8BOMWinsOverName", Input: "\xEF\xBB\xBFcafé\n", Encoding: "windows-1252", Want: "café\n"},
		{Name: "UTF16BOMWinsOverName", Input: utf16Bytes(t, "café\n", le, true), Encoding: "windows-1252", Want: "café\n"},
		{Name: "Unknown", Input: "a", Encoding: "klingon", WantErr: `record: unknown encoding "klingon" (known: auto, utf-8, utf-16le`},
		{Name: "IANAUnsupported", Input: "a", Encoding: "UTF-7", WantErr: `record: unknown encoding "UTF-7"`},
		{Name: "Replacement", Input: "a", Encoding: "iso-2022-kr", WantErr: `record: unknown encoding "iso-2022-kr"`},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := Decode(strings.NewReader(tt.Input), tt.Encoding)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) || !errors.Is(err, ErrUnknownEncoding) {
					t.Fatalf("Decode error = %v, want %s...", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: unexpected error %v", err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if string(got) != tt.Want {
				t.Errorf("Decode(%q, %q):\ngot  %q\nwant %q", tt.Input, tt.Encoding, got, tt.Want)
			}
		})
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("boom")
	for _, enc := range []string{"", "windows-1252"} {
		r, err := Decode(errReader{boom}, enc)
		if err != nil {
			t.Fatalf("Decode(%q): %v", enc, err)
		}
		if _, err := io.ReadAll(r); !errors.Is(err, boom) {
			t.Errorf("Decode(%q): read error = %v, want %v", enc, err, boom)
		}
	}
}

func TestCheckEncoding(t *testing.T) {
	for _, name := range []string{"", "auto", "AUTO", "utf-8", "UTF8", " windows-1252 ", "latin1", "shift_jis", "utf-16le", "IBM850"} {
		if err := CheckEncoding(name); err != nil {
			t.Errorf("CheckEncoding(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"klingon", "UTF-7", "replacement", "utf-32"} {
		if err := CheckEncoding(name); !errors.Is(err, ErrUnknownEncoding) {
			t.Errorf("CheckEncoding(%q) = %v, want ErrUnknownEncoding", name, err)
		}
	}
}
