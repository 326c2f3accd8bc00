package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ageTree sets the modification time of every file under dir an hour
// back, so that the cache may keep them (see analysis.RacyWindow).
func ageTree(t testing.TB, dir string) {
	t.Helper()
	when := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, when, when)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAnalyzeCacheSamePlan: analyze with --cache, cold and warm, with the
// cache inside the input and every file a data file, writes the plan,
// problems and candidates files of an analysis without it, byte for byte;
// --no-cache and --rebuild-cache do as they say.
func TestAnalyzeCacheSamePlan(t *testing.T) {
	dir, _ := site(t, tricky)
	ageTree(t, dir)
	outputs := []string{"plan.csv", "plan.problems.csv", "cands.csv"}
	analyze := func(args ...string) (files []string, printed string) {
		t.Helper()
		p, out := quiet(t)
		err := execute(t.Context(), p, append([]string{"analyze", dir, "--include", "*", "--candidates", "cands.csv", "-w", "3"}, args...))
		if err != nil && !strings.Contains(err.Error(), "problems") {
			t.Fatalf("analyze %q: %v\n%s", args, err, out)
		}
		for _, f := range outputs {
			files = append(files, readFile(t, f))
		}
		return files, out.String()
	}
	want, _ := analyze()
	cache := filepath.Join(dir, ".siftload-cache")
	tests := []struct {
		Name       string
		Args       []string
		WantCached string // in the summary; "" for no cache line
	}{
		{Name: "Cold", Args: []string{"--cache", cache}, WantCached: "cache " + cache + ": 0 of "},
		{Name: "Warm", Args: []string{"--cache", cache}, WantCached: " read"},
		{Name: "NoCache", Args: []string{"--cache", cache, "--no-cache"}},
		{Name: "Rebuild", Args: []string{"--cache", cache, "--rebuild-cache"}, WantCached: "cache " + cache + ": 0 of "},
		{Name: "WarmAgain", Args: []string{"--cache", cache, "--workers", "1"}, WantCached: " read"},
	}
	for _, tt := range tests {
		got, printed := analyze(tt.Args...)
		for i := range outputs {
			if got[i] != want[i] {
				t.Errorf("%s: %s differs from the analysis without a cache:\n%s\nwant:\n%s", tt.Name, outputs[i], got[i], want[i])
			}
		}
		switch {
		case tt.WantCached == "" && strings.Contains(printed, "from the cache"):
			t.Errorf("%s: a cache was used:\n%s", tt.Name, printed)
		case tt.WantCached != "" && !strings.Contains(printed, tt.WantCached):
			t.Errorf("%s: output lacks %q:\n%s", tt.Name, tt.WantCached, printed)
		}
		if strings.HasPrefix(tt.Name, "Warm") && strings.Contains(printed, ": 0 of ") {
			t.Errorf("%s: nothing from the cache:\n%s", tt.Name, printed)
		}
	}
}

// TestRunConfigCache: run --config keeps the cache of a named site at
// NAME.cache; the second run reads every input from it and loads the
// golden plan.
func TestRunConfigCache(t *testing.T) {
	golden := readFile(t, "testdata/example.plan.csv")
	copyExamples(t)
	ageTree(t, "examples")
	for i, want := range []string{"cache rgb.cache: 0 of ", ", 0 read"} {
		p, out := quiet(t)
		if err := execute(t.Context(), p, []string{"run", "--config", "examples/site-rgb.yaml"}); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("run %d: output lacks %q:\n%s", i, want, out)
		}
		if got := readFile(t, "rgb.plan.csv"); got != golden {
			t.Errorf("run %d: rgb.plan.csv differs from the golden plan:\n%s", i, got)
		}
	}
	if m, _ := filepath.Glob("rgb.cache/input-*.csv"); len(m) == 0 {
		t.Errorf("rgb.cache holds no entry")
	}
}

// TestCacheCollision: two sites may not share a cache (each would drop
// the other's entries).
func TestCacheCollision(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "a/s1.zip", map[string]string{"a.csv": "h\n1\n"})
	writeZip(t, "b/s1.zip", map[string]string{"a.csv": "h\n1\n"})
	writeProfile(t, "p.yaml", "cache: shared\nsites:\n  - name: a\n    inputs: [a]\n  - name: b\n    inputs: [b]\n")
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", "--config", "p.yaml"})
	if err == nil || !strings.Contains(err.Error(), "both write shared") {
		t.Errorf("err = %v, want the sites' shared cache refused\n%s", err, out)
	}
}
