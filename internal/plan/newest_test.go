package plan

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/problem"
)

func TestNewer(t *testing.T) {
	tests := []struct {
		Name string
		A, B string
		Want bool
	}{
		{"LaterDate", "site/2023/2023-01-09_export.zip!/a.csv", "site/2023/2023-01-08_export.tar.gz!/a.csv", true},
		{"EarlierDate", "site/2023/2023-01-08_export.zip!/a.csv", "site/2023/2023-01-09_export.tar.gz!/a.csv", false},
		// Byte order would call "old/..." newer than "2023/...".
		{"DateBeatsByteOrder", "2023/2023-01-02_export.zip!/a.csv", "old/backup-2022-12-31.tar.gz!/a.csv", true},
		{"CompactDate", "x/backup-20230102.zip!/a.csv", "x/backup-2023-01-01.zip!/a.csv", true},
		{"UnderscoreDate", "x/2023_01_02.zip!/a.csv", "x/2023-01-01.zip!/a.csv", true},
		{"LastDateInPathCounts", "2020-01-01/2023-05-01.zip!/a.csv", "2022-01-01/2023-04-01.zip!/a.csv", true},
		{"DateInsideMemberIgnored", "b.zip!/2020-01-01/a.csv", "a.zip!/2029-01-01/a.csv", true},
		{"UndatedOlderThanDated", "zzz.zip!/a.csv", "2001-01-01.zip!/a.csv", false},
		{"SameDateByteOrder", "2023-01-02_b.zip!/a.csv", "2023-01-02_a.zip!/a.csv", true},
		{"NoDateByteOrder", "b.zip!/a.csv", "a.zip!/a.csv", true},
		{"NotADate", "x/b20231345.zip!/a.csv", "x/a.zip!/a.csv", true}, // month 13: no date, byte order
		{"LongNumberNotADate", "x/120230102999.zip", "x/20200101.zip", false},
		{"Equal", "a.zip!/a.csv", "a.zip!/a.csv", false},
		{"SecondCopy", "a.tar!/x.csv#2", "a.tar!/x.csv", true},
		{"TenthCopyAfterNinth", "a.tar!/x.csv#10", "a.tar!/x.csv#9", true},
		{"NinthCopyBeforeTenth", "a.tar!/x.csv#9", "a.tar!/x.csv#10", false},
		{"EscapedHashIsName", "a.tar!/x##9", "a.tar!/x##10", true}, // names "x#9" and "x#10": byte order
		{"CopyOfEscapedName", "a.tar!/x###3", "a.tar!/x##", true},  // third copy of "x#"
		{"OtherArchiveByteOrder", "b.tar!/x.csv", "a.tar!/x.csv#10", true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := Newer(tt.A, tt.B); got != tt.Want {
				t.Errorf("Newer(%q, %q) = %v, want %v", tt.A, tt.B, got, tt.Want)
			}
		})
	}
}

// TestChooseOrderFree checks that a mix of dated and undated sources,
// where a rule "dates when both have one, else byte order" would go round
// in a circle, is chosen the same whatever order the candidates come in.
func TestChooseOrderFree(t *testing.T) {
	base := []Candidate{
		{Key: "k", Source: "z/2022-01-01.zip!/k", Rows: 5, Value: "5", SHA256: sha},
		{Key: "k", Source: "m/undated.zip!/k", Rows: 5, Value: "5", SHA256: sha},
		{Key: "k", Source: "a/2023-01-01.zip!/k", Rows: 5, Value: "5", SHA256: sha},
	}
	perms := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	var first []Entry
	for _, p := range perms {
		var in []Candidate
		for _, i := range p {
			in = append(in, base[i])
		}
		got := Choose(in, strings.Compare)
		if first == nil {
			first = got
			continue
		}
		if !reflect.DeepEqual(got, first) {
			t.Fatalf("order %v chose %+v, order %v chose %+v", perms[0], first, p, got)
		}
	}
	if first[0].Source != "a/2023-01-01.zip!/k" {
		t.Errorf("chose %s, want the 2023 snapshot", first[0].Source)
	}
}

