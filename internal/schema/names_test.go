package schema

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestTableName(t *testing.T) {
	long := strings.Repeat("abcdefghij/", 8) // 88 bytes of name
	tests := []struct {
		Name  string
		Input string
		Want  string
	}{
		{Name: "Simple", Input: "data/LINE01.csv", Want: "data_line01"},
		{Name: "NoDir", Input: "orders.CSV", Want: "orders"},
		{Name: "NoExt", Input: "data/orders", Want: "data_orders"},
		{Name: "DotInDir", Input: "v1.2/orders.csv", Want: "v1_2_orders"},
		{Name: "OnlyLastExt", Input: "a.tar.csv", Want: "a_tar"},
		{Name: "Runs", Input: "--Sales  Q1 (final)--.csv", Want: "sales_q1_final"},
		{Name: "Underscores", Input: "__a__b__.csv", Want: "a_b"},
		{Name: "Backslash", Input: `dir\Sub\x.csv`, Want: "dir_sub_x"},
		{Name: "NonASCII", Input: "données/été.csv", Want: "donn_es_t"},
		{Name: "Digit", Input: "2024/01.csv", Want: "t_2024_01"},
		{Name: "Hidden", Input: ".hidden", Want: "hidden"},
		{Name: "Empty", Input: "", Want: "t"},
		{Name: "OnlyPunct", Input: "-+-.csv", Want: "t"},
		{Name: "Exactly63", Input: strings.Repeat("a", 63) + ".csv", Want: strings.Repeat("a", 63)},
		{Name: "Long", Input: long + "x.csv", Want: "abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_7f44e3d1"},
		{Name: "LongOther", Input: long + "y.csv", Want: "abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_609fd30a"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got := TableName(tt.Input)
			if got != tt.Want {
				t.Errorf("TableName(%q) = %q, want %q", tt.Input, got, tt.Want)
			}
			if len(got) > MaxNameLen {
				t.Errorf("TableName(%q) has %d bytes, want <= %d", tt.Input, len(got), MaxNameLen)
			}
		})
	}
}

func TestApplyTemplate(t *testing.T) {
	tests := []struct {
		Name    string
		Tmpl    string
		Key     string
		Want    string
		WantErr string
	}{
		{Name: "Name", Tmpl: "{name}", Key: "data/LINE01.csv", Want: "data_line01"},
		{Name: "NameDigit", Tmpl: "{name}", Key: "2024/01.csv", Want: "t_2024_01"},
		{Name: "Prefix", Tmpl: "raw_{base}", Key: "data/LINE01.csv", Want: "raw_line01"},
		{Name: "Glued", Tmpl: "raw{base}", Key: "data/LINE01.csv", Want: "rawline01"},
		{Name: "DirBase", Tmpl: "{dir}__{base}", Key: "Site A/x/LINE01.csv", Want: "site_a_x_line01"},
		{Name: "EmptyDir", Tmpl: "{dir}_{base}", Key: "LINE01.csv", Want: "line01"},
		{Name: "Constant", Tmpl: "All-Lines", Key: "data/LINE01.csv", Want: "all_lines"},
		{Name: "EmptyResult", Tmpl: "{dir}", Key: "x.csv", Want: "t"},
		{Name: "DigitResult", Tmpl: "{base}", Key: "data/01.csv", Want: "t_01"},
		{Name: "Unknown", Tmpl: "x_{file}", Key: "a.csv", WantErr: `table template "x_{file}": unknown placeholder {file} (known: {name}, {base}, {dir})`},
		{Name: "Unclosed", Tmpl: "x_{base", Key: "a.csv", WantErr: `table template "x_{base": unclosed "{"`},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := ApplyTemplate(tt.Tmpl, tt.Key)
			if tt.WantErr != "" {
				if err == nil || err.Error() != tt.WantErr {
					t.Fatalf("ApplyTemplate(%q, %q) error = %v, want %s", tt.Tmpl, tt.Key, err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyTemplate(%q, %q): unexpected error %v", tt.Tmpl, tt.Key, err)
			}
			if got != tt.Want {
				t.Errorf("ApplyTemplate(%q, %q) = %q, want %q", tt.Tmpl, tt.Key, got, tt.Want)
			}
		})
	}
}

func TestApplyTemplateNameIsTableName(t *testing.T) {
	for _, key := range []string{"data/LINE01.csv", "", "9/x.csv", strings.Repeat("long-", 30) + ".csv", "é.csv"} {
		got, err := ApplyTemplate("{name}", key)
		if err != nil || got != TableName(key) {
			t.Errorf("ApplyTemplate({name}, %q) = %q, %v; want %q", key, got, err, TableName(key))
		}
	}
}

func TestColumnNames(t *testing.T) {
	long := strings.Repeat("x", 70)
	tests := []struct {
		Name  string
		Input []string
		Want  []string
	}{
		{Name: "Simple", Input: []string{"ID", "Order Date", "qty"}, Want: []string{"id", "order_date", "qty"}},
		{Name: "KeepUnderscore", Input: []string{"a__b", "_c_", " d - e "}, Want: []string{"a__b", "c", "d_e"}},
		{Name: "Empty", Input: []string{"a", "", "  ", "b"}, Want: []string{"a", "col_2", "col_3", "b"}},
		{Name: "Digit", Input: []string{"1st", "2024"}, Want: []string{"c_1st", "c_2024"}},
		{Name: "Reserved", Input: []string{"select", "from", "order"}, Want: []string{"select", "from", "order"}},
		{Name: "Duplicates", Input: []string{"a", "A", "a "}, Want: []string{"a", "a_2", "a_3"}},
		{Name: "DuplicateTakenSuffix", Input: []string{"a", "A", "a_2"}, Want: []string{"a", "a_3", "a_2"}},
		{Name: "DuplicateEmpty", Input: []string{"", "col_1"}, Want: []string{"col_1", "col_1_2"}},
		{Name: "NonASCII", Input: []string{"Prix (€)", "Qté"}, Want: []string{"prix", "qt"}},
		{Name: "Long", Input: []string{long}, Want: []string{long[:63]}},
		{Name: "LongDuplicates", Input: []string{long, long + "y"}, Want: []string{long[:63], long[:61] + "_2"}},
		{Name: "None", Input: []string{}, Want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got := ColumnNames(tt.Input)
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("ColumnNames(%q):\ngot  %q\nwant %q", tt.Input, got, tt.Want)
			}
		})
	}
}

// TestColumnNamesManyDuplicates names 100,000 columns of one header name:
// each gets the next free suffix (this took quadratic time before).
func TestColumnNamesManyDuplicates(t *testing.T) {
	const n = 100_000
	header := make([]string, n)
	for i := range header {
		header[i] = "x"
	}
	header[1] = "x_3" // taken before its turn: skipped
	names := ColumnNames(header)
	seen := make(map[string]bool, n)
	for _, name := range names {
		if seen[name] {
			t.Fatalf("name %s given twice", name)
		}
		seen[name] = true
	}
	if names[0] != "x" || names[2] != "x_2" || names[3] != "x_4" || names[n-1] != fmt.Sprintf("x_%d", n) {
		t.Errorf("names = %q ... %q, want x, x_3, x_2, x_4 ... x_%d", names[:4], names[n-1], n)
	}
}

func BenchmarkColumnNamesDuplicates(b *testing.B) {
	header := make([]string, 100_000)
	for i := range header {
		header[i] = "x"
	}
	b.ReportAllocs()
	for b.Loop() {
		ColumnNames(header)
	}
}
