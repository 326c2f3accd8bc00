package plan

import (
	"path"
	"strconv"
	"strings"
)

// The note of a plan row says in plain words why its version was chosen,
// for the people who review the plan before the import:
//
//	only version
//	most rows: 4,000 vs 3,967 in 2023-05-02_export.zip
//	tie on rows (4,000): same content as runner-up
//	tie on rows (4,000): different content: chose the newer source
//
// and, when the chosen version is not the newest source that has the key,
// "; newest source has fewer rows (3,120 in 2023-06-01_export.zip)". A
// source is named by its outermost file's name, or in full when that name
// is the chosen version's too (two members of one archive). For the bytes
// metric the words are "most bytes" and "fewer bytes"; for max:COLUMN
// "largest COLUMN" and "a smaller COLUMN". Counts have thousands
// separators. The warnings stay in their own column.

// Note returns the note of e in a plan of the metric named metric (see
// above). e.RunnerUp and e.Newest are as Choose sets them.
func Note(metric string, e Entry) string {
	most, less, what := "most "+metric, "fewer "+metric, metric
	number := metric == "rows" || metric == "bytes"
	if col, ok := strings.CutPrefix(metric, "max:"); ok {
		most, less, what = "largest "+col, "a smaller "+col, col
	}
	value := func(v string) string {
		if number {
			return thousands(v)
		}
		return v
	}
	var b strings.Builder
	switch ru := e.RunnerUp; {
	case ru == nil:
		b.WriteString("only version")
	case ru.Value != e.Value:
		b.WriteString(most + ": " + value(e.Value) + " vs " + value(ru.Value) + " in " + shortSource(ru.Source, e.Source))
	default:
		b.WriteString("tie on " + what + " (" + value(e.Value) + "): ")
		switch ru.SHA256 {
		case e.SHA256:
			b.WriteString("same content as runner-up")
		case "": // a plan read back from before runner_up_sha256
			b.WriteString("chose the newer source")
		default:
			b.WriteString("different content: chose the newer source")
		}
	}
	if n := e.Newest; n != nil && n.Source != e.Source {
		b.WriteString("; newest source has " + less + " (" + value(n.Value) + " in " + shortSource(n.Source, e.Source) + ")")
	}
	return b.String()
}

// shortSource names source for a note: its outermost file's name, or the
// whole source when chosen's outermost file has that name too.
func shortSource(source, chosen string) string {
	s := path.Base(strings.ReplaceAll(outerPath(source), `\`, "/"))
	if s == path.Base(strings.ReplaceAll(outerPath(chosen), `\`, "/")) {
		return source
	}
	return s
}

// thousands writes a decimal count with a comma every three digits;
// anything that is not a count comes back as it is.
func thousands(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return s
	}
	digits := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// IsNotNewest reports whether the warning w is WarnNotNewest's.
func IsNotNewest(w string) bool { return strings.HasPrefix(w, "not the newest source (") }