func TestChooseWarnings(t *testing.T) {
	fuller := Candidate{Key: "k", Source: "s/2023-01-01.zip!/k", Rows: 9, Value: "9", SHA256: sha, Warnings: []string{WarnMixedLineEndings}}
	newer := Candidate{Key: "k", Source: "s/2023-02-01.zip!/k", Rows: 3, Value: "3", SHA256: sha}
	only := Candidate{Key: "o", Source: "s/2023-01-01.zip!/o", Rows: 3, Value: "3", SHA256: sha, Warnings: []string{WarnFieldCount(2, 7)}}
	in := []Candidate{fuller, newer, only}
	got := Choose(in, func(a, b string) int { return strings.Compare(a, b) })
	want := []string{WarnMixedLineEndings, WarnNotNewest(newer.Source)}
	if !slices.Equal(got[0].Warnings, want) {
		t.Errorf("warnings of k = %q, want %q", got[0].Warnings, want)
	}
	if !slices.Equal(in[0].Warnings, []string{WarnMixedLineEndings}) {
		t.Errorf("Choose changed its input's warnings: %q", in[0].Warnings)
	}
	if !slices.Equal(got[1].Warnings, only.Warnings) {
		t.Errorf("warnings of o = %q, want %q", got[1].Warnings, only.Warnings)
	}

	probs := WarningProblems(got, nil)
	if len(probs) != 1 || probs[0].Source != only.Source || !errors.Is(probs[0], ErrStructural) {
		t.Fatalf("WarningProblems = %v, want one structural problem for %s", probs, only.Source)
	}
	if !strings.Contains(probs[0].Error(), "field count differs") {
		t.Errorf("problem %q does not say which warning", probs[0])
	}
	if again := WarningProblems(got, []*problem.Error{problem.New(only.Source, 4, errors.New("x"))}); len(again) != 0 {
		t.Errorf("WarningProblems repeats a source already reported: %v", again)
	}
}

func TestStructural(t *testing.T) {
	for _, w := range []string{WarnUnclosedQuote(3), WarnFieldCount(1, 2)} {
		if !Structural(w) {
			t.Errorf("Structural(%q) = false", w)
		}
	}
	for _, w := range []string{WarnNonUTF8, WarnUTF16Guess, WarnMixedLineEndings, WarnNotNewest("x")} {
		if Structural(w) {
			t.Errorf("Structural(%q) = true", w)
		}
		if strings.Contains(w, WarningSep) {
			t.Errorf("warning %q holds the separator", w)
		}
	}
}

// TestDateAtIsTheRegexp checks dateAt against the regular expression it
// writes out, on every string of up to 10 bytes over an alphabet that
// reaches each of its branches, and on random longer ones.
func TestDateAtIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^(?:19|20)\d\d(?:` +
		`(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|` +
		`-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|` +
		`_(?:0[1-9]|1[0-2])_(?:0[1-9]|[12]\d|3[01])|` +
		`\.(?:0[1-9]|1[0-2])\.(?:0[1-9]|[12]\d|3[01]))`)
	check := func(s string) {
		if got, want := dateAt(s), len(re.FindString(s)); got != want {
			t.Fatalf("dateAt(%q) = %d, the regexp matches %d bytes", s, got, want)
		}
	}
	// Each position takes the bytes that matter there, and one that does
	// not: 19/20 years, months 0x/1x, days 0x-3x, the separators.
	pos := []string{"12x", "90x", "0x", "0x", "0123-_.x", "0123x", "0129-_x", "0123-_.x", "01239", "0129x"}
	var walk func(prefix string, i int)
	n := 0
	walk = func(prefix string, i int) {
		check(prefix)
		n++
		if i == len(pos) || strings.HasSuffix(prefix, "x") {
			return // no match can follow an x
		}
		for j := range len(pos[i]) {
			walk(prefix+pos[i][j:j+1], i+1)
		}
	}
	walk("", 0)
	g := uint64(7)
	alpha := "0123456789-_.x"
	for range 200000 {
		b := make([]byte, 6+g%8)
		for i := range b {
			g = g*6364136223846793005 + 1442695040888963407
			b[i] = alpha[(g>>33)%uint64(len(alpha))]
		}
		b[0], b[1] = "12"[g>>62&1], "90"[g>>61&1]
		check(string(b))
	}
	t.Logf("%d strings of the tree, 200000 random", n)
}
