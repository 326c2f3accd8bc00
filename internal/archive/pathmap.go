package archive

import (
	"fmt"
	"strings"
)

// PathMap rewrites sources and paths that start with From (a path on the
// machine that analyzed) to start with To (where this machine sees the
// same files): a worker's tasks, and the sources of a plan imported on
// another machine. Both are in '/' form.
type PathMap struct {
	From, To string
}

// ParsePathMap reads "FROM=TO". Backslashes count as '/' in both, so a
// Windows path matches the '/'-separated sources of a plan or task, and a
// trailing '/' is dropped ("/=/data" maps every absolute path).
func ParsePathMap(s string) (PathMap, error) {
	from, to, ok := strings.Cut(s, "=")
	if !ok || from == "" || to == "" {
		return PathMap{}, fmt.Errorf("path map %q: want FROM=TO, such as /mnt/site=S:/site", s)
	}
	from = strings.TrimSuffix(strings.ReplaceAll(from, `\`, "/"), "/")
	to = strings.TrimRight(strings.ReplaceAll(to, `\`, "/"), "/")
	return PathMap{From: from, To: to}, nil
}

// MapSource applies the longest map whose From is source or a leading
// part of it (whole path elements only, so /mnt/site does not match
// /mnt/sitex) and returns the result, still in '/' form; a locator's
// member part ("a.zip!/x.csv") is kept as it is. A source no map matches
// is returned unchanged.
func MapSource(maps []PathMap, source string) string {
	best := -1
	for i, m := range maps {
		if (source == m.From || strings.HasPrefix(source, m.From+"/") || m.From == "") && (best < 0 || len(m.From) > len(maps[best].From)) {
			best = i
		}
	}
	if best < 0 {
		return source
	}
	m := maps[best]
	return m.To + strings.TrimPrefix(source, m.From)
}
