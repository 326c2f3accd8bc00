package schema

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	const (
		i  = fitsInteger | fitsDecimal
		d  = fitsDecimal
		s  = fitsTimestamp
		dt = fitsDate | fitsTimestamp
		z  = fitsTZ
		x  = uint8(0) // Text
	)
	tests := []struct {
		Input string
		Want  uint8
	}{
		// Integers.
		{"0", i}, {"7", i}, {"-12", i}, {"+12", i}, {"-0", i},
		{"9223372036854775807", i}, {"-9223372036854775808", i},
		{"123456789012345678", i},
		// Leading zeros are codes.
		{"007", x}, {"00", x}, {"-01", x}, {"+00", x},
		// Too big for int64: Decimal up to 38 digits.
		{"9223372036854775808", d}, {"-9223372036854775809", d},
		{"10000000000000000000", d},
		{strings.Repeat("9", 38), d}, {strings.Repeat("9", 39), x},
		// Decimals.
		{"0.5", d}, {"12.50", d}, {"-1.25", d}, {"+1.25", d}, {".5", d}, {"-.5", d}, {"+.5", d},
		{"0.000", d}, {"-0.0", d},
		{"0." + strings.Repeat("0", 50) + "1", d},
		{"1." + strings.Repeat("0", 37), d}, {"1." + strings.Repeat("0", 38), x},
		{"00.5", x}, {"01.5", x}, {"1.", x}, {".", x}, {"-", x}, {"+", x}, {"-.", x},
		{"1.2.3", x}, {"1e5", x}, {"1.5e3", x}, {"1,5", x}, {"1 000", x},
		{" 12", x}, {"12 ", x}, {"0x1F", x}, {"NaN", x}, {"Inf", x}, {"--1", x},
		// Timestamps.
		{"2024-02-29", dt}, {"2024-12-31 23:59:59", s}, {"2024-12-31T23:59:59", s},
		{"2024-01-02 03:04:05.1", s}, {"2024-01-02 03:04:05.123456789", s},
		{"0001-01-01", dt}, {"9999-12-31 23:59:59", s},
		{"2023-02-29", x}, {"1900-02-29", x}, {"2000-02-29", dt}, {"2024-04-31", x},
		{"2024-13-01", x}, {"2024-00-10", x}, {"0000-01-01", x},
		{"2024-01-02 24:00:00", x}, {"2024-01-02 23:60:00", x}, {"2024-01-02 23:59:60", x},
		{"2024-01-02 03:04:05.", x}, {"2024-01-02 03:04:05.1234567890", x},
		{"2024-01-02 03:04", x},
		// Timestamps with an offset.
		{"2024-01-02T03:04:05Z", z}, {"2024-01-02T03:04:05+01:00", z}, {"2024-01-02 03:04:05-0530", z},
		{"2024-01-02T03:04:05+01", z}, {"2024-01-02T03:04:05.123456789Z", z}, {"2024-01-02T03:04:05.5-14:00", z},
		{"2024-01-02T03:04:05+14:01", x}, {"2024-01-02T03:04:05+15", x}, {"2024-01-02T03:04:05+01:60", x},
		{"2024-01-02T03:04:05+1", x}, {"2024-01-02T03:04:05+01:0", x}, {"2024-01-02T03:04:05+01-00", x},
		{"2024-01-02T03:04:05z", x}, {"2024-01-02T03:04:05Z ", x}, {"2024-01-02T03:04:05ZZ", x}, {"2024-01-02Z", x},
		{"2024-01-02T03:04:05.Z", x}, {"2024-01-02T03:04:05.1234567890Z", x},
		{"0001-01-01T00:00:00Z", z}, {"0001-01-01T00:59:00+01:00", x}, {"0001-01-01T01:00:00+01:00", z},
		{"9999-12-31T23:59:59Z", z}, {"9999-12-31T23:00:00-01:00", x}, {"9999-12-31T22:59:59-01:00", z},
		{"2024-01-02 03:04:05 UTC", x}, {"2024-01-02t03:04:05", x}, {"2024-1-2", x},
		{"2024/01/02", x}, {"02/01/2024", x}, {"20240102", i}, {"2024-01-0a", x},
		// Text.
		{"abc", x}, {"é", x}, {"true", x},
	}
	for _, tt := range tests {
		t.Run(tt.Input, func(t *testing.T) {
			if got := classify(tt.Input, 9); got != tt.Want {
				t.Errorf("classify(%q) = %05b, want %05b", tt.Input, got, tt.Want)
			}
			if got := classify([]byte(tt.Input), 9); got != tt.Want {
				t.Errorf("classify([]byte(%q)) = %05b, want %05b", tt.Input, got, tt.Want)
			}
		})
	}
}

