package analysis

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/metric"
)

func TestMeasure(t *testing.T) {
	utf16le, err := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String("a,b\r\n1,2\r\n3,4\r\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name         string
		Input        string
		Opts         Options
		WantRows     int64
		WantWarnings []string
		WantProblems []string
	}{{
		Name:     "Clean",
		Input:    "a,b\n1,2\n3,4\n",
		WantRows: 2,
	}, {
		Name:     "InchMark", // the quote is data: every row counts
		Input:    "id,item,qty\n10,3/4\" pipe,5\n11,1/2\" pipe,7\n12,elbow,2\n",
		WantRows: 3,
	}, {
		Name:     "BareCR",
		Input:    "a,b\r1,2\r3,4\r",
		WantRows: 2,
	}, {
		Name:         "UnclosedQuote",
		Input:        "a,b\n1,2\n3,\"x\n4,5\n",
		WantRows:     2,
		WantWarnings: []string{"unclosed quote (opened in record 2)"},
		WantProblems: []string{"f.csv: record 2: unclosed quote: the file ends inside a quoted field"},
	}, {
		Name:         "FieldCounts",
		Input:        "a,b\n1,2\n3\n4,5,6\n",
		WantRows:     3,
		WantWarnings: []string{"field count differs from header (2 records, first: record 2)"},
	}, {
		Name:         "NonUTF8",
		Input:        "a,b\ncaf\xe9,1\n",
		WantRows:     1,
		WantWarnings: []string{"non-UTF-8 text"},
	}, {
		Name:         "UTF16Guess",
		Input:        utf16le,
		WantRows:     2,
		WantWarnings: []string{"UTF-16 without BOM (guessed)"},
	}, {
		Name:         "MixedLineEndings",
		Input:        "a,b\r\n1,2\n3,4\r\n",
		WantRows:     2,
		WantWarnings: []string{"mixed line endings"},
	}, {
		Name:         "TooLong",
		Input:        "a,b\n1,2\n" + strings.Repeat("x", 40) + ",3\n4,5\n",
		Opts:         Options{MaxRecordBytes: 20},
		WantRows:     3,
		WantProblems: []string{"f.csv: record 2: record too long: longer than 20 bytes (the record size limit)"},
	}, {
		Name:         "OneGiantLine",
		Input:        strings.Repeat("x", 40),
		Opts:         Options{MaxRecordBytes: 20},
		WantProblems: []string{"f.csv: header: record too long: longer than 20 bytes (the record size limit)"},
	}, {
		Name:         "Several",
		Input:        "a;b\r\n1;\xff\n2\r\n\"3",
		WantRows:     3,
		WantWarnings: []string{"unclosed quote (opened in record 3)", "field count differs from header (1 record, first: record 2)", "non-UTF-8 text", "mixed line endings"},
		WantProblems: []string{"f.csv: record 3: unclosed quote: the file ends inside a quoted field"},
	}, {
		Name:     "GivenDelimiter", // the quote after ';' is data with ','
		Input:    "a;\"b\n1;2\"\n",
		Opts:     Options{Delimiter: ','},
		WantRows: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			e := archive.Entry{Source: "f.csv", Key: "f.csv", Size: int64(len(tt.Input)),
				Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(tt.Input)), nil }}
			opts := tt.Opts
			opts.Metric, _ = metric.Lookup(metric.Default)
			c, ps, err := measure(context.Background(), e, opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.Rows != tt.WantRows {
				t.Errorf("Rows = %d, want %d", c.Rows, tt.WantRows)
			}
			if !reflect.DeepEqual(c.Warnings, tt.WantWarnings) {
				t.Errorf("Warnings:\ngot  %q\nwant %q", c.Warnings, tt.WantWarnings)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Error())
			}
			if !reflect.DeepEqual(got, tt.WantProblems) {
				t.Errorf("problems:\ngot  %q\nwant %q", got, tt.WantProblems)
			}
		})
	}
}
