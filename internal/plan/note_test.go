package plan

import (
	"bytes"
	"errors"
	"github.com/siftload/siftload/internal/problem"
	"reflect"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/metric"
)

func TestNote(t *testing.T) {
	const other = "0000000000000000000000000000000000000000000000000000000000000001"
	c := func(src string, rows int64, sha string) Candidate {
		return Candidate{Key: "data/L.csv", Source: src, Rows: rows, SHA256: sha, Value: itoa(rows)}
	}
	tests := []struct {
		Name   string
		Metric string
		Input  []Candidate
		Want   string
	}{{
		Name:  "Only",
		Input: []Candidate{c("site/2023-05-01_export.zip!/data/L.csv", 4000, sha)},
		Want:  "only version",
	}, {
		Name: "MostRows",
		Input: []Candidate{c("site/2023-05-03_export.zip!/data/L.csv", 4000, sha),
			c("site/2023-05-02_export.zip!/data/L.csv", 3967, other),
			c("site/2023-05-01_export.zip!/data/L.csv", 10, other)},
		Want: "most rows: 4,000 vs 3,967 in 2023-05-02_export.zip",
	}, {
		Name: "TieSameContent",
		Input: []Candidate{c("site/2023-05-01_export.zip!/data/L.csv", 4000, sha),
			c("site/2023-05-02_export.zip!/data/L.csv", 4000, sha)},
		Want: "tie on rows (4,000): same content as runner-up",
	}, {
		Name: "TieDifferentContent",
		Input: []Candidate{c("site/2023-05-01_export.zip!/data/L.csv", 4000, sha),
			c("site/2023-05-02_export.zip!/data/L.csv", 4000, other)},
		Want: "tie on rows (4,000): different content: chose the newer source",
	}, {
		Name: "TieContentUnknown",
		Input: []Candidate{c("site/2023-05-01_export.zip!/data/L.csv", 4000, ""),
			c("site/2023-05-02_export.zip!/data/L.csv", 4000, sha)},
		Want: "tie on rows (4,000): chose the newer source",
	}, {
		Name: "NewestFewer",
		Input: []Candidate{c("site/2023-05-02_export.zip!/data/L.csv", 4000, sha),
			c("site/2023-05-01_export.zip!/data/L.csv", 3999, other),
			c("site/2023-06-01_export.zip!/data/L.csv", 3120, other)},
		Want: "most rows: 4,000 vs 3,999 in 2023-05-01_export.zip; newest source has fewer rows (3,120 in 2023-06-01_export.zip)",
	}, {
		Name: "SameArchive",
		Input: []Candidate{c("site/a.tar!/data/L.csv#2", 5, sha),
			c("site/a.tar!/data/L.csv", 4, other)},
		Want: "most rows: 5 vs 4 in site/a.tar!/data/L.csv",
	}, {
		Name:   "MaxColumn",
		Metric: "max:ts",
		Input: []Candidate{{Key: "k", Source: "2023-01-01.zip!/k", Value: "2023-01-05", SHA256: sha},
			{Key: "k", Source: "2023-01-02.zip!/k", Value: "2023-01-03", SHA256: other}},
		Want: "largest ts: 2023-01-05 vs 2023-01-03 in 2023-01-02.zip; newest source has a smaller ts (2023-01-03 in 2023-01-02.zip)",
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			m := tt.Metric
			if m == "" {
				m = "rows"
			}
			entries := Choose(tt.Input, metric.CompareValues)
			if len(entries) != 1 {
				t.Fatalf("Choose = %d entries, want 1", len(entries))
			}
			if got := Note(m, entries[0]); got != tt.Want {
				t.Errorf("Note:\n got %q\nwant %q", got, tt.Want)
			}
		})
	}
}

// The plan carries the note and the runner-up's sha256, and a plan
// written before those columns existed still reads.
func TestPlanNoteColumns(t *testing.T) {
	const other = "0000000000000000000000000000000000000000000000000000000000000001"
	entries := Choose([]Candidate{
		{Key: "k", Source: "2023-01-02.zip!/k", Rows: 4, Value: "4", SHA256: sha},
		{Key: "k", Source: "2023-01-01.zip!/k", Rows: 4, Value: "4", SHA256: other},
	}, metric.CompareValues)
	var buf bytes.Buffer
	if err := WritePlan(&buf, "rows", entries); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if want := "tie on rows (4): different content: chose the newer source"; got[0].Note != want {
		t.Errorf("note = %q, want %q", got[0].Note, want)
	}
	if got[0].RunnerUp == nil || got[0].RunnerUp.SHA256 != other {
		t.Errorf("runner-up = %+v, want sha256 %s", got[0].RunnerUp, other)
	}
	old := "key,rows,source,bytes,sha256,candidates,runner_up_rows,runner_up_source,metric,value,warnings\n" +
		"k,4,2023-01-02.zip!/k,1," + sha + ",2,4,2023-01-01.zip!/k,rows,4,\n"
	if _, err := ReadPlan(strings.NewReader(old)); err != nil {
		t.Errorf("ReadPlan of a plan without note columns: %v", err)
	}
}

func TestCandidatesAndProblemsRoundTrip(t *testing.T) {
	cands := []Candidate{{Key: "=k", Source: "a.zip!/=k", Rows: 3, Bytes: 9, SHA256: sha, Value: "3", Warnings: []string{WarnNonUTF8, WarnMixedLineEndings}},
		{Key: "=k", Source: "b.zip!/=k", Rows: 0, Bytes: 0, SHA256: sha, Value: "0"}}
	var buf bytes.Buffer
	if err := WriteCandidates(&buf, "rows", cands); err != nil {
		t.Fatal(err)
	}
	got, m, err := ReadCandidates(&buf)
	if err != nil || m != "rows" || !reflect.DeepEqual(got, cands) {
		t.Errorf("ReadCandidates = %+v %q %v, want %+v", got, m, err, cands)
	}
	probs := []*problem.Error{problem.New("-x.zip", 0, errors.New("bad")), problem.New("y.zip!/a.csv", 7, errors.New("=odd, reason"))}
	buf.Reset()
	if err := WriteProblems(&buf, probs); err != nil {
		t.Fatal(err)
	}
	gotP, err := ReadProblems(&buf)
	if err != nil || len(gotP) != 2 || gotP[0].Error() != probs[0].Error() || gotP[1].Error() != probs[1].Error() {
		t.Errorf("ReadProblems = %v %v, want %v", gotP, err, probs)
	}
	if _, _, err := ReadCandidates(strings.NewReader("key,rows\n")); !errors.Is(err, ErrBadPlan) {
		t.Errorf("ReadCandidates of a plan: err %v, want ErrBadPlan", err)
	}
}
