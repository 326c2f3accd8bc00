package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/plan"
)

// rotationSite writes a site whose exports rotate: the later snapshot
// holds April to December of key data/X.csv, the earlier January to June;
// key data/Y.csv only grows. It returns the site's directory and the two
// snapshots' sources of data/X.csv (the older first).
func rotationSite(t *testing.T) (string, string, string) {
	t.Helper()
	t.Chdir(t.TempDir())
	months := func(first, last int) string {
		var b strings.Builder
		b.WriteString("month,qty\n")
		for m := first; m <= last; m++ {
			fmt.Fprintf(&b, "2023-%02d,%d\n", m, m*7)
		}
		return b.String()
	}
	writeZip(t, "site/2023-06-30_export.zip", map[string]string{"data/X.csv": months(1, 6), "data/Y.csv": months(1, 2)})
	writeZip(t, "site/2023-12-31_export.zip", map[string]string{"data/X.csv": months(4, 12), "data/Y.csv": months(1, 3)})
	writeZip(t, "site/2024-01-31_export.zip", map[string]string{"data/X.csv": "month,qty\n"})
	return "site", "site/2023-06-30_export.zip!/data/X.csv", "site/2023-12-31_export.zip!/data/X.csv"
}

func TestCoverageModes(t *testing.T) {
	dir, old, chosen := rotationSite(t)
	warning := "3 rows of " + old + " are not in the chosen version"
	tests := []struct {
		Name        string
		Mode        string
		WantMissing string // the plan's missing_rows,missing_from of data/X.csv
		WantWarning bool
		WantProblem bool
	}{
		{Name: "Default", Mode: "", WantMissing: "3," + old, WantWarning: true},
		{Name: "Warn", Mode: "warn", WantMissing: "3," + old, WantWarning: true},
		{Name: "Strict", Mode: "strict", WantMissing: "3," + old, WantWarning: true, WantProblem: true},
		{Name: "Off", Mode: "off", WantMissing: ","},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			p, _ := quiet(t)
			o := config.Settings{Analysis: config.Analysis{Out: tt.Name + ".csv", Candidates: tt.Name + ".cands.csv", Workers: 2, Metric: "rows", MaxDepth: 4,
				Coverage: tt.Mode}}
			entries, err := runAnalyze(t.Context(), p, o, []string{dir})
			if tt.WantProblem != errors.Is(err, ErrProblems) || (err != nil && !errors.Is(err, ErrProblems)) {
				t.Fatalf("analyze = %v, want problems: %v", err, tt.WantProblem)
			}
			x := entries[0]
			if x.Key != "data/X.csv" || x.Source != chosen {
				t.Fatalf("chose %s for %s, want %s", x.Source, x.Key, chosen)
			}
			row := planRow(t, tt.Name+".csv", "data/X.csv")
			if !strings.HasSuffix(row, ","+tt.WantMissing) {
				t.Errorf("plan row %q, want it to end in %q", row, tt.WantMissing)
			}
			if strings.Contains(row, warning) != tt.WantWarning {
				t.Errorf("plan row %q, want the warning %q: %v", row, warning, tt.WantWarning)
			}
			if y := planRow(t, tt.Name+".csv", "data/Y.csv"); tt.Mode != "off" && !strings.HasSuffix(y, ",0,") {
				t.Errorf("plan row %q, want 0 missing", y)
			}
			probs := readFile(t, tt.Name+".problems.csv")
			if strings.Contains(probs, plan.ErrMissingRows.Error()) != tt.WantProblem {
				t.Errorf("problems:\n%s\nwant a coverage problem: %v", probs, tt.WantProblem)
			}
			// The candidates file holds each version's count.
			cands := readFile(t, tt.Name+".cands.csv")
			wantCand := old + ",6,"
			if tt.Mode != "off" && !strings.Contains(cands, "\n"+"data/X.csv,"+wantCand) {
				t.Errorf("candidates:\n%s\nwant the old version's row", cands)
			}
			for _, line := range strings.Split(strings.TrimSpace(cands), "\n")[1:] {
				want := ""
				switch {
				case tt.Mode == "off", strings.Contains(line, chosen), strings.HasPrefix(line, "data/Y.csv,site/2023-12-31"):
				case strings.HasPrefix(line, "data/X.csv,"+old):
					want = "3"
				default:
					want = "0"
				}
				if got := line[strings.LastIndex(line, ",")+1:]; got != want {
					t.Errorf("candidate %q: missing_rows %q, want %q", line, got, want)
				}
			}
		})
	}
}

// planRow returns the plan's row of key.
func planRow(t *testing.T, file, key string) string {
	t.Helper()
	for _, line := range strings.Split(readFile(t, file), "\n") {
		if strings.HasPrefix(line, key+",") {
			return line
		}
	}
	t.Fatalf("%s has no row for %s", file, key)
	return ""
}

func TestCoverageStrictStopsRun(t *testing.T) {
	dir, _, _ := rotationSite(t)
	for _, keepGoing := range []bool{false, true} {
		p, out := quiet(t)
		db := fmt.Sprintf("sqlite:%s", filepath.Join(t.TempDir(), "x.db"))
		err := execute(t.Context(), p, []string{"run", dir, "--coverage", "strict", "--db", db, "--keep-going=" + fmt.Sprint(keepGoing)})
		if !errors.Is(err, ErrProblems) {
			t.Fatalf("run --coverage strict = %v, want problems", err)
		}
		imported := strings.Contains(out.String(), "loaded")
		if imported != keepGoing {
			t.Errorf("keep-going %v: imported %v\n%s", keepGoing, imported, out)
		}
	}
	p, out := quiet(t)
	db := fmt.Sprintf("sqlite:%s", filepath.Join(t.TempDir(), "y.db"))
	if err := execute(t.Context(), p, []string{"run", dir, "--db", db}); err != nil {
		t.Fatalf("run (warn) = %v, want success\n%s", err, out)
	}
}

