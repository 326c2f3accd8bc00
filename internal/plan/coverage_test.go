package plan

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/metric"
)

func TestSetCoverage(t *testing.T) {
	checked := func(n int64) *Coverage { return &Coverage{Checked: true, Missing: n} }
	header := &Coverage{Reason: "its header differs from the chosen version's"}
	tests := []struct {
		Name        string
		Cands       []Candidate // the first of each key is chosen (most rows)
		WantRows    int64
		WantFrom    string
		WantWarning []string
	}{{
		Name:  "OneVersion",
		Cands: []Candidate{{Key: "k", Source: "a", Rows: 5}},
	}, {
		Name:        "Rotation",
		Cands:       []Candidate{{Key: "k", Source: "b", Rows: 9}, {Key: "k", Source: "a", Rows: 6, Coverage: checked(3)}},
		WantRows:    3,
		WantFrom:    "a",
		WantWarning: []string{"3 rows of a are not in the chosen version"},
	}, {
		Name: "LargestThenFirstSource",
		Cands: []Candidate{{Key: "k", Source: "z", Rows: 9}, {Key: "k", Source: "c", Rows: 6, Coverage: checked(1)},
			{Key: "k", Source: "b", Rows: 6, Coverage: checked(1)}, {Key: "k", Source: "a", Rows: 6, Coverage: checked(0)}},
		WantRows:    1,
		WantFrom:    "b",
		WantWarning: []string{"1 row of b is not in the chosen version"},
	}, {
		Name:  "NothingMissing",
		Cands: []Candidate{{Key: "k", Source: "z", Rows: 9}, {Key: "k", Source: "a", Rows: 6, Coverage: checked(0)}},
	}, {
		Name: "NotCompared",
		Cands: []Candidate{{Key: "k", Source: "z", Rows: 9}, {Key: "k", Source: "b", Rows: 6, Coverage: header},
			{Key: "k", Source: "a", Rows: 6, Coverage: header}, {Key: "k", Source: "c", Rows: 6, Coverage: checked(2)}},
		WantRows: 2,
		WantFrom: "c",
		WantWarning: []string{"2 rows of c are not in the chosen version",
			"rows of a not compared with the chosen version: its header differs from the chosen version's (and 1 more version)"},
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			entries := Choose(tt.Cands, metric.CompareValues)
			SetCoverage(entries, tt.Cands)
			e := entries[0]
			if !e.Covered || e.MissingRows != tt.WantRows || e.MissingFrom != tt.WantFrom {
				t.Errorf("got covered %v, %d missing from %q; want %d from %q", e.Covered, e.MissingRows, e.MissingFrom, tt.WantRows, tt.WantFrom)
			}
			var ws []string
			for _, w := range e.Warnings {
				if !strings.HasPrefix(w, "not the newest") {
					ws = append(ws, w)
				}
			}
			if !reflect.DeepEqual(ws, tt.WantWarning) {
				t.Errorf("warnings %q, want %q", ws, tt.WantWarning)
			}
			for _, w := range ws {
				if strings.Contains(w, WarningSep) {
					t.Errorf("warning %q holds %q", w, WarningSep)
				}
			}
			probs := CoverageProblems(entries)
			if want := tt.WantRows > 0 || len(tt.WantWarning) > 1; (len(probs) > 0) != want {
				t.Errorf("problems %v, want some: %v", probs, want)
			}
			for _, p := range probs {
				if !errors.Is(p, ErrMissingRows) || p.Source != e.Source {
					t.Errorf("problem %v, want one of %s wrapping ErrMissingRows", p, e.Source)
				}
			}
		})
	}
}

func TestCoverageColumns(t *testing.T) {
	in := []Entry{{
		Candidate:   Candidate{Key: "a", Rows: 9, Source: "new.zip!/a", SHA256: sha, Value: "9", Warnings: []string{WarnMissing(3, "old.zip!/a")}},
		Candidates:  2,
		RunnerUp:    &Candidate{Key: "a", Rows: 6, Source: "old.zip!/a"},
		Covered:     true,
		MissingRows: 3,
		MissingFrom: "old.zip!/a",
		Note:        "most rows",
	}, {
		Candidate:  Candidate{Key: "b", Rows: 1, Source: "new.zip!/b", SHA256: sha, Value: "1"},
		Candidates: 1,
		Covered:    true,
		Note:       "only version",
	}, {
		Candidate:  Candidate{Key: "c", Rows: 1, Source: "new.zip!/c", SHA256: sha, Value: "1"},
		Candidates: 1,
		Note:       "only version",
	}}
	var buf bytes.Buffer
	if err := WritePlan(&buf, "rows", in); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	for i, want := range []string{",3,old.zip!/a", ",0,", ",,"} {
		if !strings.HasSuffix(lines[i+1], want) {
			t.Errorf("line %q, want it to end in %q", lines[i+1], want)
		}
	}
	got, err := ReadPlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, in)
	}

	// A plan of an older siftload, without the coverage columns.
	old := "key,rows,source,bytes,sha256,candidates,runner_up_rows,runner_up_source,metric,value,warnings\n" +
		"a,9,new.zip!/a,0," + sha + ",1,,,rows,9,\n"
	got, err = ReadPlan(strings.NewReader(old))
	if err != nil {
		t.Fatalf("plan without coverage columns: %v", err)
	}
	if len(got) != 1 || got[0].Covered || got[0].MissingFrom != "" {
		t.Errorf("plan without coverage columns: got %+v", got)
	}
}

func TestCandidatesMissingRows(t *testing.T) {
	cands := []Candidate{
		{Key: "a", Source: "new", SHA256: sha},
		{Key: "a", Source: "old", SHA256: sha, Coverage: &Coverage{Checked: true, Missing: 3}},
		{Key: "a", Source: "other", SHA256: sha, Coverage: &Coverage{Reason: "x"}},
	}
	var buf bytes.Buffer
	if err := WriteCandidates(&buf, "rows", cands); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(CandidatesHeader, ",") + "\n" +
		"a,new,0,0," + sha + ",rows,,,\n" +
		"a,old,0,0," + sha + ",rows,,,3\n" +
		"a,other,0,0," + sha + ",rows,,,\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got, _, err := ReadCandidates(strings.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Coverage != nil || got[1].Coverage == nil || *got[1].Coverage != (Coverage{Checked: true, Missing: 3}) || got[2].Coverage != nil {
		t.Errorf("read back: coverage %v %v %v", got[0].Coverage, got[1].Coverage, got[2].Coverage)
	}
	if !strings.HasSuffix(want[:strings.Index(want, "\n")], ",warnings,missing_rows") {
		t.Errorf("header %q, want missing_rows last", want[:strings.Index(want, "\n")])
	}
}
