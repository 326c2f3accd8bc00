package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/plan"
)

// reportHas fails t unless the report in path holds every key of the plan
// in planPath and versions for its charts.
func reportHas(t *testing.T, path, planPath string) {
	t.Helper()
	html := readFile(t, path)
	f, err := os.Open(planPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := plan.ReadPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		k, _ := json.Marshal(e.Key)
		if !strings.Contains(html, string(k)) {
			t.Errorf("report %s lacks key %s", path, k)
		}
	}
	if strings.Contains(html, `"snaps":[]`) || !strings.Contains(html, `"cands":true`) {
		t.Errorf("report %s has no versions for its charts", path)
	}
}

func TestAnalyzeWritesReport(t *testing.T) {
	dir, _ := site(t, tricky)
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", dir, "--out", "p.csv", "--report", "r.html"})
	if err != nil && !strings.Contains(err.Error(), "problems") {
		t.Fatal(err)
	}
	if _, err := os.Stat("p.candidates.csv"); err != nil {
		t.Errorf("--report wrote no candidates beside the plan: %v", err)
	}
	if !strings.Contains(out.String(), "written to r.html") {
		t.Errorf("analyze does not say where the report went:\n%s", out)
	}
	reportHas(t, "r.html", "p.csv")
}

func TestReportCommand(t *testing.T) {
	dir, _ := site(t, tricky)
	p, _ := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", dir, "--out", "p.csv", "--candidates", "all.csv"})
	if err != nil && !strings.Contains(err.Error(), "problems") {
		t.Fatal(err)
	}
	mustExecute(t, "report", "--plan", "p.csv", "--candidates", "all.csv", "--out", "r.html")
	reportHas(t, "r.html", "p.csv")
	if html := readFile(t, "r.html"); !strings.Contains(html, `"fingerprint"`) && !strings.Contains(html, "settings fingerprint") {
		t.Errorf("the report does not show the plan's metadata")
	}
	p, _ = quiet(t)
	if err := execute(t.Context(), p, []string{"report", "--plan", "p.csv", "--candidates", "missing.csv", "--out", "x.html"}); err == nil {
		t.Error("report with a missing --candidates file: no error")
	}
}
