package rowcount

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/unicode"
)

// utf16 returns s encoded as UTF-16 with a BOM.
func utf16(tb testing.TB, e unicode.Endianness, s string) string {
	tb.Helper()
	b, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatalf("encode %q as UTF-16: %v", s, err)
	}
	return string(b)
}

func TestDetectBOM(t *testing.T) {
	tests := []struct {
		Name    string
		Input   string
		WantEnc Encoding
		WantN   int
	}{
		{Name: "Empty", Input: "", WantEnc: UTF8},
		{Name: "Plain", Input: "a,b", WantEnc: UTF8},
		{Name: "UTF8", Input: "\xef\xbb\xbfa", WantEnc: UTF8, WantN: 3},
		{Name: "UTF8Exact", Input: "\xef\xbb\xbf", WantEnc: UTF8, WantN: 3},
		{Name: "UTF8Short", Input: "\xef\xbb", WantEnc: UTF8},
		{Name: "UTF16LE", Input: "\xff\xfea\x00", WantEnc: UTF16LE, WantN: 2},
		{Name: "UTF16LEExact", Input: "\xff\xfe", WantEnc: UTF16LE, WantN: 2},
		{Name: "UTF16BE", Input: "\xfe\xff\x00a", WantEnc: UTF16BE, WantN: 2},
		{Name: "UTF16Short", Input: "\xff", WantEnc: UTF8},
		{Name: "UTF16Swapped", Input: "\xff\xff", WantEnc: UTF8},
		{Name: "UTF16NoBOM", Input: "a\x00,\x00", WantEnc: UTF8},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			enc, n := DetectBOM([]byte(tt.Input))
			if enc != tt.WantEnc || n != tt.WantN {
				t.Errorf("DetectBOM(%q) = %v, %d, want %v, %d", tt.Input, enc, n, tt.WantEnc, tt.WantN)
			}
		})
	}
}

type textTest struct {
	Name    string
	Input   string
	Want    string // UTF-8 text passed on
	WantEnc Encoding
}

func textTests(tb testing.TB) []textTest {
	le := func(s string) string { return utf16(tb, unicode.LittleEndian, s) }
	be := func(s string) string { return utf16(tb, unicode.BigEndian, s) }
	return []textTest{
		{Name: "Empty", Input: "", Want: ""},
		{Name: "Plain", Input: "a,b\r\n1,2", Want: "a,b\r\n1,2"},
		{Name: "OneByte", Input: "a", Want: "a"},
		{Name: "Latin1", Input: "caf\xe9\n", Want: "caf\xe9\n"},
		{Name: "UTF8BOM", Input: "\xef\xbb\xbfa,b\n", Want: "a,b\n"},
		{Name: "UTF8BOMOnly", Input: "\xef\xbb\xbf", Want: ""},
		{Name: "UTF8PartialBOM", Input: "\xef\xbb", Want: "\xef\xbb"},
		{Name: "UTF8PartialBOMThenText", Input: "\xef\xbbx\n", Want: "\xef\xbbx\n"},
		{Name: "LoneFF", Input: "\xff", Want: "\xff"},
		{Name: "LoneFE", Input: "\xfe", Want: "\xfe"},
		{Name: "NotUTF16", Input: "\xff\x00a", Want: "\xff\x00a"},
		{Name: "UTF16LE", Input: le("a,b\r\n1,2"), Want: "a,b\r\n1,2", WantEnc: UTF16LE},
		{Name: "UTF16BE", Input: be("a,b\r\n1,2"), Want: "a,b\r\n1,2", WantEnc: UTF16BE},
		{Name: "UTF16LEBOMOnly", Input: "\xff\xfe", Want: "", WantEnc: UTF16LE},
		{Name: "UTF16BEBOMOnly", Input: "\xfe\xff", Want: "", WantEnc: UTF16BE},
		{Name: "UTF16LENonASCII", Input: le("naïve;\"x\ny\";€𝄞\n"), Want: "naïve;\"x\ny\";€𝄞\n", WantEnc: UTF16LE},
		{Name: "UTF16BENonASCII", Input: be("naïve;\"x\ny\";€𝄞\n"), Want: "naïve;\"x\ny\";€𝄞\n", WantEnc: UTF16BE},
		{Name: "UTF16LEOddByte", Input: le("a\n") + "b", Want: "a\n\ufffd", WantEnc: UTF16LE},
		{Name: "UTF16LEOneByte", Input: "\xff\xfea", Want: "\ufffd", WantEnc: UTF16LE},
		{Name: "UTF16LEBOMTwice", Input: le("\ufeffa"), Want: "\ufeffa", WantEnc: UTF16LE},
	}
}

