package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
)

// TestAnalyzeStreamingSamePlan: a local analysis reduces the versions as
// they come (a plan.Chooser) and sorts the candidates file on disk (a
// plan.Spill); its plan, problems and candidates files are byte for byte
// those of an analysis that keeps every candidate in memory and chooses
// at the end, for any number of workers.
func TestAnalyzeStreamingSamePlan(t *testing.T) {
	dir, _ := site(t, tricky)
	// The analysis that keeps every candidate.
	s := config.Settings{Analysis: config.Analysis{Out: "want.csv", Problems: "want.problems.csv", Candidates: "want.cands.csv", Metric: "rows", MaxDepth: 4, Workers: 2}}
	j, err := newAnalyzeJob(s, flagWhere, flagWhere, true)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := archive.Expand(t.Context(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.Run(t.Context(), ins, j.opts)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := quiet(t)
	out := planOutputs{Plan: s.Out, Problems: s.Problems, Candidates: s.Candidates}
	if _, _, err := out.write(p, j.opts.Metric, res.Candidates, res.Problems); err != nil {
		t.Fatal(err)
	}
	want := []string{readFile(t, "want.csv"), readFile(t, "want.problems.csv"), readFile(t, "want.cands.csv")}

	for _, w := range []int{1, 2, 8} {
		for _, cands := range []bool{false, true} {
			// The streaming path: the coverage check, which needs every
			// version, keeps every candidate instead.
			args := []string{"analyze", dir, "-w", fmt.Sprint(w), "--out", "p.csv", "--coverage", "off"}
			if cands {
				args = append(args, "--candidates", "c.csv")
			}
			p, printed := quiet(t)
			if err := execute(t.Context(), p, args); err != nil && !strings.Contains(err.Error(), "problems") {
				t.Fatalf("analyze %q: %v\n%s", args, err, printed)
			}
			got := []string{readFile(t, "p.csv"), readFile(t, "p.problems.csv")}
			if cands {
				got = append(got, readFile(t, "c.csv"))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%q: file %d differs from the analysis that keeps every candidate:\n%s\nwant:\n%s", args, i, got[i], want[i])
				}
			}
		}
	}
}

// TestCoverageStreams: with the coverage check on, a local analysis still
// reduces the versions as they come (a Chooser, the candidates on disk in
// a Spill) and the check takes them back a batch of whole keys at a time,
// never every version at once; the outputs are those of one batch.
func TestCoverageStreams(t *testing.T) {
	dir, _ := site(t, tricky)
	run := func(batch, batchKeys int, out string) (largest, batches int) {
		t.Helper()
		s := config.Settings{Analysis: config.Analysis{Out: out + ".csv", Candidates: out + ".cands.csv", Metric: "rows", MaxDepth: 4, Workers: 2, Coverage: coverageWarn}}
		j, err := newAnalyzeJob(s, flagWhere, flagWhere, true)
		if err != nil {
			t.Fatal(err)
		}
		if ch, spill := j.newCollector(j.opts); ch == nil || spill == nil {
			t.Fatalf("coverage on: newCollector gives Chooser %v, Spill %v: every candidate is held in memory", ch != nil, spill != nil)
		}
		j.coverage.batch = batch
		j.coverage.batchKeys = batchKeys
		j.coverage.onBatch = func(n int) {
			largest = max(largest, n)
			batches++
		}
		p, printed := quiet(t)
		if _, err := j.run(t.Context(), p, []string{dir}); err != nil && !strings.Contains(err.Error(), "problems") {
			t.Fatalf("analyze: %v\n%s", err, printed)
		}
		return largest, batches
	}
	// tricky: 12 keys, at most 12 snapshots (and some keys twice in
	// one), so a batch of 5 versions holds one key's versions.
	largest, batches := run(5, 0, "small")
	if largest > 16 || batches < 6 {
		t.Errorf("batches of 5 versions: %d batches, the largest of %d versions; want one key's versions at a time", batches, largest)
	}
	if _, batches := run(0, 0, "one"); batches != 1 {
		t.Errorf("the default batch: %d batches, want 1 for this small site", batches)
	}
	// Batches of at most 2 keys, whatever their versions (each key's
	// chosen head is held while its batch is checked).
	if _, batches := run(0, 2, "keys"); batches != 6 {
		t.Errorf("batches of 2 keys: %d batches, want 6 for 12 keys", batches)
	}
	for _, f := range []string{".csv", ".problems.csv", ".cands.csv"} {
		for _, out := range []string{"small", "keys"} {
			if got, want := readFile(t, out+f), readFile(t, "one"+f); got != want {
				t.Errorf("%s of %s batches differs from one batch:\n%s\nwant:\n%s", f, out, got, want)
			}
		}
	}
}

// TestCoverageSplitsAKey: a key whose versions alone fill a batch is
// checked in parts, each against its chosen version, and the outputs are
// those of one batch; the coverage cache keeps the results of every part,
// so that a warm analysis reads nothing.
func TestCoverageSplitsAKey(t *testing.T) {
	t.Chdir(t.TempDir())
	// One key of 6 versions: s3 is chosen (5 rows); s1 has a row it
	// lacks, s5 two, s2's header differs, s4 is a prefix.
	for name, a := range map[string]string{
		"s1": "h\n1\n9\n",
		"s2": "g\n1\n2\n",
		"s3": "h\n1\n2\n3\n4\n5\n",
		"s4": "h\n1\n2\n",
		"s5": "h\n1\n7\n8\n",
		"s6": "h\n2\n3\n",
	} {
		writeZip(t, "site/"+name+".zip", map[string]string{"a.csv": a, "b.csv": "x\n1\n"})
	}
	ageTree(t, "site")
	run := func(batch int, out, cache string) (largest int, printed string) {
		t.Helper()
		s := config.Settings{Analysis: config.Analysis{Out: out + ".csv", Candidates: out + ".cands.csv", Metric: "rows", MaxDepth: 4, Workers: 2, Coverage: coverageWarn},
			Incremental: config.Incremental{Cache: cache, NoCache: cache == ""}}
		j, err := newAnalyzeJob(s, flagWhere, flagWhere, true)
		if err != nil {
			t.Fatal(err)
		}
		j.coverage.batch = batch
		j.coverage.onBatch = func(n int) { largest = max(largest, n) }
		p, buf := quiet(t)
		if _, err := j.run(t.Context(), p, []string{"site"}); err != nil && !strings.Contains(err.Error(), "problems") {
			t.Fatalf("analyze: %v\n%s", err, buf)
		}
		return largest, buf.String()
	}
	run(0, "one", "")
	if got := readFile(t, "one.csv"); !strings.Contains(got, "2 rows of site/s5.zip!/a.csv are not in the chosen version") ||
		!strings.Contains(got, "its header differs") {
		t.Fatalf("the site does not test what it should:\n%s", got)
	}
	same := func(out string) {
		t.Helper()
		for _, f := range []string{".csv", ".problems.csv", ".cands.csv"} {
			if got, want := readFile(t, out+f), readFile(t, "one"+f); got != want {
				t.Errorf("%s%s differs from one batch's:\n%s\nwant:\n%s", out, f, got, want)
			}
		}
	}
	if largest, _ := run(2, "split", ""); largest > 2 {
		t.Errorf("batches of 2 versions: the largest held %d", largest)
	}
	same("split")
	_, cold := run(2, "cold", "cache")
	same("cold")
	_, warm := run(2, "warm", "cache")
	same("warm")
	if !strings.Contains(warm, "5 other versions from the cache, 0 read") {
		t.Errorf("a warm analysis of a key in parts reads again:\n%s\n(cold:\n%s)", warm, cold)
	}
}
