package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// randomCandidates returns n versions of a few keys, with ties of value
// and of date.
func randomCandidates(r *rand.Rand, n int) []Candidate {
	cands := make([]Candidate, n)
	for i := range cands {
		key := fmt.Sprintf("data/L%d.csv", r.IntN(4))
		src := fmt.Sprintf("site/2023-01-%02d_%d.zip!/%s", 1+r.IntN(9), i, key)
		rows := int64(r.IntN(5))
		cands[i] = Candidate{Key: key, Source: src, Rows: rows, Value: strconv.FormatInt(rows, 10), SHA256: sha}
		if r.IntN(3) == 0 {
			cands[i].Warnings = []string{WarnNonUTF8}
		}
	}
	return cands
}

// reference chooses by sorting each key's versions, best first.
func reference(cands []Candidate, cmpValue Compare) []Entry {
	byKey := map[string][]Candidate{}
	for _, c := range cands {
		byKey[c.Key] = append(byKey[c.Key], c)
	}
	var out []Entry
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range byKey {
			if !yield(k) {
				return
			}
		}
	}) {
		vs := byKey[k]
		slices.SortFunc(vs, func(a, b Candidate) int {
			if Better(&a, &b, cmpValue) {
				return -1
			}
			return 1
		})
		newest := vs[0]
		for _, v := range vs {
			if Newer(v.Source, newest.Source) {
				newest = v
			}
		}
		e := Entry{Candidate: vs[0], Candidates: len(vs)}
		e.Warnings = slices.Clone(e.Warnings)
		if newest.Source != e.Source {
			e.Warnings = append(e.Warnings, WarnNotNewest(newest.Source))
			newest.Warnings = nil // review (issue 14): the newest version, for the note
			e.Newest = &newest
		}
		if len(vs) > 1 {
			ru := vs[1]
			e.RunnerUp = &ru
		}
		out = append(out, e)
	}
	return out
}

func TestChooserAnyOrder(t *testing.T) {
	cmpValue := func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y }
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		cands := randomCandidates(r, 1+r.IntN(40))
		want := reference(slices.Clone(cands), cmpValue)
		for shuffle := range 3 {
			r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
			ch := NewChooser(cmpValue)
			for i := range cands {
				ch.Add(&cands[i])
			}
			if got := ch.Entries(); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, shuffle %d:\ngot  %+v\nwant %+v", round, shuffle, got, want)
			}
			if ch.Keys() != len(want) {
				t.Fatalf("Keys() = %d, want %d", ch.Keys(), len(want))
			}
		}
	}
}

func BenchmarkChooserAdd(b *testing.B) {
	cands := randomCandidates(rand.New(rand.NewPCG(1, 2)), 1<<12)
	cmpValue := func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y }
	b.ReportAllocs()
	ch := NewChooser(cmpValue)
	i := 0
	for b.Loop() {
		ch.Add(&cands[i&(len(cands)-1)])
		i++
	}
}
