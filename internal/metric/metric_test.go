package metric

import (
	"io"
	"strings"
	"testing"
)

func TestCompareValues(t *testing.T) {
	tests := []struct {
		Name string
		A, B string
		Want int
	}{
		{Name: "Numbers", A: "9", B: "10", Want: -1},
		{Name: "Decimals", A: "10.5", B: "10.25", Want: 1},
		{Name: "Negative", A: "-3", B: "2", Want: -1},
		{Name: "Equal", A: "7", B: "7", Want: 0},
		{Name: "EmptyLeast", A: "", B: "0", Want: -1},
		{Name: "Dates", A: "2023-01-09", B: "2023-01-10", Want: -1},
		{Name: "Timestamps", A: "2023-01-10 08:00:00", B: "2023-01-09 23:59:59", Want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := CompareValues(tt.A, tt.B); sign(got) != tt.Want {
				t.Errorf("CompareValues(%q, %q) = %d, want %d", tt.A, tt.B, got, tt.Want)
			}
		})
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"", "rows", "bytes", "max:ts"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("Lookup(%q): %v", name, err)
		}
	}
	for _, name := range []string{"max:", "most", "Rows"} {
		if _, err := Lookup(name); err == nil || !strings.Contains(err.Error(), "known: rows, bytes, max:COLUMN") {
			t.Errorf("Lookup(%q) = %v, want an error listing the metrics", name, err)
		}
	}
}

func TestCountedValue(t *testing.T) {
	rows, _ := Lookup("rows")
	bytes, _ := Lookup("bytes")
	if v := rows.Value(12, 300, nil); v != "12" {
		t.Errorf("rows value = %q", v)
	}
	if v := bytes.Value(12, 300, nil); v != "300" {
		t.Errorf("bytes value = %q", v)
	}
}

func TestMaxColumn(t *testing.T) {
	tests := []struct {
		Name    string
		Metric  string
		Input   string
		Want    string
		WantErr string
	}{
		{Name: "Timestamp", Metric: "max:ts", Input: "id,ts\n1,2023-01-02 10:00:00\n2,2023-01-03 09:00:00\n3,2023-01-01 23:00:00\n", Want: "2023-01-03 09:00:00"},
		{Name: "CaseInsensitiveHeader", Metric: "max:TS", Input: "id,ts\n1,2023-01-02\n", Want: "2023-01-02"},
		{Name: "Numbers", Metric: "max:qty", Input: "qty;x\n9;a\n10;b\n", Want: "10"},
		{Name: "QuotedNewline", Metric: "max:n", Input: "note,n\n\"a\nb\",5\n\"c\",7\n", Want: "7"},
		{Name: "Position", Metric: "max:2", Input: "a,b\n1,4\n2,3\n", Want: "4"},
		{Name: "EmptyValuesIgnored", Metric: "max:n", Input: "n\n\n3\n\n", Want: "3"},
		{Name: "NoSuchColumn", Metric: "max:ts", Input: "id\n1\n", WantErr: `column "ts" not in header`},
		{Name: "BadQuote", Metric: "max:a", Input: "a\n\"x\n", WantErr: "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			m, err := Lookup(tt.Metric)
			if err != nil {
				t.Fatal(err)
			}
			ms := m.New()
			// Small writes: the measurer must not depend on chunking.
			for i := 0; i < len(tt.Input); i += 3 {
				io.WriteString(ms, tt.Input[i:min(i+3, len(tt.Input))])
			}
			err = ms.Close()
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Errorf("Close() = %v, want error containing %q", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Value(0, 0, ms); got != tt.Want {
				t.Errorf("value = %q, want %q", got, tt.Want)
			}
		})
	}
}
