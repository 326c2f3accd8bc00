package rowcount

import (
	"bytes"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

var countTests = []struct {
	Name  string
	Input string
	Want  int64 // records
}{{
	Name: "Empty",
}, {
	Name:  "LF",
	Input: "a,b\n1,2\n",
	Want:  2,
}, {
	Name:  "CRLF",
	Input: "a,b\r\n1,2\r\n",
	Want:  2,
}, {
	Name:  "Mixed",
	Input: "a,b\r\n1,2\n3,4\r\n5,6\n",
	Want:  4,
}, {
	Name:  "NoTrailingNewline",
	Input: "a,b\n1,2",
	Want:  2,
}, {
	Name:  "NoTrailingNewlineCR",
	Input: "a,b\r\n1,2\r",
	Want:  2,
}, {
	Name:  "HeaderOnly",
	Input: "a,b\n",
	Want:  1,
}, {
	Name:  "HeaderOnlyNoNewline",
	Input: "a,b",
	Want:  1,
}, {
	Name:  "BlankLines",
	Input: "\n\na,b\n\n1,2\n\n",
	Want:  2,
}, {
	Name:  "BlankLinesCRLF",
	Input: "\r\n\r\na,b\r\n\r\n1,2\r\n\r\n",
	Want:  2,
}, {
	Name:  "OnlyNewlines",
	Input: "\n\r\n\n\r\n",
}, {
	Name:  "LoneCR",
	Input: "\r",
}, {
	Name:  "TrailingCR",
	Input: "a\n\r",
	Want:  1,
}, {
	Name:  "TwoCRs", // the line holds one field, "\r"
	Input: "\r\r\n",
	Want:  1,
}, {
	Name:  "TwoCRsAtEnd",
	Input: "\r\r",
	Want:  1,
}, {
	Name:  "BareCR", // a bare \r is data, not a line end
	Input: "a,b\r1,2\r3,4",
	Want:  1,
}, {
	Name:  "Spaces", // a line of spaces is a record of one field
	Input: "a\n \n",
	Want:  2,
}, {
	Name:  "QuotedNewline",
	Input: "a,b\n\"x\ny\",2\n",
	Want:  2,
}, {
	Name:  "QuotedCRLF",
	Input: "a,b\r\n\"x\r\ny\",2\r\n3,4",
	Want:  3,
}, {
	Name:  "QuotedBlankLines",
	Input: "\"\n\n\r\n\n\"\n",
	Want:  1,
}, {
	Name:  "QuotedComma",
	Input: "\"a,b\",c\n\"d\",\"e,f\"\n",
	Want:  2,
}, {
	Name:  "QuotedLastNoNewline",
	Input: "a\n\"b\nc\"",
	Want:  2,
}, {
	Name:  "EscapedQuotes",
	Input: "\"a \"\"quoted\"\" word\",2\n\"\"\"\",\"\"\n",
	Want:  2,
}, {
	Name:  "EscapedQuoteBeforeNewline", // `"a""` then a newline inside the field
	Input: "\"a\"\"\nb\"\nc\n",
	Want:  2,
}, {
	Name:  "EmptyQuoted", // `""` alone is a record of one empty field
	Input: "\"\"\n\"\"\r\n",
	Want:  2,
}, {
	Name:  "Semicolon",
	Input: "a;b\n\"x;\ny\";2\n\"3\"\"\";4\n",
	Want:  3,
}, {
	Name:  "Tab",
	Input: "a\tb\n\"x\t\ny\"\t2\n",
	Want:  2,
}, {
	Name:  "Pipe",
	Input: "a|b\r\n\"x|\r\ny\"|2\r\n",
	Want:  2,
}, {
	Name:  "BOM",
	Input: "\xef\xbb\xbfa,b\n1,2\n",
	Want:  2,
}, {
	Name:  "BOMOnly",
	Input: "\xef\xbb\xbf",
}, {
	Name:  "BOMThenBlankLines",
	Input: "\xef\xbb\xbf\r\n\n",
}, {
	Name:  "BOMQuoted",
	Input: "\xef\xbb\xbf\"a\nb\",c\n",
	Want:  1,
}, {
	Name:  "PartialBOM", // not a BOM: two bytes of text
	Input: "\xef\xbb",
	Want:  1,
}, {
	Name:  "PartialBOMNewline",
	Input: "\xef\n\n",
	Want:  1,
}, {
	Name:  "PartialBOMQuote",
	Input: "\xef\xbb\"\n\"\n",
	Want:  1,
}, {
	Name:  "BOMNotAtStart", // only the first BOM is special
	Input: "a\n\xef\xbb\xbf\n",
	Want:  2,
}, {
	Name:  "DoubleBOM",
	Input: "\xef\xbb\xbf\xef\xbb\xbf\n",
	Want:  1,
}, {
	Name:  "UnterminatedQuote", // the open record counts once
	Input: "a\n\"b\n\nc\n",
	Want:  2,
}, {
	Name:  "BareQuote", // invalid for encoding/csv; every quote toggles
	Input: "a\"b\nc\"d\ne\n",
	Want:  2,
}, {
	Name:  "LongLines",
	Input: strings.Repeat("x", 70000) + "\n\"" + strings.Repeat("y\n", 40000) + "\"\n",
	Want:  2,
}, {
	Name:  "DenseQuotes", // more than a block of close quotes, blank lines between
	Input: strings.Repeat("\"a\",\"b\"\"c\",\"\"\r\n\r\n\"d\ne\",\"\"\"\"\n\n\r\n", 9) + "\"\r\n\"\r",
	Want:  19,
}, {
	Name:  "DenseShortLines",
	Input: strings.Repeat("\"1\"\n\r\n2\n\n\r\"\"\r\n", 12),
	Want:  36,
}, {
	Name:  "ShortLinesNoQuotes", // more than a few blocks of short lines
	Input: strings.Repeat("1\n\r\n22\r\n\n\r\r\n", 40) + "3",
	Want:  121,
}}

// countChunks writes data to a new Counter in chunks of size bytes (all at
// once when size <= 0) and returns its record count.
func countChunks(data []byte, size int) int64 {
	var c Counter
	if size <= 0 {
		size = len(data) + 1
	}
	for len(data) > 0 {
		n := min(size, len(data))
		c.Write(data[:n])
		data = data[n:]
	}
	return c.Records()
}

func count(data []byte) int64 { return countChunks(data, 0) }

// csvRecords returns the number of records encoding/csv reads from data,
// after the removal of a leading UTF-8 BOM, with any number of fields per
// record.
func csvRecords(data []byte, comma rune) (int64, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom))))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var n int64
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// refCount is the counting rules written as plainly as possible, a byte at
// a time: the reference the Counter is tested against.
func refCount(data []byte) int64 {
	data = bytes.TrimPrefix(data, []byte(bom))
	var n int64
	var quoted bool
	var lineLen int  // bytes in the current line
	var firstCR bool // the line's first byte is "\r"
	blank := func() bool { return lineLen == 0 || lineLen == 1 && firstCR }
	for _, b := range data {
		switch {
		case b == '"':
			quoted = !quoted
		case b == '\n' && !quoted:
			if !blank() {
				n++
			}
			lineLen = 0
			continue
		}
		if lineLen == 0 {
			firstCR = b == '\r'
		}
		lineLen++
	}
	if !blank() {
		n++
	}
	return n
}

