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

// TestAnalyzeCacheCoverage: the coverage check keeps its results in the
// cache by content; whatever the cache holds, the plan, problems and
// candidates files (coverage columns included) are byte for byte those of
// an analysis without it: cold, warm (no version read again), after a new
// snapshot becomes the chosen version, after a version's content changes
// at the same path, and after a corrupt entry.
func TestAnalyzeCacheCoverage(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/s1.zip", map[string]string{
		"a.csv": "h\n1\n2\n3\n",    // 3 is not in the chosen version
		"b.csv": "x,y\n1,2\n5,6\n", // compared after reordering
		"c.csv": "p\n1\n",          // its header differs
		"d.csv": "h\n1\n",          // a prefix of the chosen version
		"e.csv": "h\n\"\"\n7\n",    // a quoted empty field is not NULL
	})
	writeZip(t, "site/s2.zip", map[string]string{
		"a.csv": "h\n1\n2\n4\n5\n",
		"b.csv": "y,x\n2,1\n4,3\n8,7\n",
		"c.csv": "q\n1\n2\n",
		"d.csv": "h\n1\n2\n",
		"e.csv": "h\n\n7\n8\n",
	})
	ageTree(t, "site")
	outputs := []string{"plan.csv", "plan.problems.csv", "cands.csv"}
	analyze := func(args ...string) (files []string, printed string) {
		t.Helper()
		p, out := quiet(t)
		err := execute(t.Context(), p, append([]string{"analyze", "site", "--candidates", "cands.csv", "-w", "2"}, args...))
		if err != nil && !strings.Contains(err.Error(), "problems") {
			t.Fatalf("analyze %q: %v\n%s", args, err, out)
		}
		for _, f := range outputs {
			files = append(files, readFile(t, f))
		}
		return files, out.String()
	}
	same := func(name string, wantPrinted ...string) {
		t.Helper()
		want, _ := analyze("--no-cache")
		got, printed := analyze("--cache", "cache")
		for i := range outputs {
			if got[i] != want[i] {
				t.Errorf("%s: %s differs from the analysis without a cache:\n%s\nwant:\n%s", name, outputs[i], got[i], want[i])
			}
		}
		for _, w := range wantPrinted {
			if !strings.Contains(printed, w) {
				t.Errorf("%s: output lacks %q:\n%s", name, w, printed)
			}
		}
	}
	same("Cold", "coverage cache cache: 0 other versions from the cache, 4 read")
	if got := readFile(t, "plan.csv"); !strings.Contains(got, "1 row of site/s1.zip!/a.csv is not in the chosen version") ||
		!strings.Contains(got, "its header differs") || !strings.Contains(got, "1 row of site/s1.zip!/e.csv") {
		t.Fatalf("the site does not test what it should:\n%s", got)
	}
	same("Warm", "coverage cache cache: 5 other versions from the cache, 0 read")

	// A new snapshot holds the fullest a.csv: a new chosen version, to be
	// compared with both others.
	writeZip(t, "site/s3.zip", map[string]string{"a.csv": "h\n1\n2\n4\n5\n6\n7\n"})
	ageTree(t, "site")
	// (s2's a.csv is a prefix of it: proven, not read.)
	same("NewChosen", "coverage cache cache: 4 other versions from the cache, 1 read")

	// The same path, other content: s1's b.csv now misses a row of the
	// chosen version's, and has one that it lacks.
	writeZip(t, "site/s1.zip", map[string]string{
		"a.csv": "h\n1\n2\n3\n",
		"b.csv": "x,y\n1,2\n9,9\n",
		"c.csv": "p\n1\n",
		"d.csv": "h\n1\n",
		"e.csv": "h\n\"\"\n7\n",
	})
	ageTree(t, "site")
	same("ChangedContent", "coverage cache cache: 5 other versions from the cache, 1 read")
	if got := readFile(t, "plan.csv"); !strings.Contains(got, "1 row of site/s1.zip!/b.csv") {
		t.Errorf("the changed version's missing row is not in the plan:\n%s", got)
	}

	// A corrupt set (the chosen version's record hashes) is read again,
	// with a warning: a new version of a.csv needs it.
	corrupt := func(pattern string) {
		t.Helper()
		files, _ := filepath.Glob(pattern)
		if len(files) == 0 {
			t.Fatalf("no %s in the cache", pattern)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)-2] ^= 1
			if err := os.WriteFile(f, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	corrupt("cache/coverage-*.set")
	writeZip(t, "site/s0.zip", map[string]string{"a.csv": "h\n8\n"})
	ageTree(t, "site")
	same("CorruptSet", "warning: coverage cache set", "coverage cache cache: 6 other versions from the cache, 1 read")
	// Corrupt entries: every version is compared again.
	corrupt("cache/coverage-*.csv")
	same("CorruptEntry", "warning: coverage cache entry", "coverage cache cache: 0 other versions from the cache, 5 read")
	same("Rebuilt", "coverage cache cache: 7 other versions from the cache, 0 read")
	_, printed := analyze("--cache", "cache", "--rebuild-cache")
	if !strings.Contains(printed, "0 other versions from the cache") {
		t.Errorf("--rebuild-cache used the coverage cache:\n%s", printed)
	}

	// An older snapshot added whose versions are prefixes of the chosen
	// ones: proven by the cache's line lists, reading only them. d's
	// chosen version has no set (pass 1a proved its other a prefix): it
	// would be read again; a's has one: the new a.csv would be parsed.
	writeZip(t, "site/s00.zip", map[string]string{"d.csv": "h\n", "a.csv": "h\n1\n2\n4\n"})
	ageTree(t, "site")
	same("AddedPrefixes", "coverage cache cache: 7 other versions from the cache, 0 read, 2 proven prefixes by reading them alone; 0 chosen versions read")
	same("AddedPrefixesWarm", "coverage cache cache: 9 other versions from the cache, 0 read, 0 proven prefixes by reading them alone; 0 chosen versions read")
	// Not a prefix (a line differs; no line feed at its end): compared
	// as without the line list.
	writeZip(t, "site/s01.zip", map[string]string{"a.csv": "h\n1\n3\n", "d.csv": "h\n1\n2", "b.csv": "y,x\n2,1\n4,4\n"})
	ageTree(t, "site")
	same("AddedNotPrefix", "coverage cache cache: 9 other versions from the cache, 3 read, 0 proven prefixes by reading them alone; 1 chosen versions read")
	// A corrupt line list (here its head, which a prefix under 128 KiB
	// needs) is not trusted: a warning, and the version is compared.
	corrupt("cache/coverage-*.lines")
	writeZip(t, "site/s02.zip", map[string]string{"e.csv": "h\n\n7\n"})
	ageTree(t, "site")
	same("CorruptLines", "warning: coverage cache line list", "coverage cache cache: 12 other versions from the cache, 1 read, 0 proven prefixes by reading them alone")
}
