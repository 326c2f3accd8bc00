package plan

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/siftload/siftload/internal/problem"
)

// PlanHeader is the header of a plan file, in order.
// The coverage columns (missing_rows, missing_from) come last, and a plan
// without them reads as one without a coverage check.
var PlanHeader = []string{"key", "rows", "source", "bytes", "sha256", "candidates",
	"runner_up_rows", "runner_up_source", "runner_up_sha256", "metric", "value", "note", "warnings",
	"missing_rows", "missing_from"}

// CandidatesHeader is the header of a candidates file, in order: the
// header of a shard's candidates (PartHeader) and the coverage count of
// each version (missing_rows: empty for the chosen version, for a version
// not compared and without a coverage check).
var CandidatesHeader = append(slices.Clip(PartHeader), "missing_rows")

// PartHeader is the header of the candidates in a shard's candidates file
// (WritePart): a shard checks no coverage, merge --coverage does.
var PartHeader = []string{"key", "source", "rows", "bytes", "sha256", "metric", "value", "warnings"}

// ProblemsHeader is the header of a problems file, in order.
var ProblemsHeader = []string{"source", "record", "reason"}

// requiredPlan are the plan columns import cannot do without.
var requiredPlan = []string{"key", "rows", "source", "sha256"}

// escapeCell makes s safe to open in a spreadsheet: a leading ' keeps a
// cell that starts like a formula from running, and unescapeCell takes it
// off again. A cell that starts with ' is escaped too, so the round trip
// is exact.
func escapeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}

func unescapeCell(s string) string {
	if strings.HasPrefix(s, "'") {
		return s[1:]
	}
	return s
}

// writer writes escaped CSV rows.
type writer struct {
	w   *csv.Writer
	row []string
}

func newWriter(w io.Writer, header []string) (*writer, error) {
	cw := &writer{w: csv.NewWriter(w)}
	return cw, cw.write(header...)
}

func (w *writer) write(cells ...string) error {
	w.row = w.row[:0]
	for _, c := range cells {
		w.row = append(w.row, escapeCell(c))
	}
	return w.w.Write(w.row)
}

func (w *writer) flush() error {
	w.w.Flush()
	return w.w.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// WritePlan writes entries (sorted by key, as Choose returns them) as a
// plan file for metric.
func WritePlan(w io.Writer, metric string, entries []Entry) error {
	cw, err := newWriter(w, PlanHeader)
	if err != nil {
		return err
	}
	for _, e := range entries {
		ruRows, ruSource, ruSHA := "", "", ""
		if e.RunnerUp != nil {
			ruRows, ruSource, ruSHA = itoa(e.RunnerUp.Rows), e.RunnerUp.Source, e.RunnerUp.SHA256
		}
		note := e.Note
		if note == "" {
			note = Note(metric, e)
		}
		missingRows := ""
		if e.Covered {
			missingRows = itoa(e.MissingRows)
		}
		if err := cw.write(e.Key, itoa(e.Rows), e.Source, itoa(e.Bytes), e.SHA256,
			strconv.Itoa(e.Candidates), ruRows, ruSource, ruSHA, metric, e.Value, note, joinWarnings(e.Warnings),
			missingRows, e.MissingFrom); err != nil {
			return err
		}
	}
	return cw.flush()
}

// WriteCandidates writes cands (sorted with SortCandidates) for metric.
func WriteCandidates(w io.Writer, metric string, cands []Candidate) error {
	cw, err := newWriter(w, CandidatesHeader)
	if err != nil {
		return err
	}
	if err := cw.writeCandidates(metric, cands, true); err != nil {
		return err
	}
	return cw.flush()
}

// writeCandidates writes one row per candidate, as CandidatesHeader names
// them, or PartHeader without coverage.
func (w *writer) writeCandidates(metric string, cands []Candidate, coverage bool) error {
	for _, c := range cands {
		row := []string{c.Key, c.Source, itoa(c.Rows), itoa(c.Bytes), c.SHA256, metric, c.Value, joinWarnings(c.Warnings)}
		if coverage {
			missing := ""
			if c.Coverage != nil && c.Coverage.Checked {
				missing = itoa(c.Coverage.Missing)
			}
			row = append(row, missing)
		}
		if err := w.write(row...); err != nil {
			return err
		}
	}
	return nil
}

// WriteProblems writes problems in the order given.
func WriteProblems(w io.Writer, problems []*problem.Error) error {
	cw, err := newWriter(w, ProblemsHeader)
	if err != nil {
		return err
	}
	if err := cw.writeProblems(problems); err != nil {
		return err
	}
	return cw.flush()
}

// writeProblems writes one row per problem, as ProblemsHeader names them.
func (w *writer) writeProblems(problems []*problem.Error) error {
	for _, p := range problems {
		rec := ""
		if p.Record > 0 {
			rec = itoa(p.Record)
		}
		if err := w.write(p.Source, rec, p.Err.Error()); err != nil {
			return err
		}
	}
	return nil
}

// ErrBadPlan marks every error about the content of a plan file.
var ErrBadPlan = errors.New("bad plan")

func planErr(line int, format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrBadPlan, line, fmt.Sprintf(format, args...))
}

// MaxPlanRecord is the longest record (row) of a plan file, in bytes: a
// plan row is a key, two sources and a few numbers, and a longer one is no
// plan (e.g. a device or a binary file given as the plan).
const MaxPlanRecord = 1 << 20

