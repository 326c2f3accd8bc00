package plan

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestSpill(t *testing.T) {
	tests := []struct {
		Name  string
		N     int
		Limit int
	}{
		{Name: "Empty", N: 0, Limit: 4},
		{Name: "InMemory", N: 30, Limit: 100},
		{Name: "Runs", N: 100, Limit: 7},
		{Name: "ExactRuns", N: 64, Limit: 8},
		{Name: "OnePerRun", N: 9, Limit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			cands := randomCandidates(rand.New(rand.NewPCG(3, uint64(tt.N))), tt.N)
			want := slices.Clone(cands)
			SortCandidates(want)
			dir := t.TempDir()
			s := &Spill{Dir: dir, Limit: tt.Limit}
			for _, c := range cands {
				if err := s.Add(c); err != nil {
					t.Fatal(err)
				}
			}
			if s.Len() != tt.N {
				t.Errorf("Len() = %d, want %d", s.Len(), tt.N)
			}
			var got []Candidate
			var buf bytes.Buffer
			cw, err := NewCandidatesWriter(&buf, "rows")
			if err != nil {
				t.Fatal(err)
			}
			err = s.Each(func(c *Candidate) error {
				got = append(got, *c)
				return cw.Write(c)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := cw.Flush(); err != nil {
				t.Fatal(err)
			}
			if len(got)+len(want) > 0 && !reflect.DeepEqual(got, want) {
				t.Errorf("Each gave\n%+v\nwant\n%+v", got, want)
			}
			var wantFile bytes.Buffer
			if err := WriteCandidates(&wantFile, "rows", want); err != nil {
				t.Fatal(err)
			}
			if buf.String() != wantFile.String() {
				t.Errorf("streamed candidates file:\n%s\nwant:\n%s", buf.String(), wantFile.String())
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
				t.Errorf("left behind: %q", left)
			}
		})
	}
}

func TestSpillRemovesRunsOnClose(t *testing.T) {
	dir := t.TempDir()
	s := &Spill{Dir: dir, Limit: 2}
	if err := s.Add(randomCandidates(rand.New(rand.NewPCG(1, 1)), 5)...); err != nil {
		t.Fatal(err)
	}
	if runs, _ := os.ReadDir(dir); len(runs) == 0 {
		t.Fatal("no run written past the limit")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if runs, _ := os.ReadDir(dir); len(runs) != 0 {
		t.Errorf("%d runs left after Close", len(runs))
	}
}
