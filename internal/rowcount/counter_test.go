package rowcount

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

var countTests = []struct {
	Name  string
	Input string
	Delim byte  // 0: ','
	Want  int64 // records
	// WantUnclosed is the record where an unclosed quote opened.
	WantUnclosed int64
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
	Name:  "LoneCRInLFFile", // data: the file is LF
	Input: "a,b\n1\r2,3\n4,5\r6\n",
	Want:  3,
}, {
	Name:  "CRLFThenLoneCR",
	Input: "a\r\n\r\r\n",
	Want:  2, // the second line holds "\r"
}, {
	Name:  "TwoCRs", // a bare CR first: a CR file of blank lines
	Input: "\r\r\n",
}, {
	Name:  "BareCR", // classic Mac: records end at \r
	Input: "a,b\r1,2\r3,4",
	Want:  3,
}, {
	Name:  "BareCRTrailing",
	Input: "a,b\r1,2\r3,4\r",
	Want:  3,
}, {
	Name:  "BareCRBlankLines",
	Input: "\ra,b\r\r1,2\r\n3,4\n\r",
	Want:  3,
}, {
	Name:  "BareCRQuoted", // \r and \n inside quotes are data in a CR file too
	Input: "a,b\r\"x\ry\n\",2\r",
	Want:  2,
}, {
	Name:  "QuotedCRFirst", // the first terminator outside quotes decides
	Input: "\"a\rb\",c\n1,2\n",
	Want:  2,
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
	Name:  "InchMark", // a quote inside an unquoted field is data
	Input: "id,item,qty\n10,3/4\" pipe,5\n11,1/2\" pipe,7\n12,elbow,2\n",
	Want:  4,
}, {
	Name:  "InchMarkThenQuotedField",
	Input: "a,b\n3\",\"x\ny\"\n",
	Want:  2,
}, {
	Name:  "TextAfterClosingQuote", // "ab"cd"e is one field abcd"e
	Input: "\"ab\"cd\"e,f\ng,h\n",
	Want:  2,
}, {
	Name:  "QuoteAfterSpace", // not at the start of the field: data
	Input: "a, \"b\nc\"\n",
	Want:  2,
}, {
	Name:  "QuoteAfterOtherDelimiter", // ';' is data with ','
	Input: "a;\"b\nc\"\n",
	Want:  2,
}, {
	Name:  "QuoteAfterSemicolon",
	Input: "a;\"b\nc\"\n",
	Delim: ';',
	Want:  1,
}, {
	Name:  "Semicolon",
	Input: "a;b\n\"x;\ny\";2\n\"3\"\"\";4\n",
	Delim: ';',
	Want:  3,
}, {
	Name:  "Tab",
	Input: "a\tb\n\"x\t\ny\"\t2\n",
	Delim: '\t',
	Want:  2,
}, {
	Name:  "Pipe",
	Input: "a|b\r\n\"x|\r\ny\"|2\r\n",
	Delim: '|',
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
	Name:         "PartialBOMQuote", // the first quote is data, the second opens a field
	Input:        "\xef\xbb\"\n\"\n",
	Want:         2,
	WantUnclosed: 2,
}, {
	Name:  "BOMNotAtStart", // only the first BOM is special
	Input: "a\n\xef\xbb\xbf\n",
	Want:  2,
}, {
	Name:  "DoubleBOM",
	Input: "\xef\xbb\xbf\xef\xbb\xbf\n",
	Want:  1,
}, {
	Name:         "UnclosedQuote", // the open record counts once, and is reported
	Input:        "a\n\"b\n\nc\n",
	Want:         2,
	WantUnclosed: 2,
}, {
	Name:         "UnclosedQuoteAfterEscape",
	Input:        "a\nb\n\"c\"\"\n",
	Want:         3,
	WantUnclosed: 3,
}, {
	Name:  "BareQuotes", // quotes in unquoted fields are data
	Input: "a\"b\nc\"d\ne\n",
	Want:  3,
}, {
	Name:  "LongLines",
	Input: strings.Repeat("x", 70000) + "\n\"" + strings.Repeat("y\n", 40000) + "\"\n",
	Want:  2,
}, {
	Name:  "LongLinesStrayQuotes",
	Input: strings.Repeat("1,2\" x,3\n", 2000),
	Want:  2000,
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
}, {
	Name:  "ShortLinesBareCR",
	Input: strings.Repeat("1,\"2\r\"\r3\r\r\n", 40),
	Want:  80,
}}

// newCounter returns a Counter with delimiter d (',' for 0).
func newCounter(d byte) *Counter {
	if d == 0 {
		d = ','
	}
	return &Counter{Delimiter: d}
}

// countChunks writes data to a new Counter in chunks of size bytes (all at
// once when size <= 0) and returns it.
func countChunks(data []byte, d byte, size int) *Counter {
	c := newCounter(d)
	if size <= 0 {
		size = len(data) + 1
	}
	for len(data) > 0 {
		n := min(size, len(data))
		c.Write(data[:n])
		data = data[n:]
	}
	return c
}