var commas = []rune{',', ';', '\t', '|'}

func TestCount(t *testing.T) {
	for _, tt := range countTests {
		t.Run(tt.Name, func(t *testing.T) {
			in := []byte(tt.Input)
			if got := refCount(in); got != tt.Want {
				t.Fatalf("refCount() = %d, want %d", got, tt.Want)
			}
			if got := count(in); got != tt.Want {
				t.Fatalf("Records() = %d, want %d", got, tt.Want)
			}
			for _, size := range []int{1, 2, 3, 4096} {
				if got := countChunks(in, size); got != tt.Want {
					t.Errorf("Records() in %d-byte writes = %d, want %d", size, got, tt.Want)
				}
			}
			if len(in) > 1000 {
				return // the splits below are quadratic
			}
			for i := 0; i <= len(in); i++ {
				var c Counter
				c.Write(in[:i])
				c.Write(in[i:])
				if got := c.Records(); got != tt.Want {
					t.Errorf("Records() split at %d = %d, want %d", i, got, tt.Want)
				}
			}
		})
	}
}

// TestCountMatchesCSV checks the table against encoding/csv wherever
// encoding/csv accepts the input with one of the delimiters.
func TestCountMatchesCSV(t *testing.T) {
	for _, tt := range countTests {
		t.Run(tt.Name, func(t *testing.T) {
			for _, comma := range commas {
				want, err := csvRecords([]byte(tt.Input), comma)
				if err != nil {
					continue
				}
				if tt.Want != want {
					t.Errorf("Want = %d, but encoding/csv with Comma %q reads %d records", tt.Want, comma, want)
				}
			}
		})
	}
}

