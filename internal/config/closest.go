package config

import "strings"

// Closest returns the word of known nearest to unknown (by edit
// distance, ignoring case and reading - and _ alike), or "" when none is
// within two edits: the "did you mean" of a mistyped key, flag or word.
func Closest(unknown string, known []string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", "_")) }
	u := norm(unknown)
	best, bestD := "", 3
	for _, k := range known {
		n := norm(k)
		d := distance(u, n)
		if d > 0 && strings.ReplaceAll(u, "_", "") == strings.ReplaceAll(n, "_", "") {
			d = 0 // dryrun: dry-run
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}
