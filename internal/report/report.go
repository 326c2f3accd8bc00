// Package report writes the review report of a plan: one self-contained
// HTML file that people open from a file share on a machine without a
// network and attach to a change ticket.
//
// The rules of the file:
//
//   - Everything is inline: CSS, JavaScript, the data (JSON in a script
//     element) and the charts (SVG drawn by the script). A Content Security
//     Policy of default-src 'none' forbids every network request, so a
//     report never fetches anything, even by mistake.
//   - It shows a summary (inputs, keys, versions measured, problems,
//     warnings, bytes and time), a table of every key (sortable by any
//     column; filtered by text and by kind: warnings, ties, newest source
//     not chosen, problems, load states), per key the rows of every version
//     over the snapshots as a chart (from the candidates file), and the
//     problems with their locators.
//   - A snapshot is a source's outermost file (the locator before its first
//     "!/"); the charts order them by plan.Newer, oldest first.
//   - The location's fragment sets the first view: #filter=ties&q=LINE
//     (filter: all, warnings, ties, newest, problems, or a load state).
//   - Size: the data is arrays, not objects, and sources are stored once
//     per snapshot, so 10,000 keys with 100 versions each make about 12 MB.
//
// The package knows no database: the load state of each key (Input.States)
// is given by the caller.
package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
)

// Input is what a report shows.
type Input struct {
	Title  string
	Metric string // the plan's metric ("rows", "bytes", "max:COLUMN")
	// Entries are the plan's keys, sorted by key.
	Entries []plan.Entry
	// Candidates are every version measured; nil draws no charts.
	Candidates []plan.Candidate
	Problems   []*problem.Error
	// Meta is the plan's sidecar; nil takes the summary from the plan.
	Meta *plan.Meta
	// States are the load state of each key in the database ("loaded",
	// "pending", ...); nil when no database was asked.
	States    map[string]string
	Generated time.Time
}

// The flags of a key in the report's data (the script's filters).
const (
	flagWarnings = 1 << iota
	flagTie
	flagNewest
	flagProblems
)

// data is the JSON the script reads. Each key is an array:
// [key, rows, source, candidates, note, warnings, flags, state, versions,
// chosen, inner], where versions is flat [snapshot, rows, snapshot,
// rows, ...], chosen the index of the chosen pair (-1: unknown) and inner
// the member part of each version's source ("!/" + key is written as "").
type data struct {
	Title     string     `json:"title"`
	Generated string     `json:"generated"`
	Metric    string     `json:"metric"`
	Summary   [][]string `json:"summary"`
	Snaps     []string   `json:"snaps"`
	Keys      [][]any    `json:"keys"`
	Problems  [][]string `json:"problems"`
	States    bool       `json:"states"`
	HasCands  bool       `json:"cands"`
}

// outer returns the snapshot of a source: up to its first "!/".
func outer(source string) (string, string) {
	if i := strings.Index(source, "!/"); i >= 0 {
		return source[:i], source[i:]
	}
	return source, ""
}

// Write writes the report of in to w.
func Write(w io.Writer, in Input) error {
	d := build(in)
	js, err := json.Marshal(d) // escapes <, > and &: safe inside <script>
	if err != nil {
		return fmt.Errorf("report data: %w", err)
	}
	return page.Execute(w, struct {
		Title string
		Data  template.JS
		CSS   template.CSS
		JS    template.JS
	}{d.Title, template.JS(js), template.CSS(css), template.JS(script)})
}

