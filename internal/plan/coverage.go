package plan

import (
	"errors"
	"fmt"

	"github.com/siftload/siftload/internal/problem"
)

// Coverage is what a coverage check (package coverage) found for a
// version that was not chosen.
type Coverage struct {
	// Checked is true when Missing holds: the version was read and
	// compared with the chosen one.
	Checked bool
	// Missing is how many of its records the chosen version does not
	// hold.
	Missing int64
	// Reason says in plain words why the version was not compared.
	Reason string
}

// WarnMissing says that n records of source (another version of the key)
// are not in the chosen version.
func WarnMissing(n int64, source string) string {
	if n == 1 {
		return "1 row of " + source + " is not in the chosen version"
	}
	return fmt.Sprintf("%d rows of %s are not in the chosen version", n, source)
}

// WarnNotCompared says that the rows of source (another version of the
// key) were not compared with the chosen version, and why; more is how
// many other versions were not compared either.
func WarnNotCompared(source, reason string, more int) string {
	w := "rows of " + source + " not compared with the chosen version: " + reason
	switch {
	case more == 1:
		w += " (and 1 more version)"
	case more > 1:
		w += fmt.Sprintf(" (and %d more versions)", more)
	}
	return w
}

// SetCoverage records a coverage check in entries (sorted by key, as
// Choose returns them): for every entry, MissingRows and MissingFrom
// from the Coverage of the other versions of its key in cands (the
// largest count; on a tie the source first in byte order), NotCompared,
// and their warnings. Every entry is marked Covered: a key with one
// version misses nothing. It is AddCoverage, then FinishCoverage.
func SetCoverage(entries []Entry, cands []Candidate) {
	AddCoverage(entries, cands)
	FinishCoverage(entries)
}

// AddCoverage records the Coverage of some of the other versions of the
// keys of entries, cands: a check that takes a key's versions in several
// parts (whose results are the same taken together, as each version is
// compared with the chosen one alone) calls it once a part, then
// FinishCoverage once.
func AddCoverage(entries []Entry, cands []Candidate) {
	at := make(map[string]int, len(entries))
	for i := range entries {
		at[entries[i].Key] = i
		entries[i].Covered = true
	}
	for ci := range cands {
		c := &cands[ci]
		i, ok := at[c.Key]
		if !ok || c.Coverage == nil || c.Source == entries[i].Source {
			continue
		}
		e := &entries[i]
		switch {
		case !c.Coverage.Checked:
			e.NotCompared++
			if e.notComparedFrom == "" || c.Source < e.notComparedFrom {
				e.notComparedFrom, e.notComparedWhy = c.Source, c.Coverage.Reason
			}
		case c.Coverage.Missing > e.MissingRows,
			c.Coverage.Missing == e.MissingRows && c.Coverage.Missing > 0 && c.Source < e.MissingFrom:
			e.MissingRows, e.MissingFrom = c.Coverage.Missing, c.Source
		}
	}
}

// FinishCoverage adds the warnings of what AddCoverage recorded to
// entries.
func FinishCoverage(entries []Entry) {
	for i := range entries {
		e := &entries[i]
		if e.MissingRows > 0 {
			e.Warnings = append(e.Warnings, WarnMissing(e.MissingRows, e.MissingFrom))
		}
		if e.notComparedFrom != "" {
			e.Warnings = append(e.Warnings, WarnNotCompared(e.notComparedFrom, e.notComparedWhy, e.NotCompared-1))
			e.notComparedFrom, e.notComparedWhy = "", ""
		}
	}
}

// ErrMissingRows is the reason of a problem raised by a strict coverage
// check for a key whose chosen version lacks rows of another version, or
// could not be compared with one.
var ErrMissingRows = errors.New("the chosen version may not hold every row of the key's other versions")

// CoverageProblems returns a problem for every entry whose chosen version
// lacks rows of another version (MissingRows > 0) or was not compared with
// one (NotCompared > 0): what a strict coverage check stops run for.
func CoverageProblems(entries []Entry) []*problem.Error {
	var out []*problem.Error
	for _, e := range entries {
		var why string
		switch {
		case e.MissingRows > 0:
			why = WarnMissing(e.MissingRows, e.MissingFrom)
		case e.NotCompared > 0:
			why = fmt.Sprintf("%d other versions not compared", e.NotCompared)
			if e.NotCompared == 1 {
				why = "1 other version not compared"
			}
		default:
			continue
		}
		out = append(out, problem.New(e.Source, 0, fmt.Errorf("key %s: %w: %s", e.Key, ErrMissingRows, why)))
	}
	return out
}
