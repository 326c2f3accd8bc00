package sqlite

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/sink/sqlsink"
)

func TestFormatTime(t *testing.T) {
	tests := []struct {
		Name  string
		Input time.Time
		Want  string
	}{
		{Name: "Seconds", Input: time.Date(2023, 1, 2, 13, 45, 10, 0, time.UTC), Want: "2023-01-02 13:45:10"},
		{Name: "Millis", Input: time.Date(2024, 2, 29, 23, 59, 59, 500_000_000, time.UTC), Want: "2024-02-29 23:59:59.5"},
		{Name: "Nanos", Input: time.Date(1999, 12, 31, 0, 0, 0, 1, time.UTC), Want: "1999-12-31 00:00:00.000000001"},
		{Name: "Micros", Input: time.Date(2023, 6, 1, 1, 2, 3, 123_456_000, time.UTC), Want: "2023-06-01 01:02:03.123456"},
		{Name: "YearZero", Input: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), Want: "0000-01-01 00:00:00"},
		{Name: "Year9999", Input: time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), Want: "9999-12-31 23:59:59.999999999"},
		{Name: "Year10000", Input: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Want: sqlsink.FormatTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))},
		{Name: "Negative", Input: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), Want: sqlsink.FormatTime(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC))},
		{Name: "Zone", Input: time.Date(2023, 1, 2, 13, 45, 10, 0, time.FixedZone("x", 3600)), Want: "2023-01-02 13:45:10"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := formatTime(tt.Input); got != tt.Want {
				t.Errorf("formatTime(%v) = %q, want %q", tt.Input, got, tt.Want)
			}
			if got, want := formatTime(tt.Input), sqlsink.FormatTime(tt.Input); got != want {
				t.Errorf("formatTime(%v) = %q, sqlsink.FormatTime = %q", tt.Input, got, want)
			}
		})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		in := time.Unix(r.Int64N(400_000_000_000)-62_135_596_800, 0).UTC()
		switch r.IntN(3) {
		case 1:
			in = in.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
		case 2:
			in = in.Add(time.Duration(r.IntN(1e9)))
		}
		if got, want := formatTime(in), sqlsink.FormatTime(in); got != want {
			t.Fatalf("formatTime(%v) = %q, sqlsink.FormatTime = %q", in, got, want)
		}
	}
}

func BenchmarkFormatTime(b *testing.B) {
	in := time.Date(2023, 1, 2, 13, 45, 10, 0, time.UTC)
	b.Run("sqlsink.FormatTime", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sqlsink.FormatTime(in)
		}
	})
	b.Run("formatTime", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			formatTime(in)
		}
	})
}