func TestCoverageSameForWorkersAndShards(t *testing.T) {
	dir, old, _ := rotationSite(t)
	var plans []string
	for _, w := range []int{1, 4} {
		p, _ := quiet(t)
		o := config.Settings{Analysis: config.Analysis{Out: "plan.csv", Workers: w, Metric: "rows", MaxDepth: 4, CoverageMemory: "16MiB"}}
		if _, err := runAnalyze(t.Context(), p, o, []string{dir}); err != nil {
			t.Fatal(err)
		}
		plans = append(plans, readFile(t, "plan.csv"))
	}
	if plans[0] != plans[1] {
		t.Errorf("plan with --workers 1 differs from --workers 4:\n%s\n%s", plans[0], plans[1])
	}
	if !strings.Contains(plans[0], ",3,"+old+"\n") {
		t.Fatalf("plan misses the rotation:\n%s", plans[0])
	}
	for i := range 2 {
		analyzeShard(t, dir, fmt.Sprintf("%d/2", i), "hash", fmt.Sprintf("part-%d.csv", i), nil)
	}
	p, out := quiet(t)
	if _, err := runMerge(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "merged.csv", Workers: 2}}, []string{"part-0.csv", "part-1.csv"}); err != nil {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	if got := readFile(t, "merged.csv"); got != plans[0] {
		t.Errorf("shards and merge give\n%s\nwant the local plan\n%s", got, plans[0])
	}
	// Without the check, merge leaves the columns empty.
	if _, err := runMerge(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "unchecked.csv", Coverage: "off"}}, []string{"part-*.csv"}); err != nil {
		t.Fatal(err)
	}
	if row := planRow(t, "unchecked.csv", "data/X.csv"); !strings.HasSuffix(row, ",,") {
		t.Errorf("merge --coverage off: %q, want empty coverage columns", row)
	}
}

func TestCoverageUsageErrors(t *testing.T) {
	dir, _, _ := rotationSite(t)
	for _, args := range [][]string{
		{"analyze", dir, "--coverage", "maybe"},
		{"analyze", dir, "--coverage-memory", "1MiB"},
		{"merge", "x.csv", "--coverage", "on"},
	} {
		p, _ := quiet(t)
		if err := execute(t.Context(), p, args); !errors.Is(err, ErrUsage) {
			t.Errorf("%q = %v, want a usage error", args, err)
		}
	}
}

// TestMergeCoverageUsesTheShardsSettings: merge reads the versions again
// with the shards' analysis settings (here --include and --delimiter),
// which their candidates files carry.
func TestMergeCoverageUsesTheShardsSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	months := func(first, last int) string {
		var b strings.Builder
		b.WriteString("month;qty\n")
		for m := first; m <= last; m++ {
			fmt.Fprintf(&b, "2023-%02d;%d,5\n", m, m*7)
		}
		return b.String()
	}
	writeZip(t, "site/2023-06-30_export.zip", map[string]string{"data/X.dat": months(1, 6)})
	writeZip(t, "site/2023-12-31_export.zip", map[string]string{"data/X.dat": months(4, 12)})
	set := func(s *config.Settings) { s.Include, s.Delimiter = []string{"*.dat"}, ";" }
	p, out := quiet(t)
	local := config.Settings{Analysis: config.Analysis{Out: "local.csv", Workers: 2, Metric: "rows", MaxDepth: 4}}
	set(&local)
	if _, err := runAnalyze(t.Context(), p, local, []string{"site"}); err != nil {
		t.Fatalf("analyze: %v\n%s", err, out)
	}
	want := readFile(t, "local.csv")
	if !strings.Contains(want, ",3,site/2023-06-30_export.zip!/data/X.dat\n") {
		t.Fatalf("the local plan misses the rotation:\n%s", want)
	}
	for i := range 2 {
		analyzeShard(t, "site", fmt.Sprintf("%d/2", i), "size", fmt.Sprintf("part-%d.csv", i), set)
	}
	if _, err := runMerge(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "merged.csv", Workers: 1}}, []string{"part-*.csv"}); err != nil {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	if got := readFile(t, "merged.csv"); got != want {
		t.Errorf("merge gives\n%s\nwant the local plan\n%s", got, want)
	}
}

func TestCoverageJSON(t *testing.T) {
	dir, old, _ := rotationSite(t)
	for _, mode := range []string{"warn", "off"} {
		stdout, _, err := executeJSON(t, "analyze", dir, "--out", "plan.csv", "--coverage", mode, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var x map[string]any
		for _, o := range jsonObjects(t, stdout) {
			if o["type"] == "key" && o["key"] == "data/X.csv" {
				x = o
			}
		}
		switch {
		case x == nil:
			t.Fatalf("--coverage %s: no key data/X.csv in\n%s", mode, stdout)
		case mode == "warn" && (x["missing_rows"] != float64(3) || x["missing_from"] != old):
			t.Errorf("--coverage warn: %v, want missing_rows 3 from %s", x, old)
		case mode == "off" && (x["missing_rows"] != nil || x["missing_from"] != nil):
			t.Errorf("--coverage off: %v, want no coverage fields", x)
		}
	}
}