func count(data []byte, d byte) int64 { return countChunks(data, d, 0).Records() }

// unclosed returns the record of c's unclosed quote, 0 for none.
func unclosed(c *Counter) int64 {
	var re *RecordError
	if err := c.Err(); errors.As(err, &re) && errors.Is(err, ErrUnclosedQuote) {
		return re.Record
	}
	return 0
}

// refRecords is refParse's record count, the open record of an unclosed
// quote included.
func refRecords(r refResult) int64 {
	n := int64(len(r.Records))
	if r.Unclosed > 0 {
		n++
	}
	return n
}

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

// lfFile reports whether data has no bare "\r" before its first "\n"
// outside quotes, as encoding/csv would read it (every quote toggles on
// input it accepts).
func lfFile(data []byte) bool {
	quoted := false
	for i, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			return true
		case c == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			return false
		}
	}
	return true
}

var commas = []byte{',', ';', '\t', '|'}

func TestCount(t *testing.T) {
	for _, tt := range countTests {
		t.Run(tt.Name, func(t *testing.T) {
			in := []byte(tt.Input)
			d := tt.Delim
			if d == 0 {
				d = ','
			}
			ref := refParse(in, d)
			if got := refRecords(ref); got != tt.Want || ref.Unclosed != tt.WantUnclosed {
				t.Fatalf("refParse() = %d records, unclosed %d; want %d, %d", got, ref.Unclosed, tt.Want, tt.WantUnclosed)
			}
			c := countChunks(in, d, 0)
			if got := c.Records(); got != tt.Want {
				t.Fatalf("Records() = %d, want %d", got, tt.Want)
			}
			if got := unclosed(c); got != tt.WantUnclosed {
				t.Fatalf("Err() = %v, want unclosed quote in record %d", c.Err(), tt.WantUnclosed)
			}
			for _, size := range []int{1, 2, 3, 4096} {
				if got := countChunks(in, d, size).Records(); got != tt.Want {
					t.Errorf("Records() in %d-byte writes = %d, want %d", size, got, tt.Want)
				}
			}
			if len(in) > 1000 {
				return // the splits below are quadratic
			}
			for i := 0; i <= len(in); i++ {
				c := newCounter(d)
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
// encoding/csv accepts the input with its delimiter and the input is an LF
// file.
func TestCountMatchesCSV(t *testing.T) {
	for _, tt := range countTests {
		t.Run(tt.Name, func(t *testing.T) {
			d := tt.Delim
			if d == 0 {
				d = ','
			}
			want, err := csvRecords([]byte(tt.Input), rune(d))
			if err != nil || !lfFile([]byte(tt.Input)) {
				return
			}
			if tt.Want != want {
				t.Errorf("Want = %d, but encoding/csv with Comma %q reads %d records", tt.Want, d, want)
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

func TestNotes(t *testing.T) {
	tests := []struct {
		Name       string
		Input      string
		Max        int64
		WantBad    int64 // records with another field count
		WantFirst  int64
		WantMixed  bool
		WantEnding LineEnding
		WantLong   int64 // the first record over Max
	}{
		{Name: "Clean", Input: "a,b\n1,2\n", WantEnding: LF},
		{Name: "NoTerminator", Input: "a,b", WantEnding: Undecided},
		{Name: "Short", Input: "a,b,c\n1,2,3\n4,5\n6,7,8\n9\n", WantBad: 2, WantFirst: 3, WantEnding: LF},
		{Name: "QuotedDelims", Input: "a,b\n\"1,2\",3\n\"x\ny,z\",\"\"\n", WantEnding: LF},
		{Name: "BlankLinesIgnored", Input: "a,b\n\n1,2\n\n", WantEnding: LF},
		{Name: "InchMark", Input: "a,b,c\n1,2\" x,3\n", WantEnding: LF},
		{Name: "MixedLFCRLF", Input: "a\r\nb\nc\r\n", WantMixed: true, WantEnding: LF},
		{Name: "CRLFOnly", Input: "a\r\nb\r\n\r\n", WantEnding: LF},
		{Name: "CRFile", Input: "a\rb\r", WantEnding: CR},
		{Name: "CRFileWithLF", Input: "a\rb\nc\r", WantMixed: true, WantEnding: CR},
		{Name: "QuotedLFInCRFile", Input: "a\r\"b\nc\"\r", WantEnding: CR},
		{Name: "TooLong", Input: "ab\ncdef\nghijk\n", Max: 4, WantLong: 2, WantEnding: LF},
		{Name: "TooLongCRLF", Input: "ab\r\ncd\r\n", Max: 3, WantLong: 1, WantEnding: LF},
		{Name: "TooLongQuoted", Input: "a\n\"b\nc\"\n", Max: 5, WantLong: 2, WantEnding: LF},
		{Name: "TooLongLast", Input: "a\nbcdefgh", Max: 5, WantLong: 2, WantEnding: LF},
		{Name: "BlankNotTooLong", Input: "a\n\r\n\r\nb\n", Max: 2, WantMixed: true, WantEnding: LF},
		{Name: "LongBlocks", Input: strings.Repeat("1,2,3\n", 30) + strings.Repeat("x", 200) + "\n1,2\n", Max: 100, WantLong: 31, WantBad: 2, WantFirst: 31, WantEnding: LF},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ref := refParse([]byte(tt.Input), ',')
			if ref.Mixed != tt.WantMixed || ref.Mode != tt.WantEnding {
				t.Fatalf("refParse: mixed %t, ending %v; want %t, %v", ref.Mixed, ref.Mode, tt.WantMixed, tt.WantEnding)
			}
			for _, size := range []int{0, 1, 7} {
				c2 := &Counter{Delimiter: ',', MaxRecordBytes: tt.Max}
				for p := []byte(tt.Input); len(p) > 0; {
					n := len(p)
					if size > 0 {
						n = min(n, size)
					}
					c2.Write(p[:n])
					p = p[n:]
				}
				if n, first := c2.FieldCounts(); n != tt.WantBad || first != tt.WantFirst {
					t.Errorf("%d-byte writes: FieldCounts() = %d, %d; want %d, %d", size, n, first, tt.WantBad, tt.WantFirst)
				}
				if got := c2.MixedLineEndings(); got != tt.WantMixed {
					t.Errorf("%d-byte writes: MixedLineEndings() = %t, want %t", size, got, tt.WantMixed)
				}
				if got := c2.LineEnding(); got != tt.WantEnding {
					t.Errorf("%d-byte writes: LineEnding() = %v, want %v", size, got, tt.WantEnding)
				}
				var long int64
				var re *RecordError
				if err := c2.Err(); errors.As(err, &re) && errors.Is(err, ErrRecordTooLong) {
					long = re.Record
				}
				if long != tt.WantLong {
					t.Errorf("%d-byte writes: Err() = %v, want too long in record %d", size, c2.Err(), tt.WantLong)
				}
			}
		})
	}
}

func TestCounterNoAllocs(t *testing.T) {
	data := []byte("\xef\xbb\xbfa,\"b\nc\"\r\n\r\n1,2\n")
	c := New()
	allocs := testing.AllocsPerRun(100, func() {
		*c = Counter{Delimiter: ','}
		c.Write(data[:5])
		c.Write(data[5:])
	})
	if allocs != 0 {
		t.Errorf("Write allocates %v times per run, want 0", allocs)
	}
}

// checkRef compares a Counter fed data in writes of size bytes with
// refParse.
func checkRef(t *testing.T, data []byte, d byte, size int) {
	t.Helper()
	ref := refParse(data, d)
	c := countChunks(data, d, size)
	if got, want := c.Records(), refRecords(ref); got != want {
		t.Fatalf("Records() of %q (delimiter %q, %d-byte writes) = %d, want %d", data, d, size, got, want)
	}
	if got := unclosed(c); got != ref.Unclosed {
		t.Fatalf("%q (delimiter %q): unclosed quote in record %d, want %d", data, d, got, ref.Unclosed)
	}
	if ref.Unclosed > 0 {
		return
	}
	if got := c.MixedLineEndings(); got != ref.Mixed {
		t.Fatalf("%q (delimiter %q): MixedLineEndings() = %t, want %t", data, d, got, ref.Mixed)
	}
	var bad, first int64
	for i, r := range ref.Records[min(1, len(ref.Records)):] {
		if len(r) != len(ref.Records[0]) {
			bad++
			if first == 0 {
				first = int64(i + 2)
			}
		}
	}
	if n, f := c.FieldCounts(); n != bad || f != first {
		t.Fatalf("%q (delimiter %q): FieldCounts() = %d, %d; want %d, %d", data, d, n, f, bad, first)
	}
	// A limit just below some record's size.
	if len(ref.Sizes) > 0 {
		max := ref.Sizes[len(ref.Sizes)/2] - 1
		var long int64
		for i, s := range ref.Sizes {
			if s > max {
				long = int64(i + 1)
				break
			}
		}
		c := &Counter{Delimiter: d, MaxRecordBytes: max}
		c.Write(data)
		var got int64
		var re *RecordError
		if err := c.Err(); errors.As(err, &re) {
			got = re.Record
		}
		if max > 0 && got != long {
			t.Fatalf("%q (delimiter %q, limit %d): Err() = %v, want record %d too long", data, d, max, c.Err(), long)
		}
	}
}

// TestCountRandom compares the Counter with refParse on random inputs made
// of the bytes that matter, in random writes.
func TestCountRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabets := []string{
		"\"\r\n,a\xef\xbb\xbf",
		"\"\n,",
		"\r\n;",
		"\"\"\"\r\n,",
		"aaaaaaaaaaaaaaaa,,,,\"\n\r",
		"aaaaaaaaaaaaaaa,,,\"\n",
		"ab\r\n\t|",
		"ab\r,,\"",
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
		d := commas[r.IntN(len(commas))]
		checkRef(t, in, d, 0)
		checkRef(t, in, d, 1+r.IntN(200))
	}
}
