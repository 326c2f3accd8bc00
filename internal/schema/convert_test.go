package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConvert(t *testing.T) {
	tests := []struct {
		Name    string
		Type    Type
		Input   string
		Quoted  bool
		Limits  Limits
		Want    any
		WantErr string
	}{
		{Name: "EmptyText", Type: Text, Input: "", Want: nil},
		{Name: "EmptyInteger", Type: Integer, Input: "", Want: nil},
		{Name: "EmptyDecimal", Type: Decimal, Input: "", Want: nil},
		{Name: "EmptyTimestamp", Type: Timestamp, Input: "", Want: nil},
		{Name: "QuotedEmptyText", Type: Text, Input: "", Quoted: true, Want: ""},
		{Name: "QuotedEmptyInteger", Type: Integer, Input: "", Quoted: true, Want: nil},
		{Name: "QuotedEmptyDecimal", Type: Decimal, Input: "", Quoted: true, Want: nil},
		{Name: "QuotedEmptyTimestamp", Type: Timestamp, Input: "", Quoted: true, Want: nil},
		{Name: "QuotedEmptyDate", Type: Date, Input: "", Quoted: true, Want: nil},
		{Name: "QuotedEmptyTimestampTZ", Type: TimestampTZ, Input: "", Quoted: true, Want: nil},
		{Name: "QuotedText", Type: Text, Input: "a", Quoted: true, Want: "a"},
		{Name: "QuotedInteger", Type: Integer, Input: "7", Quoted: true, Want: int64(7)},

		{Name: "TextNUL", Type: Text, Input: "a\x00b", Want: "a\x00b"},
		{Name: "TextNULNoNUL", Type: Text, Input: "a\x00b", Limits: Limits{NoNUL: true}, WantErr: `column "c": ` + ReasonNUL},
		{Name: "TextControlNoNUL", Type: Text, Input: "\x01\x07\x1b\x7f", Limits: Limits{NoNUL: true}, Want: "\x01\x07\x1b\x7f"},

		{Name: "Text", Type: Text, Input: " a, b ", Want: " a, b "},
		{Name: "TextUTF8", Type: Text, Input: "été", Want: "été"},
		{Name: "TextInvalidUTF8", Type: Text, Input: "caf\xe9", WantErr: `column "c": "caf\xe9" is not valid UTF-8 text`},

		{Name: "Integer", Type: Integer, Input: "42", Want: int64(42)},
		{Name: "IntegerZero", Type: Integer, Input: "0", Want: int64(0)},
		{Name: "IntegerNegZero", Type: Integer, Input: "-0", Want: int64(0)},
		{Name: "IntegerPlus", Type: Integer, Input: "+42", Want: int64(42)},
		{Name: "IntegerMin", Type: Integer, Input: "-9223372036854775808", Want: int64(-9223372036854775808)},
		{Name: "IntegerMax", Type: Integer, Input: "9223372036854775807", Want: int64(9223372036854775807)},
		{Name: "IntegerOverflow", Type: Integer, Input: "9223372036854775808", WantErr: `column "c": "9223372036854775808" is not an integer`},
		{Name: "IntegerBad", Type: Integer, Input: "12a", WantErr: `column "c": "12a" is not an integer`},
		{Name: "IntegerLeadingZero", Type: Integer, Input: "007", WantErr: `column "c": "007" is not an integer`},
		{Name: "IntegerDecimal", Type: Integer, Input: "1.5", WantErr: `column "c": "1.5" is not an integer`},

		{Name: "Decimal", Type: Decimal, Input: "12.50", Want: "12.50"},
		{Name: "DecimalPlus", Type: Decimal, Input: "+12.50", Want: "12.50"},
		{Name: "DecimalBarePoint", Type: Decimal, Input: ".5", Want: "0.5"},
		{Name: "DecimalNegBarePoint", Type: Decimal, Input: "-.5", Want: "-0.5"},
		{Name: "DecimalPlusBarePoint", Type: Decimal, Input: "+.5", Want: "0.5"},
		{Name: "DecimalInteger", Type: Decimal, Input: "-7", Want: "-7"},
		{Name: "DecimalNegZero", Type: Decimal, Input: "-0.00", Want: "0.00"},
		{Name: "DecimalNegZeroBarePoint", Type: Decimal, Input: "-.0", Want: "0.0"},
		{Name: "DecimalTrailingZeros", Type: Decimal, Input: "1.500", Want: "1.500"},
		{Name: "DecimalBig", Type: Decimal, Input: "123456789012345678901234567890", Want: "123456789012345678901234567890"},
		{Name: "DecimalExponent", Type: Decimal, Input: "1e5", WantErr: `column "c": "1e5" is not a decimal`},
		{Name: "DecimalLeadingZero", Type: Decimal, Input: "00.5", WantErr: `column "c": "00.5" is not a decimal`},
		{Name: "DecimalComma", Type: Decimal, Input: "1,5", WantErr: `column "c": "1,5" is not a decimal`},

		{Name: "Date", Type: Timestamp, Input: "2024-02-29", Want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{Name: "DateTime", Type: Timestamp, Input: "2024-02-29 13:14:15", Want: time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)},
		{Name: "DateTimeT", Type: Timestamp, Input: "2024-02-29T13:14:15", Want: time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)},
		{Name: "Fraction1", Type: Timestamp, Input: "2024-02-29 13:14:15.5", Want: time.Date(2024, 2, 29, 13, 14, 15, 500000000, time.UTC)},
		{Name: "Fraction3", Type: Timestamp, Input: "2024-02-29 13:14:15.123", Want: time.Date(2024, 2, 29, 13, 14, 15, 123000000, time.UTC)},
		{Name: "Fraction9", Type: Timestamp, Input: "2024-02-29 13:14:15.000000001", Want: time.Date(2024, 2, 29, 13, 14, 15, 1, time.UTC)},
		{Name: "TimestampZone", Type: Timestamp, Input: "2024-02-29T13:14:15Z", WantErr: `column "c": "2024-02-29T13:14:15Z" is not a timestamp`},
		{Name: "TimestampOffset", Type: Timestamp, Input: "2024-02-29T13:14:15+02:00", WantErr: `column "c": "2024-02-29T13:14:15+02:00" is not a timestamp`},
		{Name: "Fraction9Micro", Type: Timestamp, Input: "2024-02-29 13:14:15.000000001", Limits: Limits{FracDigits: 6}, WantErr: `column "c": "2024-02-29 13:14:15.000000001" is not a timestamp`},
		{Name: "Fraction6Micro", Type: Timestamp, Input: "2024-02-29 13:14:15.000001", Limits: Limits{FracDigits: 6}, Want: time.Date(2024, 2, 29, 13, 14, 15, 1000, time.UTC)},

		{Name: "DateOnly", Type: Date, Input: "2024-02-29", Want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{Name: "DateFirst", Type: Date, Input: "0001-01-01", Want: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Name: "DateWithTime", Type: Date, Input: "2024-02-29 00:00:00", WantErr: `column "c": "2024-02-29 00:00:00" is not a date`},

		{Name: "TZ", Type: TimestampTZ, Input: "2024-02-29T13:14:15Z", Want: time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)},
		{Name: "TZOffset", Type: TimestampTZ, Input: "2024-02-29 13:14:15.25+02:00", Want: time.Date(2024, 2, 29, 13, 14, 15, 250000000, time.FixedZone("", 7200))},
		{Name: "TZOffsetCompact", Type: TimestampTZ, Input: "2024-02-29T13:14:15-0530", Want: time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("", -19800))},
		{Name: "TZOffsetHours", Type: TimestampTZ, Input: "2024-02-29T13:14:15+01", Want: time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("", 3600))},
		{Name: "TZZeroOffset", Type: TimestampTZ, Input: "2024-02-29T13:14:15+00:00", Want: time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("", 0))},
		{Name: "TZNaive", Type: TimestampTZ, Input: "2024-02-29T13:14:15", WantErr: `column "c": "2024-02-29T13:14:15" is not a timestamp with an offset`},
		{Name: "TZDate", Type: TimestampTZ, Input: "2024-02-29", WantErr: `column "c": "2024-02-29" is not a timestamp with an offset`},
		{Name: "TimestampBadDay", Type: Timestamp, Input: "2023-02-29", WantErr: `column "c": "2023-02-29" is not a timestamp`},

		{Name: "LongValueCut", Type: Integer, Input: strings.Repeat("x", 100), WantErr: `column "c": "` + strings.Repeat("x", 40) + `..." is not an integer`},
		{Name: "LongValueCutRune", Type: Integer, Input: strings.Repeat("x", 39) + "éééé", WantErr: `column "c": "` + strings.Repeat("x", 39) + `..." is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			c := NewConverter([]Column{{Name: "c", Type: tt.Type}}, tt.Limits)
			out := []any{"stale"}
			outb := []any{"stale"}
			quoted := []bool{tt.Quoted}
			if !tt.Quoted {
				quoted = nil // nil: no field quoted
			}
			err := c.ConvertStrings([]string{tt.Input}, quoted, out)
			errb := c.convertBytes([][]byte{[]byte(tt.Input)}, quoted, outb)
			if tt.WantErr != "" {
				for _, e := range []error{err, errb} {
					if e == nil || e.Error() != tt.WantErr {
						t.Errorf("error = %v, want %s", e, tt.WantErr)
					}
					var ce *ConvertError
					if !errors.As(e, &ce) || ce.Type != tt.Type || ce.Column != "c" {
						t.Errorf("error %v is not a *ConvertError for column c, type %v", e, tt.Type)
					}
				}
				return
			}
			if err != nil || errb != nil {
				t.Fatalf("unexpected errors %v, %v", err, errb)
			}
			for _, got := range []any{out[0], outb[0]} {
				if !sameValue(got, tt.Want) {
					t.Errorf("got %#v, want %#v", got, tt.Want)
				}
			}
		})
	}
}

// sameValue compares converted values: times by instant and offset (a
// zone's name does not matter), the rest deeply.
func sameValue(got, want any) bool {
	gt, ok1 := got.(time.Time)
	wt, ok2 := want.(time.Time)
	if !ok1 || !ok2 {
		return reflect.DeepEqual(got, want)
	}
	_, goff := gt.Zone()
	_, woff := wt.Zone()
	return gt.Equal(wt) && goff == woff && (gt.Location() == time.UTC) == (wt.Location() == time.UTC)
}

func TestConvertRecord(t *testing.T) {
	c := NewConverter([]Column{{Name: "id", Type: Integer}, {Name: "price", Type: Decimal}, {Name: "at", Type: Timestamp}, {Name: "note", Type: Text}}, Limits{})
	out := make([]any, 4)
	if err := c.ConvertStrings([]string{"1", "+2.50", "2024-01-02", ""}, nil, out); err != nil {
		t.Fatal(err)
	}
	want := []any{int64(1), "2.50", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), nil}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got %#v, want %#v", out, want)
	}
	// out is reused: a later empty field resets the value to nil.
	if err := c.ConvertStrings([]string{"", "", "", "x"}, nil, out); err != nil {
		t.Fatal(err)
	}
	if want := []any{nil, nil, nil, "x"}; !reflect.DeepEqual(out, want) {
		t.Errorf("got %#v, want %#v", out, want)
	}
	// Quoted empty fields: "" in the text column, NULL in the others.
	if err := c.ConvertStrings([]string{"", "", "", ""}, []bool{true, true, true, true}, out); err != nil {
		t.Fatal(err)
	}
	if want := []any{nil, nil, nil, ""}; !reflect.DeepEqual(out, want) {
		t.Errorf("quoted empty fields: got %#v, want %#v", out, want)
	}
	err := c.ConvertStrings([]string{"1", "2"}, nil, out)
	if err == nil || err.Error() != "got 2 fields, want 4" {
		t.Errorf("field count error = %v", err)
	}
}

// TestConvertInferred checks that every value of a column converts under
// the type inferred from it.
func TestConvertInferred(t *testing.T) {
	recs := [][]string{
		{"1", "1", "2024-01-02", "007", ".5", "-9223372036854775809", "2024-01-02", "2024-01-02T03:04:05Z"},
		{"-2", "2.25", "2024-01-02 03:04:05.6", "x", "-.5", "1", "0001-01-01", "2024-01-02 03:04:05.123456789-14:00"},
		{"", "+3", "", "", "+1.0", "", "", ""},
	}
	var in Inferrer
	for _, r := range recs {
		in.Add(r)
	}
	cols := in.Columns(ColumnNames(make([]string, 8)))
	wantTypes := []Type{Integer, Decimal, Timestamp, Text, Decimal, Decimal, Date, TimestampTZ}
	for i, c := range cols {
		if c.Type != wantTypes[i] {
			t.Errorf("column %d: type %v, want %v", i, c.Type, wantTypes[i])
		}
	}
	conv := NewConverter(cols, Limits{})
	out := make([]any, len(cols))
	for _, r := range recs {
		if err := conv.ConvertStrings(r, nil, out); err != nil {
			t.Errorf("Convert(%q): %v", r, err)
		}
	}
}

func benchConvert(b *testing.B, cols []Column, strs bool) {
	recs, size := benchRecords()
	srecs := make([][]string, len(recs))
	for i, rec := range recs {
		for _, f := range rec {
			srecs[i] = append(srecs[i], string(f))
		}
	}
	conv := NewConverter(cols, Limits{NoNUL: true})
	out := make([]any, len(cols))
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for i := range recs {
			var err error
			if strs {
				err = conv.ConvertStrings(srecs[i], nil, out)
			} else {
				err = conv.convertBytes(recs[i], nil, out)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkConvert(b *testing.B) {
	typed := []Column{{Name: "a", Type: Integer}, {Name: "b", Type: Decimal}, {Name: "c", Type: Timestamp}, {Name: "d"}, {Name: "e"}, {Name: "f"}}
	text := []Column{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}, {Name: "f"}}
	b.Run("Typed/Bytes", func(b *testing.B) { benchConvert(b, typed, false) })
	b.Run("Typed/Strings", func(b *testing.B) { benchConvert(b, typed, true) })
	b.Run("AllText/Bytes", func(b *testing.B) { benchConvert(b, text, false) })
	b.Run("AllText/Strings", func(b *testing.B) { benchConvert(b, text, true) })
}