func TestInfer(t *testing.T) {
	tests := []struct {
		Name    string
		Records [][]string
		AllText bool
		Limits  Limits
		Want    []Column // Name is "a", "b", ... by position
	}{{
		Name:    "Integer",
		Records: [][]string{{"1"}, {"-20"}, {""}, {"+3"}},
		Want:    []Column{{Type: Integer, MaxLen: 3}},
	}, {
		Name:    "IntegerWidensToDecimal",
		Records: [][]string{{"1"}, {"2.50"}, {"3"}},
		Want:    []Column{{Type: Decimal, MaxLen: 4}},
	}, {
		Name:    "DecimalThenInteger",
		Records: [][]string{{".5"}, {"10"}},
		Want:    []Column{{Type: Decimal, MaxLen: 2}},
	}, {
		Name:    "Int64OverflowWidensToDecimal",
		Records: [][]string{{"1"}, {"9223372036854775808"}},
		Want:    []Column{{Type: Decimal, MaxLen: 19}},
	}, {
		Name:    "LeadingZeroIsText",
		Records: [][]string{{"1"}, {"007"}, {"12"}},
		Want:    []Column{{Type: Text, MaxLen: 3}},
	}, {
		Name:    "ZeroIsInteger",
		Records: [][]string{{"0"}, {"10"}},
		Want:    []Column{{Type: Integer, MaxLen: 2}},
	}, {
		Name:    "DateAndDatetime",
		Records: [][]string{{"2024-01-02"}, {"2024-01-02 03:04:05.123"}, {"2024-01-02T03:04:05"}},
		Want:    []Column{{Type: Timestamp, MaxLen: 23}},
	}, {
		Name:    "DateOnly",
		Records: [][]string{{"2024-01-02"}, {""}, {"0001-01-01"}, {"9999-12-31"}},
		Want:    []Column{{Type: Date, MaxLen: 10}},
	}, {
		Name:    "Offsets",
		Records: [][]string{{"2024-01-02T03:04:05Z"}, {"2024-01-02 03:04:05.5+02:00"}, {"2024-01-02T03:04:05-0330"}},
		Want:    []Column{{Type: TimestampTZ, MaxLen: 27}},
	}, {
		Name:    "NaiveAndOffsetIsText",
		Records: [][]string{{"2024-01-02 03:04:05"}, {"2024-01-02T03:04:05Z"}},
		Want:    []Column{{Type: Text, MaxLen: 20}},
	}, {
		Name:    "DateAndOffsetIsText",
		Records: [][]string{{"2024-01-02"}, {"2024-01-02T03:04:05Z"}},
		Want:    []Column{{Type: Text, MaxLen: 20}},
	}, {
		Name:    "NanosecondsFit",
		Records: [][]string{{"2024-01-02 03:04:05.123456789"}},
		Want:    []Column{{Type: Timestamp, MaxLen: 29}},
	}, {
		Name:    "NanosecondsTextForMicrosecondTarget",
		Records: [][]string{{"2024-01-02 03:04:05.123456"}, {"2024-01-02 03:04:05.1234567"}},
		Limits:  Limits{FracDigits: 6},
		Want:    []Column{{Type: Text, MaxLen: 27}},
	}, {
		Name:    "MicrosecondsFitMicrosecondTarget",
		Records: [][]string{{"2024-01-02T03:04:05.123456Z"}},
		Limits:  Limits{FracDigits: 6},
		Want:    []Column{{Type: TimestampTZ, MaxLen: 27}},
	}, {
		Name:    "TimestampAndNumberIsText",
		Records: [][]string{{"2024-01-02"}, {"3"}},
		Want:    []Column{{Type: Text, MaxLen: 10}},
	}, {
		Name:    "OnlyEmptyIsText",
		Records: [][]string{{""}, {""}},
		Want:    []Column{{Type: Text}},
	}, {
		Name:    "TextLast",
		Records: [][]string{{"1"}, {"2"}, {"n/a"}},
		Want:    []Column{{Type: Text, MaxLen: 3}},
	}, {
		Name:    "MaxLenBytes",
		Records: [][]string{{"été"}, {"a"}},
		Want:    []Column{{Type: Text, MaxLen: 5}},
	}, {
		Name:    "ManyColumns",
		Records: [][]string{{"1", "1.5", "2024-01-01", "x", ""}, {"2", "2", "2024-01-01 00:00:00", "3", ""}},
		Want: []Column{
			{Type: Integer, MaxLen: 1}, {Type: Decimal, MaxLen: 3}, {Type: Timestamp, MaxLen: 19},
			{Type: Text, MaxLen: 1}, {Type: Text},
		},
	}, {
		Name:    "ShortRecords",
		Records: [][]string{{"1"}, {"2", "3"}},
		Want:    []Column{{Type: Integer, MaxLen: 1}, {Type: Integer, MaxLen: 1}, {Type: Text}},
	}, {
		Name:    "AllText",
		Records: [][]string{{"1", "2024-01-01"}, {"22", ""}},
		AllText: true,
		Want:    []Column{{Type: Text, MaxLen: 2}, {Type: Text, MaxLen: 10}},
	}, {
		Name: "NoRecords",
		Want: []Column{{Type: Text}},
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			names := make([]string, len(tt.Want))
			for i := range tt.Want {
				names[i] = string(rune('a' + i))
				tt.Want[i].Name = names[i]
			}
			in := Inferrer{AllText: tt.AllText, Limits: tt.Limits}
			inb := Inferrer{AllText: tt.AllText, Limits: tt.Limits}
			for _, rec := range tt.Records {
				in.Add(rec)
				b := make([][]byte, len(rec))
				for i, f := range rec {
					b[i] = []byte(f)
				}
				inb.addBytes(b)
			}
			for _, got := range [][]Column{in.Columns(names), inb.Columns(names)} {
				if fmt.Sprint(got) != fmt.Sprint(tt.Want) {
					t.Errorf("Columns:\ngot  %v\nwant %v", got, tt.Want)
				}
			}
		})
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{Text: "text", Integer: "integer", Decimal: "decimal", Timestamp: "timestamp", Date: "date", TimestampTZ: "timestamptz"} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", typ, got, want)
		}
	}
}

