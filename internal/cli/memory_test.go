package cli

import (
	"fmt"
	"strings"
	"testing"
)

// TestAnalyzeStreamingSamePlan: without --candidates the analysis reduces
// the versions as they come (a plan.Chooser); its plan and problems files
// are byte for byte those of an analysis that keeps every candidate (with
// --candidates), for any number of workers.
func TestAnalyzeStreamingSamePlan(t *testing.T) {
	dir, _ := site(t, tricky)
	analyze := func(workers int, cands bool) (plan, problems string) {
		t.Helper()
		args := []string{"analyze", dir, "-w", fmt.Sprint(workers), "--out", "p.csv"}
		if cands {
			args = append(args, "--candidates", "c.csv")
		}
		p, out := quiet(t)
		if err := execute(t.Context(), p, args); err != nil && !strings.Contains(err.Error(), "problems") {
			t.Fatalf("analyze %q: %v\n%s", args, err, out)
		}
		return readFile(t, "p.csv"), readFile(t, "p.problems.csv")
	}
	wantPlan, wantProbs := analyze(1, true)
	for _, w := range []int{1, 2, 8} {
		plan, probs := analyze(w, false)
		if plan != wantPlan {
			t.Errorf("workers %d: the streamed plan differs:\n%s\nwant:\n%s", w, plan, wantPlan)
		}
		if probs != wantProbs {
			t.Errorf("workers %d: the streamed problems differ:\n%s\nwant:\n%s", w, probs, wantProbs)
		}
	}
}
