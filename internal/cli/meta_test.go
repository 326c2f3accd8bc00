package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/siftload/siftload/internal/analysis"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/sitegen"
)

func readMetaFile(t testing.TB, path string) plan.Meta {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := plan.ReadMeta(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAnalyzeWritesPlanMeta(t *testing.T) {
	dir, truth := site(t, tricky)
	wd, _ := os.Getwd()
	before := time.Now().Add(-time.Second)
	p, _ := quiet(t)
	s := config.Settings{Analysis: config.Analysis{Out: "out/p.csv", Workers: 2, Metric: "rows", MaxDepth: 4}}
	if err := os.Mkdir("out", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := runAnalyze(t.Context(), p, s, []string{dir}); err != nil && !strings.Contains(err.Error(), "problems") {
		t.Fatal(err)
	}
	m := readMetaFile(t, "out/p.meta.json")
	sum := sha256.Sum256([]byte(readFile(t, "out/p.csv")))
	if !m.Matches(hex.EncodeToString(sum[:])) {
		t.Errorf("plan_sha256 %s is not the plan's", m.PlanSHA256)
	}
	if m.Version != Version() || m.BaseDir != wd {
		t.Errorf("version %q base %q, want %q %q", m.Version, m.BaseDir, Version(), wd)
	}
	if m.Start.Before(before) || m.End.Before(m.Start) || time.Since(m.End) > time.Minute {
		t.Errorf("start %v end %v: not this analysis", m.Start, m.End)
	}
	ins, err := archive.Expand(t.Context(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != len(ins) || m.Totals.Inputs != len(ins) {
		t.Fatalf("%d inputs (totals %d), want %d", len(m.Inputs), m.Totals.Inputs, len(ins))
	}
	for i, in := range m.Inputs {
		fi, err := os.Stat(in.Path)
		if !filepath.IsAbs(in.Path) || err != nil || fi.Size() != in.Size || !fi.ModTime().Equal(in.ModTime) {
			t.Errorf("input %d: %+v does not describe its file (%v)", i, in, err)
		}
	}
	j, err := newAnalyzeJob(s, flagWhere, flagWhere, true)
	if err != nil {
		t.Fatal(err)
	}
	var got analysis.Settings
	if err := json.Unmarshal(m.Settings, &got); err != nil || !reflect.DeepEqual(got, j.settings) {
		t.Errorf("settings %s (%v), want %+v", m.Settings, err, j.settings)
	}
	if m.Fingerprint != j.settings.Fingerprint(ins) {
		t.Errorf("fingerprint %s settings %s, want %s", m.Fingerprint, m.Settings, j.settings.Fingerprint(ins))
	}
	if m.Totals.Keys != len(truth) || m.Totals.Versions == 0 || m.Totals.DataFiles == 0 {
		t.Errorf("totals %+v, want %d keys", m.Totals, len(truth))
	}
}

// A plan imported from another directory finds its relative sources
// through its sidecar, says so, and --base still decides when given.
func TestImportResolvesAgainstRecordedDir(t *testing.T) {
	dir, _ := site(t, sitegen.Params{Snapshots: 3, Keys: 2, Rows: 5, Columns: 5, Seed: 1})
	_ = dir
	mustExecute(t, "analyze", "site", "--out", "plan.csv")
	if err := os.Mkdir("elsewhere", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"plan.csv", "plan.meta.json"} {
		if err := os.Rename(f, filepath.Join("elsewhere", f)); err != nil {
			t.Fatal(err)
		}
	}
	wd, _ := os.Getwd()
	t.Chdir("elsewhere")
	out := mustExecute(t, "import", "--plan", "plan.csv", "--db", "sqlite:x.db")
	if !strings.Contains(out, "resolving them against "+wd) || !strings.Contains(out, "--base DIR overrides") {
		t.Errorf("import does not say where it found the sources:\n%s", out)
	}
	if !strings.Contains(out, "2 loaded") {
		t.Errorf("import did not load both keys:\n%s", out)
	}

	// --base overrides the recorded directory: here it is the wrong one.
	p, buf := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--plan", "plan.csv", "--db", "sqlite:y.db", "--base", "."})
	if err == nil || strings.Contains(buf.String(), "resolving them against") {
		t.Errorf("import --base . used the recorded directory: err %v\n%s", err, buf)
	}

	// A sidecar of another plan is not used.
	plan := readFile(t, "plan.csv")
	if err := os.WriteFile("plan.csv", []byte(plan+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, buf = quiet(t)
	err = execute(t.Context(), p, []string{"import", "--plan", "plan.csv", "--db", "sqlite:z.db"})
	if err == nil || !strings.Contains(buf.String(), "belongs to another version") {
		t.Errorf("import used the sidecar of another plan: err %v\n%s", err, buf)
	}
}
