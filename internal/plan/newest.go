package plan

import "regexp"

// snapshotDate matches a calendar date at the start of a string: four
// digits of a year from 1900 to 2099, a month and a day, written together
// (20230102) or with one of - _ . between them (2023-01-02, 2023_01_02).
var snapshotDate = regexp.MustCompile(`^(?:19|20)\d\d(?:` +
	`(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|` +
	`-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|` +
	`_(?:0[1-9]|1[0-2])_(?:0[1-9]|[12]\d|3[01])|` +
	`\.(?:0[1-9]|1[0-2])\.(?:0[1-9]|[12]\d|3[01]))`)

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// outerPath returns the path of a source's outermost file: the locator up
// to its first "!/".
func outerPath(source string) string {
	for i := 0; i+1 < len(source); i++ {
		if source[i] == '!' && source[i+1] == '/' {
			return source[:i]
		}
	}
	return source
}

// snapshotOf returns the last date in source's outermost path that is
// not part of a longer run of digits, as YYYYMMDD, or "" when there is none.
func snapshotOf(source string) string {
	p := outerPath(source)
	last := ""
	for i := 0; i < len(p); i++ {
		if !isDigit(p[i]) || i > 0 && isDigit(p[i-1]) {
			continue
		}
		m := snapshotDate.FindString(p[i:])
		if m == "" || i+len(m) < len(p) && isDigit(p[i+len(m)]) {
			continue
		}
		last = m
	}
	if len(last) == 10 {
		last = last[0:4] + last[5:7] + last[8:10]
	}
	return last
}

// Newer reports whether source a is a newer snapshot than source b. The
// rule, the same for the tie-break and for the "not the newest source"
// warning: the source whose outermost path holds the later date is newer
// (the last date in the path, e.g. site/2023/2023-01-02_export.zip or
// backup-20221231.tar.gz); a source with no date there is older than any
// with one; between equal dates, or no dates, the source larger in byte
// order is newer. It is a strict total order, so choices never depend on
// the order candidates arrive in.
func Newer(a, b string) bool {
	if da, db := snapshotOf(a), snapshotOf(b); da != db {
		return da > db
	}
	return a > b
}
