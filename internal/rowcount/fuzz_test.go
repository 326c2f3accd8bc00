package rowcount

import (
	"bytes"
	"encoding/csv"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// Separators that FuzzCount reads in its input to build records for
// csv.Writer: ASCII record and unit separators.
const (
	fuzzRecordSep = 0x1e
	fuzzFieldSep  = 0x1f
)

// fuzzRecords splits data into records at fuzzRecordSep and into fields at
// fuzzFieldSep.
func fuzzRecords(data []byte) [][]string {
	var records [][]string
	for _, rec := range bytes.Split(data, []byte{fuzzRecordSep}) {
		var fields []string
		for _, f := range bytes.Split(rec, []byte{fuzzFieldSep}) {
			fields = append(fields, string(f))
		}
		records = append(records, fields)
	}
	return records
}

// FuzzCount checks the Counter against refParse, the dialect written
// plainly, on any input and delimiter, and against encoding/csv on valid
// CSV. data is used three ways:
//
//  1. As raw bytes, in writes of 1, 2, 3 and 7 bytes and at once, and
//     repeated to over 1 KiB, where the Counter takes 64 bytes a step: the
//     count, the unclosed quote, the field counts, the line endings and the
//     record size limit must be refParse's. Whenever encoding/csv reads the
//     bytes without error (after the removal of a leading UTF-8 BOM, which
//     encoding/csv does not know, with FieldsPerRecord -1 and the chosen
//     Comma) and the input is an LF file, the counts must be equal: on input
//     encoding/csv accepts, every quote stands at the start of a field, closes
//     it or is half of a "" escape. A sniffing Counter must count as one
//     given SniffDelimiter's answer.
//  2. As records (split at 0x1E) of fields (split at 0x1F), written by
//     csv.Writer with the chosen Comma and UseCRLF. The output is valid CSV
//     by construction and must count as encoding/csv reads it back.
//  3. Re-encoded as UTF-16 with a BOM, through a Text: the count must
//     not change.
func FuzzCount(f *testing.F) {
	for _, tt := range countTests {
		if len(tt.Input) < 1000 {
			f.Add([]byte(tt.Input), false, byte(0))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, crlf bool, sel byte) {
		comma := commas[int(sel)%len(commas)]

		// 1. Raw input.
		got := count(data, comma)
		for _, size := range []int{0, 1, 2, 3, 7} {
			checkRef(t, data, comma, size)
		}
		if len(data) > 0 && len(data) < 1024 {
			// Repeated, so that the 64-byte block paths see the input too.
			big := bytes.Repeat(data, 1+1024/len(data))
			checkRef(t, big, comma, 0)
			checkRef(t, big, comma, 100)
		}
		if want, err := csvRecords(data, rune(comma)); err == nil && lfFile(data) && got != want {
			t.Errorf("raw %q: Records() = %d, encoding/csv (Comma %q) reads %d", data, got, comma, want)
		}
		sniffed := New()
		sniffed.Write(data)
		if want := count(data, SniffDelimiter(bytes.TrimPrefix(data, []byte(bom)))); sniffed.Records() != want {
			t.Errorf("raw %q: sniffing Records() = %d, with SniffDelimiter %d", data, sniffed.Records(), want)
		}

		// 2. Valid CSV from csv.Writer.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Comma = rune(comma)
		w.UseCRLF = crlf
		if err := w.WriteAll(fuzzRecords(data)); err != nil {
			t.Fatalf("csv.Writer: %v", err)
		}
		out := buf.Bytes()
		want, err := csvRecords(out, rune(comma))
		if err != nil {
			t.Fatalf("encoding/csv cannot read csv.Writer output %q: %v", out, err)
		}
		if n := count(out, comma); n != want {
			t.Errorf("written %q: Records() = %d, encoding/csv (Comma %q) reads %d", out, n, comma, want)
		}

		// 3. UTF-16 through a Text.
		for _, e := range []unicode.Endianness{unicode.LittleEndian, unicode.BigEndian} {
			in, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes(data)
			if err != nil {
				t.Fatalf("encode as UTF-16: %v", err)
			}
			for _, size := range []int{0, 1, 3} {
				c := newCounter(comma)
				tw := NewText(c)
				for p := in; len(p) > 0; {
					n := len(p)
					if size > 0 {
						n = min(size, n)
					}
					tw.Write(p[:n])
					p = p[n:]
				}
				if err := tw.Close(); err != nil {
					t.Fatalf("Close() = %v", err)
				}
				if c.Records() != got {
					t.Errorf("UTF-16 %q in %d-byte writes: Records() = %d, want %d", in, size, c.Records(), got)
				}
			}
		}
	})
}
