package record

import (
	"bytes"
	"errors"
	"testing"

	"github.com/siftload/siftload/internal/rowcount"
)

// fuzzDelims are the delimiters FuzzCountMatchesReader picks from; 0
// sniffs.
var fuzzDelims = []byte{0, ',', ';', '\t', '|'}

// FuzzCountMatchesReader is the differential test of counting against
// loading: for any input, delimiter (given or sniffed) and record size
// limit, the number of records the analyze step's rowcount.Counter counts
// equals the number the import Reader yields (with NoHeader, so that
// every record is one), or both report the input malformed, at the same
// record. The records whose field count differs from the first record's
// must be the same to both.
func FuzzCountMatchesReader(f *testing.F) {
	seeds := []string{
		"a,b\n1,2\n",
		"id,item\n10,3/4\" pipe\n11,x\n",
		"a,b\r1,2\r3,4",
		"a,b\r\n\"x\r\ny\",2\r\n",
		"a\n\"b\n",
		"\"ab\"cd\"e,f\ng,h\n",
		"a;b\n\"x;\ny\";2\n\n\r\n",
		"\xef\xbb\xbfa|b\n1|2",
		"\xff\xfea\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00",
		"a\n\r\n\r\r\n\"\"\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), byte(0), uint8(0))
		f.Add([]byte(s), byte(1), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, sel byte, limit uint8) {
		d := fuzzDelims[int(sel)%len(fuzzDelims)]
		max := int64(limit) // 0: no limit
		c := &rowcount.Counter{Delimiter: d, MaxRecordBytes: max, NoBOM: true}
		tw := rowcount.NewText(c)
		tw.Write(data)
		if err := tw.Close(); err != nil {
			t.Fatalf("Text.Close() = %v", err)
		}
		counted, cerr := c.Records(), c.Err()

		if max == 0 {
			max = -1
		}
		r, err := NewReader(bytes.NewReader(data), Options{Delimiter: d, NoHeader: true, MaxRecordBytes: max})
		if err != nil {
			t.Fatalf("NewReader(%q) = %v", data, err)
		}
		if r.Delimiter() != c.Delim() {
			t.Fatalf("%q: Reader delimiter %q, Counter delimiter %q", data, r.Delimiter(), c.Delim())
		}
		var read, bad, first int64
		var want int
		for r.Next() {
			read++
			if read == 1 {
				want = len(r.Record())
			} else if len(r.Record()) != want {
				bad++
				if first == 0 {
					first = read
				}
			}
		}
		rerr := r.Err()
		switch {
		case cerr == nil && rerr == nil:
			if counted != read {
				t.Fatalf("%q (delimiter %q): Counter counts %d records, Reader reads %d", data, d, counted, read)
			}
			if n, f := c.FieldCounts(); n != bad || f != first {
				t.Fatalf("%q (delimiter %q): Counter field counts %d, first %d; Reader %d, first %d", data, d, n, f, bad, first)
			}
		case cerr != nil && rerr != nil:
			var ce *rowcount.RecordError
			var pe *ParseError
			if !errors.As(cerr, &ce) || !errors.As(rerr, &pe) {
				t.Fatalf("%q: errors %v and %v are not a RecordError and a ParseError", data, cerr, rerr)
			}
			if ce.Record != pe.Record {
				t.Fatalf("%q (delimiter %q, limit %d): Counter: %v; Reader: record %d: %v", data, d, max, cerr, pe.Record, rerr)
			}
		default:
			t.Fatalf("%q (delimiter %q, limit %d): Counter: %d records, %v; Reader: %d records, %v", data, d, max, counted, cerr, read, rerr)
		}
	})
}
