package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/problem"
)

// Warnings of a version, in plain words. Each is one of the forms below, so
// that a reviewer can read them and code can tell the structural ones (a
// version whose records cannot be trusted) from the informational ones.
// A plan or candidates file holds a version's warnings in one cell, joined
// by WarningSep; no warning contains WarningSep.
const (
	WarningSep = "; "

	warnUnclosedQuote = "unclosed quote"
	warnFieldCount    = "field count differs from header"

	// WarnNonUTF8 says that a file read as UTF-8 holds bytes that are not
	// UTF-8 (they load as U+FFFD or fail, depending on the column).
	WarnNonUTF8 = "non-UTF-8 text"
	// WarnUTF16Guess says that the file was decoded as UTF-16 without a
	// byte order mark, by a guess from its bytes.
	WarnUTF16Guess = "UTF-16 without BOM (guessed)"
	// WarnMixedLineEndings says that records end in more than one way
	// (for example CRLF and LF).
	WarnMixedLineEndings = "mixed line endings"
)

// WarnUnclosedQuote says that a quoted field opened in record n never
// closes. Records are numbered as problems and import number them: 1 is
// the first data record, 0 the header.
func WarnUnclosedQuote(n int64) string {
	return fmt.Sprintf("%s (opened in record %d)", warnUnclosedQuote, n)
}

// WarnFieldCount says that n records have another number of fields than
// the header, the first of them record first (numbered as in
// WarnUnclosedQuote).
func WarnFieldCount(n, first int64) string {
	records := "records"
	if n == 1 {
		records = "record"
	}
	return fmt.Sprintf("%s (%d %s, first: record %d)", warnFieldCount, n, records, first)
}

// WarnNotNewest says that the chosen version is not the newest source
// (the largest in byte order) that has the key.
func WarnNotNewest(newest string) string {
	return "not the newest source (newest: " + newest + ")"
}

// Structural reports whether w says that the version's records cannot be
// trusted as counted: a key whose chosen version has such a warning is a
// problem, and run does not import it without --keep-going.
func Structural(w string) bool {
	return strings.HasPrefix(w, warnUnclosedQuote) || strings.HasPrefix(w, warnFieldCount)
}

// ErrStructural is the reason of a problem raised for a key whose chosen
// version has a structural warning.
var ErrStructural = errors.New("the chosen version's records cannot be trusted as counted")

// WarningProblems returns a problem for every entry whose chosen version
// has a structural warning (see Structural), except for sources that known
// already names: run does not import after problems unless told to.
func WarningProblems(entries []Entry, known []*problem.Error) []*problem.Error {
	named := make(map[string]bool, len(known))
	for _, p := range known {
		named[p.Source] = true
	}
	var out []*problem.Error
	for _, e := range entries {
		if named[e.Source] {
			continue
		}
		for _, w := range e.Warnings {
			if Structural(w) {
				out = append(out, problem.New(e.Source, 0, fmt.Errorf("key %s: %w: %s", e.Key, ErrStructural, w)))
				break
			}
		}
	}
	return out
}
