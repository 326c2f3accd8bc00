package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/sitegen"
	"github.com/siftload/siftload/internal/ui"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// quiet returns a printer that keeps what it prints, for assertions.
func quiet(t testing.TB) (*ui.Printer, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	return ui.NewPrinter(&buf, false), &buf
}

// mustExecute runs the command line args in-process, fails the test on
// an error, and returns what the command printed.
func mustExecute(t testing.TB, args ...string) string {
	t.Helper()
	p, out := quiet(t)
	if err := execute(t.Context(), p, args); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, out)
	}
	return out.String()
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// site generates a small tricky site in a temporary directory and returns
// its directory (relative to the test's working directory, which it
// changes to a new temporary directory) and its truth.
func site(t testing.TB, p sitegen.Params) (string, []sitegen.Truth) {
	t.Helper()
	t.Chdir(t.TempDir())
	if p.Dir == "" {
		p.Dir = "site"
	}
	truth, err := sitegen.Generate(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return p.Dir, truth
}

var tricky = sitegen.Params{Snapshots: 12, Keys: 12, Rows: 50, Columns: 6, Seed: 3, TarEvery: 4, Tricky: true}

func TestAnalyzeExampleGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "plan.csv")
	t.Chdir("../..")
	p, _ := quiet(t)
	_, err := runAnalyze(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: out, Workers: 4, Metric: "rows", MaxDepth: 4}}, []string{"examples/site-rgb"})
	if err != nil {
		t.Fatal(err)
	}
	golden := "internal/cli/testdata/example.plan.csv"
	if *update {
		if err := os.WriteFile(golden, []byte(readFile(t, out)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := readFile(t, out), readFile(t, golden); got != want {
		t.Errorf("plan differs from %s (go test ./internal/cli -update rewrites it):\n got:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestAnalyzeMatchesTruth(t *testing.T) {
	dir, truth := site(t, tricky)
	p, _ := quiet(t)
	entries, err := runAnalyze(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "plan.csv", Workers: 2, Metric: "rows", MaxDepth: 4}}, []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(truth) {
		t.Fatalf("got %d keys, want %d", len(entries), len(truth))
	}
	for i, tr := range truth {
		e := entries[i]
		if e.Key != tr.Key || e.Source != tr.Source || e.Rows != tr.Rows {
			t.Errorf("key %d: got %s %s %d, want %s %s %d", i, e.Key, e.Source, e.Rows, tr.Key, tr.Source, tr.Rows)
		}
	}
}

func TestAnalyzeDeterministicAcrossWorkers(t *testing.T) {
	dir, _ := site(t, tricky)
	var plans, cands []string
	for _, w := range []int{1, 8} {
		p, _ := quiet(t)
		o := config.Settings{Analysis: config.Analysis{Out: "plan.csv", Candidates: "cands.csv", Workers: w, Metric: "rows", MaxDepth: 4}}
		if _, err := runAnalyze(t.Context(), p, o, []string{dir}); err != nil {
			t.Fatal(err)
		}
		plans = append(plans, readFile(t, "plan.csv"))
		cands = append(cands, readFile(t, "cands.csv"))
	}
	if plans[0] != plans[1] {
		t.Errorf("plan with --workers 1 differs from --workers 8")
	}
	if cands[0] != cands[1] {
		t.Errorf("candidates with --workers 1 differ from --workers 8")
	}
}

func TestAnalyzeProblemsKeepGoing(t *testing.T) {
	dir, truth := site(t, sitegen.Params{Snapshots: 4, Keys: 3, Rows: 20, Columns: 5, Seed: 1})
	// A file named like an archive that is not one, and a zip whose
	// only member has a bad CRC.
	if err := os.WriteFile(filepath.Join(dir, "2023", "2023-02-01_export.zip"), []byte("not a zip at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeBadCRCZip(t, filepath.Join(dir, "2023", "2023-02-02_export.zip"), "data/LINE01.csv")

	p, out := quiet(t)
	entries, err := runAnalyze(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "plan.csv", Workers: 2, Metric: "rows", MaxDepth: 4}}, []string{dir})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("err = %v, want ErrProblems", err)
	}
	if len(entries) != len(truth) {
		t.Errorf("plan has %d keys, want %d: the rest must still be analyzed", len(entries), len(truth))
	}
	for _, e := range entries {
		if strings.Contains(e.Source, "2023-02-0") {
			t.Errorf("key %s chose %s, which had a problem", e.Key, e.Source)
		}
	}
	probs := readFile(t, "plan.problems.csv")
	for _, want := range []string{"site/2023/2023-02-01_export.zip", "site/2023/2023-02-02_export.zip!/data/LINE01.csv"} {
		if !strings.Contains(probs, want) {
			t.Errorf("problems file lacks %s:\n%s", want, probs)
		}
		if !strings.Contains(out.String(), "problem: "+want) {
			t.Errorf("stderr lacks problem %s:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat("plan.csv"); err != nil {
		t.Errorf("plan not written: %v", err)
	}
}

// writeBadCRCZip writes a zip with one stored member whose CRC is wrong.
func writeBadCRCZip(t testing.TB, path, member string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	data := []byte("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n")
	w, err := zw.CreateRaw(&zip.FileHeader{Name: member, Method: zip.Store, CRC32: 12345,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		Name string
		Args []string
	}{
		{Name: "NoInput", Args: []string{"analyze"}},
		{Name: "UnknownFlag", Args: []string{"analyze", "--colour", "x"}},
		{Name: "BadMetric", Args: []string{"analyze", "--metric", "biggest", "x"}},
		{Name: "BadKeyRegex", Args: []string{"analyze", "--key", "(", "x"}},
		{Name: "BadGlob", Args: []string{"analyze", "--include", "[", "x"}},
		{Name: "UnknownCommand", Args: []string{"analyse"}},
		{Name: "ImportArgs", Args: []string{"import", "x"}},
		{Name: "UnknownDB", Args: []string{"import", "--plan", "testdata/example.plan.csv", "--db", "mongo://x"}},
		{Name: "BadDelimiter", Args: []string{"import", "--plan", "testdata/example.plan.csv", "--delimiter", "::"}},
		{Name: "NegativeWorkers", Args: []string{"import", "--plan", "testdata/example.plan.csv", "--workers", "-1", "--db", "sqlite:" + filepath.Join(t.TempDir(), "w.db")}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			p, _ := quiet(t)
			err := execute(t.Context(), p, tt.Args)
			if !errors.Is(err, ErrUsage) {
				t.Errorf("execute(%q) = %v, want a usage error", tt.Args, err)
			}
		})
	}
}

func TestPlanFileIsSpreadsheetSafe(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("in", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("in/=HYPERLINK(1).csv", []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ := quiet(t)
	if _, err := runAnalyze(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "plan.csv", Workers: 1, Metric: "rows", MaxDepth: 4}}, []string{"in"}); err != nil {
		t.Fatal(err)
	}
	if s := readFile(t, "plan.csv"); !strings.Contains(s, "'=HYPERLINK(1).csv") {
		t.Errorf("formula-like key not escaped:\n%s", s)
	}
	entries, err := readPlanFile("plan.csv")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("a\n1\n"))
	want := plan.Candidate{Key: "=HYPERLINK(1).csv", Source: "in/=HYPERLINK(1).csv", Rows: 1, Bytes: 4, SHA256: hex.EncodeToString(sum[:]), Value: "1"}
	if !reflect.DeepEqual(entries[0].Candidate, want) {
		t.Errorf("read back %+v, want %+v", entries[0].Candidate, want)
	}
}