// writeText writes in through a Text in chunks of size bytes (all at
// once when size <= 0), closes it and returns what it passed on.
func writeText(tb testing.TB, in []byte, size int) (string, Encoding) {
	tb.Helper()
	var out bytes.Buffer
	tw := NewText(&out)
	if size <= 0 {
		size = len(in) + 1
	}
	for len(in) > 0 {
		n := min(size, len(in))
		if m, err := tw.Write(in[:n]); m != n || err != nil {
			tb.Fatalf("Write(%q) = %d, %v, want %d, nil", in[:n], m, err, n)
		}
		in = in[n:]
	}
	if err := tw.Close(); err != nil {
		tb.Fatalf("Close() = %v", err)
	}
	return out.String(), tw.Encoding()
}

func TestText(t *testing.T) {
	for _, tt := range textTests(t) {
		t.Run(tt.Name, func(t *testing.T) {
			in := []byte(tt.Input)
			for _, size := range []int{0, 1, 2, 3} {
				got, enc := writeText(t, in, size)
				if got != tt.Want || enc != tt.WantEnc {
					t.Errorf("in %d-byte writes: got %q (%v), want %q (%v)", size, got, enc, tt.Want, tt.WantEnc)
				}
			}
			for i := 0; i <= len(in); i++ {
				var out bytes.Buffer
				tw := NewText(&out)
				tw.Write(in[:i])
				tw.Write(in[i:])
				tw.Close()
				if got := out.String(); got != tt.Want {
					t.Errorf("split at %d: got %q, want %q", i, got, tt.Want)
				}
			}
		})
	}
}

func TestTextReader(t *testing.T) {
	readers := []struct {
		Name string
		Wrap func(io.Reader) io.Reader
	}{
		{"Plain", func(r io.Reader) io.Reader { return r }},
		{"OneByte", iotest.OneByteReader},
		{"Half", iotest.HalfReader},
		{"DataErr", iotest.DataErrReader},
	}
	for _, tt := range textTests(t) {
		t.Run(tt.Name, func(t *testing.T) {
			for _, rd := range readers {
				b, err := io.ReadAll(NewTextReader(rd.Wrap(bytes.NewReader([]byte(tt.Input)))))
				if got := string(b); got != tt.Want || err != nil {
					t.Errorf("%s reader: got %q, %v, want %q, nil", rd.Name, got, err, tt.Want)
				}
			}
		})
	}
}

func TestTextReaderError(t *testing.T) {
	errBoom := errors.New("boom")
	r := NewTextReader(iotest.ErrReader(errBoom))
	for range 2 {
		if _, err := r.Read(make([]byte, 8)); !errors.Is(err, errBoom) {
			t.Errorf("Read() error = %v, want %v", err, errBoom)
		}
	}
	r = NewTextReader(io.MultiReader(bytes.NewReader([]byte("\xff\xfea\x00")), iotest.ErrReader(errBoom)))
	if b, err := io.ReadAll(r); string(b) != "a" || !errors.Is(err, errBoom) {
		t.Errorf("ReadAll() = %q, %v, want %q, %v", b, err, "a", errBoom)
	}
}

// errWriter fails every Write.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestTextErrors(t *testing.T) {
	errBoom := errors.New("boom")
	tw := NewText(errWriter{errBoom})
	if _, err := tw.Write([]byte("\xef")); err != nil {
		t.Errorf("Write of a held-back head = %v, want nil", err)
	}
	if _, err := tw.Write(bytes.Repeat([]byte("c"), GuessLen)); !errors.Is(err, errBoom) {
		t.Errorf("Write() past GuessLen = %v, want %v", err, errBoom)
	}
	if err := tw.Close(); err != nil {
		t.Errorf("Close() = %v, want nil (nothing held back)", err)
	}
	if _, err := tw.Write([]byte("d")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want %v", err, ErrClosed)
	}
	tw = NewText(errWriter{errBoom})
	tw.Write([]byte("\xef\xbb"))
	if err := tw.Close(); !errors.Is(err, errBoom) {
		t.Errorf("Close() of a short input = %v, want %v", err, errBoom)
	}
}

// TestCountUTF16 is the case from the issue: "a,b\r\n1,2" in UTF-16LE with a
// BOM has one data row under its header.
func TestCountUTF16(t *testing.T) {
	for _, e := range []unicode.Endianness{unicode.LittleEndian, unicode.BigEndian} {
		in := utf16(t, e, "a,b\r\n1,2")
		var c Counter
		tw := NewText(&c)
		for i := range len(in) {
			tw.Write([]byte{in[i]})
		}
		if err := tw.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		if got := c.Rows(true); got != 1 {
			t.Errorf("%v: Rows(true) = %d, want 1", tw.Encoding(), got)
		}
	}
}

func ExampleText() {
	// "a,b\r\n1,2" in UTF-16LE with a BOM, as Excel and PowerShell write it.
	in := "\xff\xfea\x00,\x00b\x00\r\x00\n\x001\x00,\x002\x00"

	var c Counter
	tw := NewText(&c)
	io.Copy(tw, bytes.NewReader([]byte(in)))
	if err := tw.Close(); err != nil { // Close before reading the count
		fmt.Println(err)
		return
	}
	fmt.Println(tw.Encoding(), c.Records(), c.Rows(true))
	// Output: UTF-16LE 2 1
}
