package record

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/rowcount"
)

func TestRead(t *testing.T) {
	tests := []struct {
		Name       string
		Input      string
		Opts       Options
		WantDelim  byte
		WantHeader []string
		Want       [][]string
		// WantErr is the error as a caller reports it:
		// problem.New("f.csv", r.RecordNumber(), err), or
		// problem.New("f.csv", 0, err) for NewReader's.
		WantErr    string
		WantRecord int64 // ParseError.Record and RecordNumber() after the error
	}{{
		Name:       "Simple",
		Input:      "a,b\n1,2\n3,4\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", "2"}, {"3", "4"}},
	}, {
		Name:       "UTF8BOM",
		Input:      "\xEF\xBB\xBFid;name\n1;x\n",
		WantDelim:  ';',
		WantHeader: []string{"id", "name"},
		Want:       [][]string{{"1", "x"}},
	}, {
		Name:       "UTF16LEBOM",
		Input:      utf16Bytes(t, "id\tnom\r\n1\tété\r\n", binary.LittleEndian, true),
		WantDelim:  '\t',
		WantHeader: []string{"id", "nom"},
		Want:       [][]string{{"1", "été"}},
	}, {
		Name:       "UTF16BEBOM",
		Input:      utf16Bytes(t, "id|nom\n1|€\n", binary.BigEndian, true),
		WantDelim:  '|',
		WantHeader: []string{"id", "nom"},
		Want:       [][]string{{"1", "€"}},
	}, {
		Name:       "Windows1252",
		Input:      "nom;prix\ncaf\xe9;3\n",
		Opts:       Options{Encoding: "windows-1252"},
		WantDelim:  ';',
		WantHeader: []string{"nom", "prix"},
		Want:       [][]string{{"café", "3"}},
	}, {
		Name:       "SemicolonQuotedOthers",
		Input:      "a;b\n\"x,y|z\t\";\"1;2\"\n",
		WantDelim:  ';',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"x,y|z\t", "1;2"}},
	}, {
		Name:       "TabQuotedOthers",
		Input:      "a\tb\tc\n\"1,5\"\t\"x;y\"\t\"p|q\"\n2\t3\t4\n",
		WantDelim:  '\t',
		WantHeader: []string{"a", "b", "c"},
		Want:       [][]string{{"1,5", "x;y", "p|q"}, {"2", "3", "4"}},
	}, {
		Name:       "PipeQuotedOthers",
		Input:      "a|b\n\"x|y\"|\"1,2;3\"\n",
		WantDelim:  '|',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"x|y", "1,2;3"}},
	}, {
		Name:       "GivenDelimiter",
		Input:      "a,b;c\n1,2;3\n",
		Opts:       Options{Delimiter: ';'},
		WantDelim:  ';',
		WantHeader: []string{"a,b", "c"},
		Want:       [][]string{{"1,2", "3"}},
	}, {
		Name:       "QuotedNewline",
		Input:      "a,b\n\"line 1\nline 2\",x\n3,4\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"line 1\nline 2", "x"}, {"3", "4"}},
	}, {
		Name:       "CRLF",
		Input:      "a,b\r\n1,2\r\n\"x\r\ny\",3\r\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", "2"}, {"x\r\ny", "3"}},
	}, {
		Name:       "BareCR", // classic Mac: records end at "\r"
		Input:      "a,b\r1,2\r\"x\ry\",3\r",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", "2"}, {"x\ry", "3"}},
	}, {
		Name:       "BareCRWithLF", // a CR file ends records at "\n" too
		Input:      "a;b\r1;2\n3;4\r\n5;6",
		WantDelim:  ';',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", "2"}, {"3", "4"}, {"5", "6"}},
	}, {
		Name:       "LoneCRInLFFile", // data
		Input:      "a,b\n1\r2,3\r\n4,5\r",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1\r2", "3"}, {"4", "5"}},
	}, {
		Name:       "InchMark", // a quote inside an unquoted field is data
		Input:      "id,item,qty\n10,3/4\" pipe,5\n11,\"x\",7\n",
		WantDelim:  ',',
		WantHeader: []string{"id", "item", "qty"},
		Want:       [][]string{{"10", "3/4\" pipe", "5"}, {"11", "x", "7"}},
	}, {
		Name:       "TextAfterClosingQuote", // as Python's csv
		Input:      "a,b\n\"ab\"cd\"e,f\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"abcd\"e", "f"}},
	}, {
		Name:       "QuotedEmpty",
		Input:      "a,b,c\n\"\",,\"\"\"\"\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b", "c"},
		Want:       [][]string{{"", "", "\""}},
	}, {
		Name:       "TrailingDelimiter",
		Input:      "a,b\n1,\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", ""}},
	}, {
		Name:       "BlankLines",
		Input:      "\na,b\n\n1,2\n\r\n\n3,4\n\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", "2"}, {"3", "4"}},
	}, {
		Name:       "HeaderOnly",
		Input:      "a;b;c\n",
		WantDelim:  ';',
		WantHeader: []string{"a", "b", "c"},
	}, {
		Name:       "HeaderOnlyNoNewline",
		Input:      "a;b;c",
		WantDelim:  ';',
		WantHeader: []string{"a", "b", "c"},
	}, {
		Name:      "Empty",
		Input:     "",
		WantDelim: ',',
	}, {
		Name:      "OnlyBOM",
		Input:     "\xEF\xBB\xBF\n\n",
		WantDelim: ',',
	}, {
		Name:       "NoHeader",
		Input:      "1;2;3\n4;5;6\n",
		Opts:       Options{NoHeader: true},
		WantDelim:  ';',
		WantHeader: []string{"col_1", "col_2", "col_3"},
		Want:       [][]string{{"1", "2", "3"}, {"4", "5", "6"}},
	}, {
		Name:      "NoHeaderEmpty",
		Input:     "\n",
		Opts:      Options{NoHeader: true},
		WantDelim: ',',
	}, {
		Name:       "FieldCountsVary",
		Input:      "a,b\n1\n2,3,4\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1"}, {"2", "3", "4"}},
	}, {
		Name:       "UnterminatedQuote",
		Input:      "a,b\n1,\"2\n3,4\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		WantErr:    `f.csv: record 1: unclosed quote: the file ends inside a quoted field`,
		WantRecord: 1,
	}, {
		Name:       "UnterminatedQuoteLater",
		Input:      "a,b\n1,2\n\n3,\"x\"\"\n",
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", "2"}},
		WantErr:    `f.csv: record 2: unclosed quote: the file ends inside a quoted field`,
		WantRecord: 2,
	}, {
		Name:       "NoHeaderUnclosedFirst",
		Input:      "1,\"2\n",
		Opts:       Options{NoHeader: true},
		WantDelim:  ',',
		WantErr:    `f.csv: record 1: unclosed quote: the file ends inside a quoted field`,
		WantRecord: 1,
	}, {
		Name:    "UnclosedHeader",
		Input:   "a,\"b\n1,2\n",
		WantErr: `f.csv: header: unclosed quote`,
	}, {
		Name:       "TooLong",
		Input:      "a,b\n1,2\n123456,7\n8,9\n",
		Opts:       Options{MaxRecordBytes: 6},
		WantDelim:  ',',
		WantHeader: []string{"a", "b"},
		Want:       [][]string{{"1", "2"}},
		WantErr:    `f.csv: record 2: record too long: longer than 6 bytes (the record size limit)`,
		WantRecord: 2,
	}, {
		Name:    "TooLongHeader", // one giant line and nothing else
		Input:   strings.Repeat("x", 100),
		Opts:    Options{MaxRecordBytes: 50},
		WantErr: `f.csv: header: record too long`,
	}, {
		Name:    "UnknownEncoding",
		Input:   "a\n",
		Opts:    Options{Encoding: "nope"},
		WantErr: `f.csv: record: unknown encoding "nope"`,
	}, {
		Name:    "InvalidDelimiter",
		Input:   "a\n",
		Opts:    Options{Delimiter: '"'},
		WantErr: `f.csv: invalid delimiter '"'`,
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tt.Input), tt.Opts)
			if err != nil {
				if got := problem.New("f.csv", 0, err).Error(); tt.WantErr == "" || !strings.HasPrefix(got, tt.WantErr) {
					t.Fatalf("NewReader error = %q, want %q", got, tt.WantErr)
				}
				return
			}
			if got := r.Delimiter(); got != tt.WantDelim {
				t.Errorf("Delimiter() = %q, want %q", got, tt.WantDelim)
			}
			if got := r.Header(); len(got) != 0 || len(tt.WantHeader) != 0 {
				if !reflect.DeepEqual(got, tt.WantHeader) {
					t.Errorf("Header() = %q, want %q", got, tt.WantHeader)
				}
			}
			var got [][]string
			for r.Next() {
				if r.RecordNumber() != int64(len(got)+1) {
					t.Errorf("RecordNumber() = %d, want %d", r.RecordNumber(), len(got)+1)
				}
				got = append(got, append([]string(nil), r.Record()...))
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("records:\ngot  %q\nwant %q", got, tt.Want)
			}
			err = r.Err()
			if tt.WantErr == "" {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Err() = nil, want %q", tt.WantErr)
			}
			if got := problem.New("f.csv", r.RecordNumber(), err).Error(); got != tt.WantErr {
				t.Errorf("Err() reported:\ngot  %s\nwant %s", got, tt.WantErr)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Record != tt.WantRecord || r.RecordNumber() != tt.WantRecord {
				t.Errorf("Err() = %#v, RecordNumber() = %d, want a *ParseError for record %d", err, r.RecordNumber(), tt.WantRecord)
			}
			if !errors.Is(err, rowcount.ErrUnclosedQuote) && !errors.Is(err, rowcount.ErrRecordTooLong) {
				t.Errorf("Err() = %v does not wrap a rowcount reason", err)
			}
			if r.Next() {
				t.Errorf("Next() after an error = true")
			}
		})
	}
}