// TestWiden checks that widening the columns inferred from two sets of
// values gives the column inferred from both sets together.
func TestWiden(t *testing.T) {
	values := []string{"7", "-12", "99999999999999999999", "1.50", "2024-01-02", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+02:00", "007", "abc"}
	infer := func(vs ...string) Column {
		var in Inferrer
		for _, v := range vs {
			in.Add([]string{v})
		}
		return in.Columns([]string{"c"})[0]
	}
	for _, a := range values {
		for _, b := range values {
			if got, want := Widen(infer(a), infer(b)), infer(a, b); got != want {
				t.Errorf("Widen(%q, %q) = %+v, want %+v", a, b, got, want)
			}
		}
	}
}

// benchRecords returns a file's worth of typical records and its size.
func benchRecords() ([][][]byte, int64) {
	var recs [][][]byte
	var size int64
	for i := range 1000 {
		rec := [][]byte{
			fmt.Appendf(nil, "%d", i*7919),
			fmt.Appendf(nil, "%d.%02d", i, i%100),
			fmt.Appendf(nil, "2024-%02d-%02d 12:%02d:%02d", i%12+1, i%28+1, i%60, (i*7)%60),
			fmt.Appendf(nil, "LINE%04d", i),
			fmt.Appendf(nil, "some free text, row %d", i),
			nil,
		}
		for _, f := range rec {
			size += int64(len(f)) + 1
		}
		recs = append(recs, rec)
	}
	return recs, size
}

func BenchmarkInfer(b *testing.B) {
	recs, size := benchRecords()
	b.SetBytes(size)
	b.ReportAllocs()
	var in Inferrer
	in.addBytes(recs[0])
	b.ResetTimer()
	for b.Loop() {
		in = Inferrer{cols: in.cols[:0]}
		for _, rec := range recs {
			in.addBytes(rec)
		}
	}
	cols := in.Columns([]string{"a", "b", "c", "d", "e", "f"})
	if cols[0].Type != Integer || cols[1].Type != Decimal || cols[2].Type != Timestamp || cols[3].Type != Text {
		b.Fatalf("unexpected columns %v", cols)
	}
}

// FuzzClassify checks the hand-written scanners against strconv, math/big
// and time.Parse.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"0", "-12", "007", "9223372036854775808", "1.50", "-.5", "2024-02-29 13:14:15.5", "2024-02-29T13:14:15", "x"} {
		f.Add(s)
	}
	f.Add("2024-02-29T13:14:15.5+02:00")
	f.Add("2024-02-29 13:14:15Z")
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		fits := classify(s, 9)
		if fits != classify([]byte(s), 9) {
			t.Fatalf("classify(%q) differs for string and []byte", s)
		}
		if fits&fitsInteger != 0 {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n != parseInt64(s) {
				t.Fatalf("%q: Integer, but ParseInt = %d, %v; parseInt64 = %d", s, n, err, parseInt64(s))
			}
		}
		if fits&fitsDecimal != 0 {
			if _, ok := new(big.Rat).SetString(s); !ok || strings.ContainsAny(s, "eE/") {
				t.Fatalf("%q: Decimal, but not a decimal number", s)
			}
			c := canonicalDecimal(s)
			if a, _ := new(big.Rat).SetString(c); a.Cmp(mustRat(s)) != 0 {
				t.Fatalf("%q: canonical %q has another value", s, c)
			}
		}
		if fits&fitsTZ != 0 {
			// time.Parse takes "Z07:00" offsets only: rewrite the others.
			v := s
			switch i := strings.LastIndexAny(v, "+-"); {
			case strings.HasSuffix(v, "Z"):
			case len(v)-i == 3:
				v += ":00"
			case len(v)-i == 5:
				v = v[:i+3] + ":" + v[i+3:]
			}
			layout := "2006-01-02" + s[10:11] + "15:04:05.999999999Z07:00"
			want, err := time.Parse(layout, v)
			ts, _ := parseTimestamp(s)
			if err != nil || want.Year() < 1 || want.UTC().Year() < 1 || want.UTC().Year() > 9999 {
				t.Fatalf("%q: TimestampTZ, but time.Parse = %v, %v", s, want, err)
			}
			if _, off := want.Zone(); off != ts.offset*60 || ts.utc != strings.HasSuffix(s, "Z") {
				t.Fatalf("%q: offset %d min (utc %v), time.Parse says %d s", s, ts.offset, ts.utc, off)
			}
		}
		if fits&fitsTimestamp != 0 {
			layout := "2006-01-02"
			if len(s) > 10 {
				layout = "2006-01-02" + s[10:11] + "15:04:05.999999999"
			}
			want, err := time.Parse(layout, s)
			ts, _ := parseTimestamp(s)
			got := time.Date(ts.year, time.Month(ts.month), ts.day, ts.hour, ts.min, ts.sec, ts.nsec, time.UTC)
			if err != nil || !got.Equal(want) {
				t.Fatalf("%q: Timestamp %v, but time.Parse = %v, %v", s, got, want, err)
			}
		}
		// What strconv accepts as a plain integer without a leading
		// zero must be an Integer or (out of range) a Decimal.
		if _, err := strconv.ParseInt(s, 10, 64); err == nil && !strings.ContainsAny(s, "_") && !leadingZero(s) && fits&fitsInteger == 0 {
			t.Fatalf("%q: ParseInt accepts it, classify does not", s)
		}
	})
}

func mustRat(s string) *big.Rat {
	r, _ := new(big.Rat).SetString(s)
	return r
}

func leadingZero(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return len(s) > 1 && s[0] == '0'
}
