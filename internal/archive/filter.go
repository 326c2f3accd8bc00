package archive

import (
	"fmt"
	"path"
	"strings"
)

// dataExtensions are the name endings DefaultIsData accepts, lowercase.
var dataExtensions = []string{".csv", ".tsv", ".txt"}

// DefaultIsData reports whether key (a key as DefaultKey makes it, so any
// compression suffix is already gone) ends in .csv, .tsv or .txt, in any
// letter case: "data/LINE01.CSV" is data, "readme.md" is not.
func DefaultIsData(key string) bool {
	for _, ext := range dataExtensions {
		if len(key) > len(ext) && strings.EqualFold(key[len(key)-len(ext):], ext) {
			return true
		}
	}
	return false
}

// Filter selects data files by glob. Patterns use path.Match syntax and
// are matched case-insensitively against the key (the member path with
// its compression suffix stripped, "data/LINE01.csv") and against its base
// name ("LINE01.csv"), so "LINE*.csv" selects that file in any folder and
// "data/*.csv" only in data/.
//
// A key is data when it matches some Include pattern (or, with no Include
// patterns, when DefaultIsData accepts it) and matches no Exclude pattern.
// The zero Filter is DefaultIsData. Use Filter.Match as Walker.IsData.
type Filter struct {
	Include []string
	Exclude []string
}

// Validate returns an error naming the first malformed pattern.
func (f Filter) Validate() error {
	for _, p := range append(append([]string(nil), f.Include...), f.Exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("filter pattern %q: %w", p, err)
		}
	}
	return nil
}

// Match reports whether key is a data file. A malformed pattern matches
// nothing (call Validate first to reject it).
func (f Filter) Match(key string) bool {
	ok := len(f.Include) == 0 && DefaultIsData(key)
	lkey := strings.ToLower(key)
	lbase := path.Base(lkey)
	if !ok {
		ok = anyMatch(f.Include, lkey, lbase)
	}
	return ok && !anyMatch(f.Exclude, lkey, lbase)
}

func anyMatch(patterns []string, key, base string) bool {
	for _, p := range patterns {
		p = strings.ToLower(p)
		if m, _ := path.Match(p, key); m {
			return true
		}
		if m, _ := path.Match(p, base); m {
			return true
		}
	}
	return false
}