// TestReadMatchesCSV checks that the records agree with a plain
// encoding/csv reader, which the analyze step's counter is fuzzed against.
func TestReadMatchesCSV(t *testing.T) {
	inputs := []string{
		"a,b\n1,2\n",
		"a,b\n\n\n1,\"x\n\ny\"\n\n2,3",
		"a\n\"\"\n\n \n",
		"a,b\r\n1,2\r\n\r\n3,4",
	}
	for _, in := range inputs {
		want, err := csv.NewReader(strings.NewReader(in)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(strings.NewReader(in), Options{Delimiter: ','})
		if err != nil {
			t.Fatal(err)
		}
		got := [][]string{r.Header()}
		for r.Next() {
			got = append(got, append([]string(nil), r.Record()...))
		}
		if r.Err() != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("input %q:\ngot  %q (%v)\nwant %q", in, got, r.Err(), want)
		}
	}
}

func TestCheckFields(t *testing.T) {
	r, err := NewReader(strings.NewReader("a,b\n1,2\n3\n4,5,6\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for r.Next() {
		err := r.CheckFields()
		if err == nil {
			got = append(got, "ok")
			continue
		}
		var fe *FieldCountError
		if !errors.As(err, &fe) || !errors.Is(err, ErrFieldCount) {
			t.Errorf("CheckFields() = %#v, want a *FieldCountError", err)
		}
		got = append(got, problem.New("f.csv", r.RecordNumber(), err).Error())
	}
	want := []string{
		"ok",
		"f.csv: record 2: wrong number of fields: got 1, want 2",
		"f.csv: record 3: wrong number of fields: got 3, want 2",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CheckFields:\ngot  %q\nwant %q", got, want)
	}
}

func TestRaw(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Want  []string
	}{
		{Name: "Plain", Input: "a,b\n1,2\n", Want: []string{"1,2"}},
		{Name: "Quoting", Input: "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"l1\r\nl2\",\n", Want: []string{`"x,y","say ""hi"""`, "\"l1\r\nl2\","}},
		{Name: "Semicolon", Input: "a;b\n\"x;y\";1,5\n", Want: []string{`"x;y";1,5`}},
		{Name: "Short", Input: "a;b\n1\n", Want: []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(tt.Input), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for r.Next() {
				got = append(got, r.Raw())
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("Raw:\ngot  %q\nwant %q", got, tt.Want)
			}
			// Raw parses back to the record.
			for _, raw := range got {
				cr := csv.NewReader(strings.NewReader(raw))
				cr.Comma = rune(r.Delimiter())
				if _, err := cr.Read(); err != nil {
					t.Errorf("Raw %q does not parse: %v", raw, err)
				}
			}
		})
	}
}

