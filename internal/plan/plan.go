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
	// The first version by source that was not compared, and why
	// (AddCoverage), until FinishCoverage words them as a warning.
	notComparedFrom, notComparedWhy string

	// Newest is the newest source's version (see Newer) when it is not
	// the chosen one; nil otherwise, and in a plan read back.
	Newest *Candidate
	// Note says why this version was chosen, in plain words (see Note).
	// WritePlan writes Note(metric, e) when it is empty; ReadPlan reads
	// it back ("" from a plan written before the column existed).
	Note string
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
	return NewChooserOf(cands, cmpValue).Entries()
}

// NewChooserOf returns a Chooser with cands added.
func NewChooserOf(cands []Candidate, cmpValue Compare) *Chooser {
	ch := NewChooser(cmpValue)
	for i := range cands {
		ch.Add(&cands[i])
	}
	return ch
}

// Chooser is Choose as a streaming reduction: per key it keeps only the
// best version, the runner-up, the count and the newest source, so that
// its memory grows with the keys, not with the versions. Candidates may be
// added in any order; Entries then returns what Choose returns for the
// same set. A Chooser is not safe for concurrent use.
type Chooser struct {
	cmp    Compare
	byKey  map[string]*Entry
	newest map[string]*Candidate // a copy of the newest version
}

// NewChooser returns an empty Chooser that compares values with cmpValue.
func NewChooser(cmpValue Compare) *Chooser {
	return &Chooser{cmp: cmpValue, byKey: make(map[string]*Entry), newest: make(map[string]*Candidate)}
}

// Add adds a version. The Chooser keeps a copy of c, not c.
func (ch *Chooser) Add(c *Candidate) {
	if n, ok := ch.newest[c.Key]; !ok || Newer(c.Source, n.Source) || c.Source == n.Source && Better(c, n, ch.cmp) {
		nc := *c
		nc.Warnings = nil // the note needs its source and value only
		ch.newest[c.Key] = &nc
	}
	e, ok := ch.byKey[c.Key]
	if !ok {
		ch.byKey[c.Key] = &Entry{Candidate: *c, Candidates: 1}
		return
	}
	e.Candidates++
	switch {
	case Better(c, &e.Candidate, ch.cmp):
		prev := e.Candidate
		e.RunnerUp = &prev
		e.Candidate = *c
	case e.RunnerUp == nil || Better(c, e.RunnerUp, ch.cmp):
		cc := *c
		e.RunnerUp = &cc
	}
}

// Keys returns how many keys were added.
func (ch *Chooser) Keys() int { return len(ch.byKey) }

// Entries returns the chosen version of every key, sorted by key.
func (ch *Chooser) Entries() []Entry {
	out := make([]Entry, 0, len(ch.byKey))
	for k, e := range ch.byKey {
		// The chosen version's own warnings, and whether a newer source
		// had the key; a fresh slice, so that the candidates added stay
		// as they were.
		en := *e
		w := slices.Clone(en.Warnings)
		if n := ch.newest[k]; n.Source != en.Source {
			w = append(w, WarnNotNewest(n.Source))
			nc := *n
			en.Newest = &nc
		}
		en.Warnings = w
		out = append(out, en)
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
