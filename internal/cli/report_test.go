package cli

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sitegen"
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

// ledgerOnly is a sink whose ledger is a map; nothing else is called.
type ledgerOnly struct {
	sink.Sink
	rows map[string]sink.LedgerEntry
}

func (l ledgerOnly) Ledger(_ context.Context, key string) (sink.LedgerEntry, bool, error) {
	e, ok := l.rows[key]
	return e, ok, nil
}

func TestLedgerStates(t *testing.T) {
	const a, b = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	tests := []struct {
		Name   string
		Ledger *sink.LedgerEntry
		Want   string
	}{
		{Name: "Pending", Want: "pending"},
		{Name: "Loaded", Ledger: &sink.LedgerEntry{SHA256: a, Rows: 10}, Want: "loaded"},
		{Name: "Outdated", Ledger: &sink.LedgerEntry{SHA256: b, Rows: 9}, Want: "outdated"},
		{Name: "Downgrade", Ledger: &sink.LedgerEntry{SHA256: b, Rows: 11}, Want: "downgrade"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			db := ledgerOnly{rows: map[string]sink.LedgerEntry{}}
			if tt.Ledger != nil {
				db.rows["k"] = *tt.Ledger
			}
			got, err := ledgerStates(t.Context(), db, []plan.Entry{{Candidate: plan.Candidate{Key: "k", SHA256: a, Rows: 10, Bytes: 100}}})
			if err != nil || got["k"] != tt.Want {
				t.Errorf("state = %q (%v), want %q", got["k"], err, tt.Want)
			}
		})
	}
}

func TestReportWithDB(t *testing.T) {
	dir, _ := site(t, sitegen.Params{Snapshots: 3, Keys: 3, Rows: 5, Columns: 5, Seed: 2})
	mustExecute(t, "run", dir, "--out", "p.csv", "--db", "sqlite:site.db")
	mustExecute(t, "report", "--plan", "p.csv", "--db", "sqlite:site.db", "--out", "r.html")
	html := readFile(t, "r.html")
	if !strings.Contains(html, `"states":true`) || !strings.Contains(html, "3 loaded") {
		t.Errorf("the report does not show 3 loaded keys")
	}
	mustExecute(t, "report", "--plan", "p.csv", "--db", "sqlite:empty.db", "--out", "r2.html")
	if html := readFile(t, "r2.html"); !strings.Contains(html, "3 pending") {
		t.Errorf("the report of an empty database does not show 3 pending keys")
	}
}

func TestShardRefusesReport(t *testing.T) {
	dir, _ := site(t, tricky)
	p, _ := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", dir, "--shard", "0/2", "--candidates", "c.csv", "--report", "r.html"})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--report needs a plan") {
		t.Errorf("analyze --shard --report: err %v, want a usage error", err)
	}
}

func TestSitesMustNotShareReport(t *testing.T) {
	t.Chdir(t.TempDir())
	writeProfile(t, "p.yaml", "report: r.html\nsites:\n  - name: a\n    inputs: [x]\n    db: sqlite:a.db\n  - name: b\n    inputs: [y]\n    db: sqlite:b.db\n")
	p, _ := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", "--config", "p.yaml"})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "sites a and b both write r.html (as report and report)") {
		t.Errorf("err = %v, want a usage error: both sites write r.html", err)
	}
}