func TestRawCut(t *testing.T) {
	in := "a,b\n" + strings.Repeat("x", MaxRaw) + ",é\n"
	r, err := NewReader(strings.NewReader(in), Options{})
	if err != nil || !r.Next() {
		t.Fatal(err, r.Err())
	}
	if got := r.Raw(); len(got) > MaxRaw || !strings.HasPrefix(got, "xxx") {
		t.Errorf("Raw() has %d bytes, want <= %d", len(got), MaxRaw)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	in := io.MultiReader(strings.NewReader("a,b\n1,2\n"), errReader{boom})
	r, err := NewReader(in, Options{Delimiter: ','})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r.Next() {
		n++
	}
	if err := r.Err(); n != 1 || r.RecordNumber() != 2 || !errors.Is(err, boom) || err.Error() != "read: boom" {
		t.Errorf("after %d records, Err() = %v, RecordNumber() = %d", n, err, r.RecordNumber())
	}
}

// benchInput returns about 4 MB of typical CSV.
func benchInput() []byte {
	var b bytes.Buffer
	b.WriteString("id;line;at;amount;note\n")
	for i := 0; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, "%d;LINE%04d;2024-%02d-%02d 12:00:00;%d.%02d;\"free text, with a comma %d\"\n",
			i, i%1000, i%12+1, i%28+1, i, i%100, i)
	}
	return b.Bytes()
}

func BenchmarkReader(b *testing.B) {
	in := benchInput()
	for _, enc := range []string{"auto", "windows-1252"} {
		b.Run(enc, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(in), Options{Encoding: enc})
				if err != nil {
					b.Fatal(err)
				}
				for r.Next() {
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The floor: encoding/csv alone, with the delimiter known.
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			cr := csv.NewReader(bytes.NewReader(in))
			cr.Comma, cr.ReuseRecord, cr.FieldsPerRecord = ';', true, -1
			for {
				if _, err := cr.Read(); err != nil {
					if err != io.EOF {
						b.Fatal(err)
					}
					break
				}
			}
		}
	})
}