func TestRows(t *testing.T) {
	tests := []struct {
		Name   string
		Input  string
		Header bool
		Want   int64
	}{
		{Name: "Empty", Input: "", Header: true, Want: 0},
		{Name: "EmptyNoHeader", Input: "", Header: false, Want: 0},
		{Name: "HeaderOnly", Input: "a,b\r\n", Header: true, Want: 0},
		{Name: "HeaderOnlyNoNewline", Input: "a,b", Header: true, Want: 0},
		{Name: "BOMOnly", Input: "\xef\xbb\xbf", Header: true, Want: 0},
		{Name: "Header", Input: "a,b\r\n1,2\r\n3,4", Header: true, Want: 2},
		{Name: "NoHeader", Input: "1,2\r\n3,4\r\n", Header: false, Want: 2},
		{Name: "QuotedHeader", Input: "\"a\nb\",c\n1,2\n", Header: true, Want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			c := New()
			io.WriteString(c, tt.Input)
			if got := c.Rows(tt.Header); got != tt.Want {
				t.Errorf("Rows(%t) = %d, want %d", tt.Header, got, tt.Want)
			}
		})
	}
}

func TestCounterNoAllocs(t *testing.T) {
	data := []byte("\xef\xbb\xbfa,\"b\nc\"\r\n\r\n1,2\n")
	c := New()
	allocs := testing.AllocsPerRun(100, func() {
		*c = Counter{}
		c.Write(data[:5])
		c.Write(data[5:])
	})
	if allocs != 0 {
		t.Errorf("Write allocates %v times per run, want 0", allocs)
	}
}

// TestCountRandom compares the Counter with refCount on random inputs made
// of the bytes that matter, in random writes.
func TestCountRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabets := []string{
		"\"\r\n,a\xef\xbb\xbf",
		"\"\n",
		"\r\n",
		"\"\"\"\r\n",
		"aaaaaaaaaaaaaaaa,,,,\"\n\r",
		"ab\r\n",
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		alphabet := alphabets[r.IntN(len(alphabets))]
		in := make([]byte, r.IntN(600))
		for i := range in {
			in[i] = alphabet[r.IntN(len(alphabet))]
		}
		want := refCount(in)
		if got := count(in); got != want {
			t.Fatalf("Records() of %q = %d, want %d", in, got, want)
		}
		if size := 1 + r.IntN(200); countChunks(in, size) != want {
			t.Fatalf("Records() of %q in %d-byte writes = %d, want %d", in, size, countChunks(in, size), want)
		}
	}
}
