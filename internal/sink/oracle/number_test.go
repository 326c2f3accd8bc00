package oracle

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// TestNumberBytes checks Number against the byte form Oracle documents
// ("Internal Numeric Format"; what DUMP(x) shows), and that go-ora decodes
// the bytes back to the input.
func TestNumberBytes(t *testing.T) {
	digits38 := "12345678901234567890123456789012345678"
	tests := []struct {
		Input  string
		Want   []byte
		String string // go-ora's reading, when it differs from Input
		// NoRead: go-ora reads any number whose first byte is 128 as
		// zero, and 1e-130 is one.
		NoRead bool
	}{
		{Input: "0", Want: []byte{128}},
		{Input: "1", Want: []byte{193, 2}},
		{Input: "10", Want: []byte{193, 11}},
		{Input: "100", Want: []byte{194, 2}},
		{Input: "123", Want: []byte{194, 2, 24}},
		{Input: "12.5", Want: []byte{193, 13, 51}},
		{Input: "0.1", Want: []byte{192, 11}},
		{Input: "0.01", Want: []byte{192, 2}},
		{Input: "-1", Want: []byte{62, 100, 102}},
		{Input: "-10", Want: []byte{62, 91, 102}},
		{Input: "-100", Want: []byte{61, 100, 102}},
		{Input: "-123", Want: []byte{61, 100, 78, 102}},
		{Input: "-0.1", Want: []byte{63, 91, 102}},
		{Input: "-1.5", Want: []byte{62, 100, 51, 102}},
		// 21 decimal digits, 11 base-100 digits: the terminator stays
		// (go-ora drops it from 21 decimal digits on).
		{Input: "-123456789012345678901", Want: []byte{52, 100, 78, 56, 34, 12, 100, 78, 56, 34, 12, 100, 102}},
		// 38 digits on an odd exponent: 19 base-100 digits, terminator.
		{Input: "-" + digits38, Want: append(negBytes(18, digits38), 102), String: "-" + digits38},
		// 38 digits on an even exponent: 20 base-100 digits, no
		// terminator.
		{Input: "-1." + digits38[1:], Want: negBytes(0, "0"+digits38+"0"), String: "-1." + digits38[1:]},
		// The ends of the range: 1e-130 ≤ |x| < 1e126.
		{Input: "0." + strings.Repeat("0", 129) + "1", Want: []byte{128, 2}, NoRead: true},
		{Input: "-0." + strings.Repeat("0", 129) + "1", Want: []byte{127, 100, 102}, String: "-0." + strings.Repeat("0", 129) + "1"},
		{Input: "999" + strings.Repeat("0", 123), Want: []byte{255, 100, 91}, String: "999" + strings.Repeat("0", 123)},
	}
	for _, tt := range tests {
		n, err := Number(tt.Input)
		if err != nil {
			t.Errorf("Number(%.40q): %v", tt.Input, err)
			continue
		}
		if got := numberBytes(n); !bytes.Equal(got, tt.Want) {
			t.Errorf("Number(%.40q) = %v, want %v", tt.Input, got, tt.Want)
		}
		if tt.NoRead {
			continue
		}
		want := tt.String
		if want == "" {
			want = tt.Input
		}
		if s, err := n.String(); err != nil || !sameNumber(s, want) {
			t.Errorf("Number(%.40q).String() = %q, %v; want %.40q", tt.Input, s, err, want)
		}
	}
}

// negBytes returns the bytes of a negative number of base-100 exponent
// e100 and the even decimal digit string d (no terminator).
func negBytes(e100 int, d string) []byte {
	b := []byte{byte(62 - e100)}
	for i := 0; i < len(d); i += 2 {
		b = append(b, 101-((d[i]-'0')*10+d[i+1]-'0'))
	}
	return b
}

// sameNumber compares go-ora's text of a number with a wanted one, which
// may be in either plain or scientific notation.
func sameNumber(got, want string) bool {
	return strings.EqualFold(got, want) || strings.TrimRight(strings.TrimRight(got, "0"), ".") == strings.TrimRight(strings.TrimRight(want, "0"), ".")
}

func TestNumberRange(t *testing.T) {
	for _, bad := range []string{
		"1" + strings.Repeat("0", 126),         // 1e126
		"-1" + strings.Repeat("0", 126),        // -1e126
		"0." + strings.Repeat("0", 130) + "1",  // 1e-131
		"-0." + strings.Repeat("0", 130) + "9", // -9e-131
		"0." + strings.Repeat("0", 200) + "5",  // far below
		strings.Repeat("9", 39),                // 39 digits
	} {
		if n, err := Number(bad); err == nil {
			t.Errorf("Number(%.20q...) = %v, want an error", bad, numberBytes(n))
		}
	}
}

// BenchmarkNumber measures the canonical NUMBER encoder against go-ora's
// on the same decimals (bytes: the text's length).
func BenchmarkNumber(b *testing.B) {
	vals := []string{"12.50", "-0.001", "-123456789012345678901.5", "987654321.123456789", "0"}
	var n int64
	for _, v := range vals {
		n += int64(len(v))
	}
	b.Run("siftload", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(n)
		for b.Loop() {
			for _, v := range vals {
				if _, err := Number(v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("go-ora", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(n)
		for b.Loop() {
			for _, v := range vals {
				if _, err := go_ora.NewNumberFromString(v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkInsertBatches measures building the bind arrays of 10,000
// rows (no database: the executor only counts), with the savepoint
// statements of a batch.
func BenchmarkInsertBatches(b *testing.B) {
	cols := []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "amount", Type: schema.Decimal}, {Name: "note", Type: schema.Text}}
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: cols}}
	recs := make([][]any, 10_000)
	var size int64
	for i := range recs {
		recs[i] = []any{int64(i), fmt.Sprintf("%d.%02d", i, i%100), fmt.Sprint("note ", i)}
		size += 8 + int64(len(recs[i][1].(string))+len(recs[i][2].(string)))
	}
	w := &writer{
		insert: func(_ context.Context, args []any) (int64, error) { return int64(reflect.ValueOf(args[0]).Len()), nil },
		sql:    func(context.Context, string, ...any) error { return nil },
	}
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		if _, err := insertBatches(context.Background(), job, sinktest.NewSource(recs...), nil, DefaultBatch, w); err != nil {
			b.Fatal(err)
		}
	}
}
