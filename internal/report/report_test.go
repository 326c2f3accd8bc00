package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
)

const shaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const shaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

func cand(key, snap string, rows int64, sha string, warns ...string) plan.Candidate {
	return plan.Candidate{Key: key, Source: "site/" + snap + "_export.zip!/" + key, Rows: rows, Bytes: rows * 10,
		SHA256: sha, Value: fmt.Sprint(rows), Warnings: warns}
}

// sample is a small site with one key of each kind the filters know.
func sample() Input {
	cands := []plan.Candidate{
		cand("data/plain.csv", "2023-01-01", 10, shaA), cand("data/plain.csv", "2023-01-02", 20, shaB),
		cand("data/tie.csv", "2023-01-01", 5, shaA), cand("data/tie.csv", "2023-01-02", 5, shaA),
		cand("data/shrunk.csv", "2023-01-01", 9, shaA), cand("data/shrunk.csv", "2023-01-02", 3, shaB),
		cand("data/warn.csv", "2023-01-02", 7, shaA, plan.WarnMixedLineEndings),
		cand("data/<script>alert(1)</script>.csv", "2023-01-02", 1, shaA),
	}
	return Input{Metric: "rows", Entries: plan.Choose(cands, metric.CompareValues), Candidates: cands,
		Problems: []*problem.Error{problem.New("site/2023-01-02_export.zip!/data/warn.csv", 3, errors.New("odd record")),
			problem.New("site/broken.zip", 0, errors.New("zip: not a valid zip file"))}}
}

// decode returns the data element of a written report.
func decode(t testing.TB, html string) data {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script id="data" type="application/json">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no data element")
	}
	var d data
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("data: %v", err)
	}
	return d
}

func TestWriteFlags(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	d := decode(t, buf.String())
	tests := []struct {
		Name  string
		Key   string
		Want  int
		Chart string // versions, flat
	}{
		{Name: "Plain", Key: "data/plain.csv", Want: 0, Chart: "[0 10 1 20]"},
		{Name: "Tie", Key: "data/tie.csv", Want: flagTie, Chart: "[0 5 1 5]"},
		{Name: "NewestNotChosen", Key: "data/shrunk.csv", Want: flagWarnings | flagNewest, Chart: "[0 9 1 3]"},
		{Name: "WarningAndProblem", Key: "data/warn.csv", Want: flagWarnings | flagProblems, Chart: "[1 7]"},
	}
	byKey := map[string][]any{}
	for _, k := range d.Keys {
		byKey[k[0].(string)] = k
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			k := byKey[tt.Key]
			if k == nil {
				t.Fatalf("key %s missing", tt.Key)
			}
			if got := int(k[6].(float64)); got != tt.Want {
				t.Errorf("flags = %b, want %b", got, tt.Want)
			}
			if got := fmt.Sprint(k[8]); got != tt.Chart {
				t.Errorf("versions = %s, want %s", got, tt.Chart)
			}
		})
	}
	if got := fmt.Sprint(d.Snaps); got != "[site/2023-01-01_export.zip site/2023-01-02_export.zip]" {
		t.Errorf("snapshots = %s, want oldest first", got)
	}
	if len(d.Problems) != 2 {
		t.Errorf("problems = %v, want 2", d.Problems)
	}
}

// The file fetches nothing: a policy forbids it, and no markup or style
// names anything outside the file.
func TestWriteSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if !strings.Contains(html, `content="default-src 'none';`) {
		t.Error("no Content-Security-Policy that forbids requests")
	}
	for _, re := range []string{`(?i)https?://`, `(?i)\ssrc=`, `(?i)\shref=`, `(?i)url\(`, `(?i)@import`} {
		if loc := regexp.MustCompile(re).FindStringIndex(html); loc != nil {
			t.Errorf("the report refers outside itself (%s): %q", re, html[max(0, loc[0]-40):min(len(html), loc[1]+40)])
		}
	}
	if strings.Contains(html, "<script>alert(1)</script>") {
		t.Error("a key is written into the page unescaped")
	}
}

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		Input int
		Want  string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {1000000, "1,000,000"}, {-1234, "-1,234"}} {
		if got := count(tt.Input); got != tt.Want {
			t.Errorf("count(%d) = %q, want %q", tt.Input, got, tt.Want)
		}
	}
}