// recordLimiter passes a CSV stream through and fails once a record (up to
// a newline outside quotes) is longer than max bytes, so that the CSV
// reader never buffers more than that.
type recordLimiter struct {
	r      io.Reader
	max    int
	cur    int  // bytes of the current record so far
	quoted bool // inside a quoted field
	line   int  // 1-based line of the current record's start
	lines  int  // newlines seen
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		switch p[i] {
		case '"':
			l.quoted = !l.quoted
		case '\n':
			l.lines++
			if !l.quoted {
				l.cur, l.line = 0, l.lines+1
				continue
			}
		}
		if l.cur++; l.cur > l.max {
			return i, planErr(l.line, "a record longer than %d bytes: not a plan", l.max)
		}
	}
	return n, err
}

// readErr marks a CSV syntax error as ErrBadPlan; the errors of the
// record limit are marked already, and a read error is returned as it is.
func readErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) && !errors.Is(err, ErrBadPlan) {
		return fmt.Errorf("%w: %w", ErrBadPlan, err)
	}
	return err
}

// ReadPlan reads a plan file. The plan is untrusted input (people edit it
// in spreadsheets): an unknown or missing column, an empty or duplicated
// key, a count that is not a number or a record longer than MaxPlanRecord
// is an error naming the line, and nothing is returned. A read error of r
// (a cancelled context, a size limit) is returned as it is.
func ReadPlan(r io.Reader) ([]Entry, error) {
	lim := &recordLimiter{r: r, max: MaxPlanRecord, line: 1}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, planErr(1, "empty file, want header %s", strings.Join(PlanHeader, ","))
	}
	if err != nil {
		return nil, readErr(err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF") // spreadsheets add a BOM
		}
		if !slices.Contains(PlanHeader, h) {
			return nil, planErr(1, "unknown column %q (known: %s)", h, strings.Join(PlanHeader, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, planErr(1, "column %q twice", h)
		}
		col[h] = i
	}
	for _, h := range requiredPlan {
		if _, ok := col[h]; !ok {
			return nil, planErr(1, "missing column %q", h)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok {
			return unescapeCell(rec[i])
		}
		return ""
	}
	num := func(rec []string, name string, line int) (int64, error) {
		s := get(rec, name)
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, planErr(line, "%s %q is not a count", name, s)
		}
		return n, nil
	}
	var entries []Entry
	seen := make(map[string]int)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		line, _ := cr.FieldPos(0)
		var e Entry
		e.Key, e.Source, e.SHA256 = get(rec, "key"), get(rec, "source"), get(rec, "sha256")
		e.Value = get(rec, "value")
		e.Note = get(rec, "note")
		e.Warnings = splitWarnings(get(rec, "warnings"))
		switch {
		case e.Key == "":
			return nil, planErr(line, "empty key")
		case e.Source == "":
			return nil, planErr(line, "key %q: empty source", e.Key)
		case !isSHA256(e.SHA256):
			return nil, planErr(line, "key %q: sha256 %q is not 64 hex digits", e.Key, e.SHA256)
		}
		if first, dup := seen[e.Key]; dup {
			return nil, planErr(line, "key %q again (first on line %d)", e.Key, first)
		}
		seen[e.Key] = line
		if e.Rows, err = num(rec, "rows", line); err != nil {
			return nil, err
		}
		if get(rec, "rows") == "" {
			return nil, planErr(line, "key %q: empty rows", e.Key)
		}
		if e.Bytes, err = num(rec, "bytes", line); err != nil {
			return nil, err
		}
		n, err := num(rec, "candidates", line)
		if err != nil {
			return nil, err
		}
		e.Candidates = int(n)
		if get(rec, "missing_rows") != "" {
			e.Covered = true
			if e.MissingRows, err = num(rec, "missing_rows", line); err != nil {
				return nil, err
			}
		}
		e.MissingFrom = get(rec, "missing_from")
		if src := get(rec, "runner_up_source"); src != "" {
			ru := Candidate{Key: e.Key, Source: src, SHA256: get(rec, "runner_up_sha256")}
			if ru.SHA256 != "" && !isSHA256(ru.SHA256) {
				return nil, planErr(line, "key %q: runner_up_sha256 %q is not 64 hex digits", e.Key, ru.SHA256)
			}
			if ru.Rows, err = num(rec, "runner_up_rows", line); err != nil {
				return nil, err
			}
			e.RunnerUp = &ru
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// joinWarnings is the cell of a version's warnings.
func joinWarnings(ws []string) string { return strings.Join(ws, WarningSep) }

// splitWarnings reads a warnings cell back; nil when it is empty.
func splitWarnings(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, WarningSep)
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// RejectsHeader is the header of a reject file.
var RejectsHeader = []string{"source", "record", "reason", "raw"}

// Reject is a record set aside by import --max-bad-rows, like SQL*Loader's
// bad file: which file, which record, why, and the record's text.
type Reject struct {
	Source string
	Record int64
	Reason string
	Raw    string
}

// RejectWriter appends rejects to a reject file.
type RejectWriter struct {
	w *writer
}

// NewRejectWriter writes the header to w and returns a writer for rows.
func NewRejectWriter(w io.Writer) (*RejectWriter, error) {
	cw, err := newWriter(w, RejectsHeader)
	if err != nil {
		return nil, err
	}
	return &RejectWriter{w: cw}, cw.flush()
}

// Write appends rs and flushes.
func (rw *RejectWriter) Write(rs []Reject) error {
	for _, r := range rs {
		if err := rw.w.write(r.Source, itoa(r.Record), r.Reason, r.Raw); err != nil {
			return err
		}
	}
	return rw.w.flush()
}
