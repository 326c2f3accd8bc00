// Package plan holds the choice siftload makes: every measured version of a
// logical file (a Candidate), the pure function that picks one per key
// (Choose), and the CSV files people review and import reads back: the
// plan, the candidates and the problems.
//
// The CSV files are written for spreadsheets: a cell that would start with
// =, +, -, @, a tab, a carriage return or ' is written with a leading ' so
// that it never runs as a formula, and the readers here strip it again, so
// every value reads back exactly.
package plan

import (
	"cmp"
	"slices"
)

// Candidate is one measured version of a logical file.
type Candidate struct {
	Key    string // logical file
	Source string // archive locator
	Rows   int64  // CSV records after the header
	Bytes  int64  // decompressed size
	SHA256 string // hex sha256 of the decompressed bytes
	Value  string // the metric's value
	// Warnings about this version in plain words (see Structural); nil
	// when there are none.
	Warnings []string
	// Coverage is what a coverage check found for this version when
	// it is not the chosen one; nil when none ran (see SetCoverage).
	Coverage *Coverage
}

// Entry is the chosen version of one key.
type Entry struct {
	Candidate
	Candidates int        // how many versions competed
	RunnerUp   *Candidate // the next best version; nil when there was one

	// Coverage of the other versions (SetCoverage): Covered when a
	// check ran; MissingRows is then the most records one other version
	// holds that this one does not, MissingFrom that version ("" for
	// none), and NotCompared how many versions were not compared.
	Covered     bool
	MissingRows int64
	MissingFrom string
	NotCompared int
}

// Compare orders candidate values; see metric.Metric.Compare.
type Compare func(a, b string) int

// Better reports whether a is fuller than b: a larger value, or on a tie
// the newer source (see Newer).
func Better(a, b *Candidate, cmpValue Compare) bool {
	if c := cmpValue(a.Value, b.Value); c != 0 {
		return c > 0
	}
	return Newer(a.Source, b.Source)
}

// Choose picks the fullest candidate of every key. It is a pure function
// of the set of candidates: the order of cands does not matter, and the
// result is sorted by key.
func Choose(cands []Candidate, cmpValue Compare) []Entry {
	byKey := make(map[string]*Entry)
	newest := make(map[string]string)
	for i := range cands {
		c := &cands[i]
		if n, ok := newest[c.Key]; !ok || Newer(c.Source, n) {
			newest[c.Key] = c.Source
		}
		e, ok := byKey[c.Key]
		if !ok {
			byKey[c.Key] = &Entry{Candidate: *c, Candidates: 1}
			continue
		}
		e.Candidates++
		switch {
		case Better(c, &e.Candidate, cmpValue):
			prev := e.Candidate
			e.RunnerUp = &prev
			e.Candidate = *c
		case e.RunnerUp == nil || Better(c, e.RunnerUp, cmpValue):
			cc := *c
			e.RunnerUp = &cc
		}
	}
	out := make([]Entry, 0, len(byKey))
	for k, e := range byKey {
		// The chosen version's own warnings, and whether a newer source
		// had the key; a fresh slice, so that cands stay as they were.
		w := slices.Clone(e.Warnings)
		if n := newest[k]; n != e.Source {
			w = append(w, WarnNotNewest(n))
		}
		e.Warnings = w
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// SortCandidates sorts cands by key, then source: the order the candidates
// file is written in, whatever order workers found them.
func SortCandidates(cands []Candidate) {
	slices.SortFunc(cands, func(a, b Candidate) int {
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Source, b.Source)
	})
}