func build(in Input) data {
	d := data{Title: cmp.Or(in.Title, "siftload report"), Metric: in.Metric, States: in.States != nil, HasCands: in.Candidates != nil,
		Snaps: []string{}, Keys: [][]any{}, Problems: [][]string{}} // [] in JSON, never null
	if !in.Generated.IsZero() {
		d.Generated = in.Generated.UTC().Format(time.RFC3339)
	}
	// Snapshots, oldest first.
	snapIdx := map[string]int{}
	for _, c := range in.Candidates {
		o, _ := outer(c.Source)
		snapIdx[o] = 0
	}
	for _, e := range in.Entries {
		o, _ := outer(e.Source)
		snapIdx[o] = 0
	}
	for s := range snapIdx {
		d.Snaps = append(d.Snaps, s)
	}
	slices.SortFunc(d.Snaps, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case plan.Newer(b, a):
			return -1
		}
		return 1
	})
	for i, s := range d.Snaps {
		snapIdx[s] = i
	}
	// Versions by key (candidates are sorted by key, then source).
	byKey := map[string][]plan.Candidate{}
	for _, c := range in.Candidates {
		byKey[c.Key] = append(byKey[c.Key], c)
	}
	probSources := map[string]bool{}
	for _, p := range in.Problems {
		probSources[p.Source] = true
		d.Problems = append(d.Problems, []string{p.Source, recordOf(p), p.Err.Error()})
	}
	var warned, ties, notNewest, withProblems int
	for _, e := range in.Entries {
		note := e.Note
		if note == "" {
			if e.RunnerUp != nil && e.RunnerUp.Value == "" && in.Metric == "rows" {
				ru := *e.RunnerUp
				ru.Value = strconv.FormatInt(ru.Rows, 10)
				e.RunnerUp = &ru
			}
			note = plan.Note(in.Metric, e)
		}
		flags := 0
		if len(e.Warnings) > 0 {
			flags |= flagWarnings
			warned++
		}
		if strings.HasPrefix(note, "tie on") {
			flags |= flagTie
			ties++
		}
		if slices.ContainsFunc(e.Warnings, plan.IsNotNewest) {
			flags |= flagNewest
			notNewest++
		}
		vs := byKey[e.Key]
		// Stable order for the chart: by snapshot, then source.
		slices.SortStableFunc(vs, func(a, b plan.Candidate) int {
			oa, _ := outer(a.Source)
			ob, _ := outer(b.Source)
			return cmp.Or(cmp.Compare(snapIdx[oa], snapIdx[ob]), cmp.Compare(a.Source, b.Source))
		})
		flat := make([]int64, 0, 2*len(vs))
		inner := make([]string, 0, len(vs))
		innerAny := false
		chosen := -1
		prob := probSources[e.Source]
		for i, c := range vs {
			o, rest := outer(c.Source)
			flat = append(flat, int64(snapIdx[o]), c.Rows)
			if rest == "!/"+e.Key {
				rest = ""
			} else {
				innerAny = true
			}
			inner = append(inner, rest)
			if c.Source == e.Source {
				chosen = i
			}
			prob = prob || probSources[c.Source]
		}
		if prob {
			flags |= flagProblems
			withProblems++
		}
		var innerCell any = 0
		if innerAny {
			innerCell = inner
		}
		d.Keys = append(d.Keys, []any{e.Key, e.Rows, e.Source, e.Candidates, note,
			strings.Join(e.Warnings, plan.WarningSep), flags, in.States[e.Key], flat, chosen, innerCell})
	}
	// The summary.
	add := func(name, value string) { d.Summary = append(d.Summary, []string{name, value}) }
	if m := in.Meta; m != nil {
		t := m.Totals
		add("inputs", fmt.Sprintf("%d (%s)", t.Inputs, sizeOf(t.InputBytes)))
		add("keys", count(len(in.Entries)))
		add("versions measured", count(t.Versions))
		add("problems", count(len(in.Problems)))
		add("keys with warnings", count(warned))
		add("data read", sizeOf(t.DataBytes)+" decompressed in "+strconv.FormatInt(t.DataFiles, 10)+" data files")
		add("analysis", m.Start.UTC().Format(time.RFC3339)+" to "+m.End.UTC().Format(time.RFC3339)+" ("+(time.Duration(t.ElapsedMS)*time.Millisecond).String()+")")
		add("siftload", m.Version)
		add("base directory", m.BaseDir)
		add("settings fingerprint", m.Fingerprint)
	} else {
		add("keys", count(len(in.Entries)))
		if in.Candidates != nil {
			add("versions measured", count(len(in.Candidates)))
		}
		add("problems", count(len(in.Problems)))
		add("keys with warnings", count(warned))
	}
	add("ties", count(ties))
	add("newest source not chosen", count(notNewest))
	add("keys with problems", count(withProblems))
	add("metric", in.Metric)
	if in.States != nil {
		counts := map[string]int{}
		for _, e := range in.Entries {
			counts[cmp.Or(in.States[e.Key], "unknown")]++
		}
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
		add("load state", strings.Join(parts, ", "))
	}
	return d
}

func recordOf(p *problem.Error) string {
	if p.Record > 0 {
		return strconv.FormatInt(p.Record, 10)
	}
	return ""
}

// count writes n with a comma every three digits.
func count(n int) string {
	d := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && c != '-' && (len(d)-i)%3 == 0 && d[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// sizeOf formats n in binary units.
func sizeOf(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
