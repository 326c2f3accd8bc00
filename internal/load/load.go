// Package load imports the versions a plan chose into a sink: for every
// key it checks the ledger, works out the table (a new table's column types
// are those every value of its file fits), streams the file from its
// archive through the CSV reader and the type converter into the sink, and
// verifies the bytes against the plan's sha256 before the sink commits.
//
// Into a sink.ColumnTyper (SQLite, PostgreSQL, SQL Server, MariaDB/MySQL)
// a new table's file is read once in the common case: its types are
// guessed from its first records and checked against every record as it
// loads; a file whose later records need wider types is rolled back and
// loaded again with them (see onepass.go). Into other sinks (Oracle) the
// types are inferred by a read of the whole file before the load.
//
// Keys load independently: one failed file is reported and the others go
// on. Nothing is written before the whole plan has been checked (table
// names, sources).
package load

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// OpenFunc opens the data file named by an archive locator (relative to
// base) and calls fn with its bytes; see archive.Walker.Open.
type OpenFunc func(ctx context.Context, base, source string, fn func(r io.Reader) error) error

// Action is what happened, or would happen, to one key.
type Action string

// Actions.
const (
	Loaded   Action = "loaded"
	Replaced Action = "replaced"
	Skipped  Action = "skipped"
	Failed   Action = "failed"
	// Dry-run actions.
	WouldLoad    Action = "new"
	WouldReplace Action = "replace"
	WouldSkip    Action = "skip"
	// WouldRefuse: the import would fail the key for what the ledger
	// holds (sink.Decide refuses it: a downgrade).
	WouldRefuse Action = "refuse"
)

// Outcome is the result line of one key.
type Outcome struct {
	Key, Source, Table string
	Action             Action
	Rows, Rejected     int64
	PrevRows           int64 // rows of the version replaced (or to be)
	Note               string
	Elapsed            time.Duration
	Err                error
	// Columns are the table's columns when the load read the file:
	// inferred for a new table (NewTable), else the existing table's.
	Columns  []schema.Column
	NewTable bool
}

// Summary counts the outcomes.
type Summary struct {
	Loaded, Replaced, Skipped, Failed int
	Rows, Rejected                    int64
	Elapsed                           time.Duration
	// After an interruption (ctx done): the keys whose load was under way
	// and rolled back, sorted, and how many keys never started. Every key
	// that committed is counted above and was reported.
	RolledBack []string
	NotStarted int

	// A dry run's counts: what the import would do, by sink.Decide, the
	// rule a real load follows. Rows are the plan's rows of the keys that
	// would load, replace or be refused, and the ledger's rows of the
	// keys that would be skipped. A dry run counts nothing above but
	// Failed (a key whose ledger could not be read).
	WouldLoad, WouldReplace, WouldSkip, WouldRefuse Tally
}

// Tally counts keys and their rows.
type Tally struct {
	Keys int
	Rows int64
}

func (t *Tally) add(rows int64) { t.Keys++; t.Rows += rows }

// ErrFailed is returned by Run when at least one key failed.
var ErrFailed = errors.New("some files failed to load")

// ErrChanged is the reason when a source's bytes differ from the plan.
var ErrChanged = errors.New("sha256 differs from the plan: the source changed since analysis")

// Run imports entries into the sink. It returns an error before writing anything
// when the plan cannot be loaded as a whole (two keys map to one table, a
// source is missing); otherwise it loads every key it can and returns
// ErrFailed when some failed. When ctx ends, Run returns its error with a
// Summary that still counts (and Report was still told of) every key that
// committed, and names the keys that rolled back.
func (im *Importer) Run(ctx context.Context, entries []plan.Entry) (Summary, error) {
	start := time.Now()
	jobs, err := im.prepare(entries)
	if err != nil {
		return Summary{}, err
	}
	if im.files.Stat != nil {
		var missing []string
		for _, j := range jobs {
			if err := im.files.Stat(im.files.Base, j.Source); err != nil {
				missing = append(missing, fmt.Sprintf("key %s: %v", j.Key, err))
			}
		}
		if len(missing) > 0 {
			return Summary{}, fmt.Errorf("%d sources of the plan are missing or refused, nothing was loaded:\n  %s",
				len(missing), strings.Join(missing, "\n  "))
		}
	}
	if im.tables.One != "" && !im.policy.DryRun {
		if err := im.oneTableColumns(ctx, jobs); err != nil {
			return Summary{}, err
		}
	}

	var (
		mu  sync.Mutex
		sum Summary
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(im.workers())
	if im.tables.One == "" && !im.policy.DryRun && im.typer() == nil {
		stop := im.startLookahead(gctx, jobs)
		defer stop()
	}
	for _, j := range jobs {
		g.Go(func() error {
			if gctx.Err() != nil {
				mu.Lock()
				sum.NotStarted++
				mu.Unlock()
				return nil
			}
			t0 := time.Now()
			o := im.loadOne(gctx, j)
			o.Elapsed = time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if gctx.Err() != nil && o.Action != Loaded && o.Action != Replaced {
				// Interrupted: a key that committed is still
				// reported below; this one rolled back (or was
				// only looked at).
				if o.Action == Failed {
					sum.RolledBack = append(sum.RolledBack, o.Key)
				} else {
					sum.NotStarted++
				}
				return nil
			}
			switch o.Action {
			case Loaded:
				sum.Loaded++
			case Replaced:
				sum.Replaced++
			case Skipped:
				sum.Skipped++
			case Failed:
				sum.Failed++
			case WouldLoad:
				sum.WouldLoad.add(o.Rows)
			case WouldReplace:
				sum.WouldReplace.add(o.Rows)
			case WouldSkip:
				sum.WouldSkip.add(o.Rows)
			case WouldRefuse:
				sum.WouldRefuse.add(o.Rows)
			}
			if o.Action == Loaded || o.Action == Replaced {
				sum.Rows += o.Rows
				sum.Rejected += o.Rejected
			}
			if im.hooks.Report != nil {
				im.hooks.Report(o)
			}
			return nil
		})
	}
	err = g.Wait()
	sum.Elapsed = time.Since(start)
	slices.Sort(sum.RolledBack)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return sum, err
	}
	if sum.Failed > 0 {
		return sum, fmt.Errorf("%d of %d files: %w", sum.Failed, len(jobs), ErrFailed)
	}
	if sum.WouldRefuse.Keys > 0 {
		return sum, fmt.Errorf("%d of %d files would be refused: %w", sum.WouldRefuse.Keys, len(jobs), ErrFailed)
	}
	return sum, nil
}

// job is one key to load.
type job struct {
	plan.Entry
	table string
	cols  []schema.Column // set for one-table mode by the pre-pass
	ahead *inference      // the lookahead's inference; nil without one
}

// decideJob is what sink.Decide needs of j.
func (im *Importer) decideJob(j *job) sink.LoadJob {
	return sink.LoadJob{Key: j.Key, SHA256: j.SHA256, Rows: j.Rows, AllowDowngrade: im.policy.AllowDowngrade}
}

// empty reports whether j's file has no bytes, which loadOne skips
// without reading it.
func (j *job) empty() bool { return j.Bytes == 0 && j.Rows == 0 }

// prepare names every key's table and checks the plan as a whole: every
// name must be one the sink can take (not one its database reserves), and no two
// keys may share a table but in one-table mode.
func (im *Importer) prepare(entries []plan.Entry) ([]*job, error) {
	jobs := make([]*job, 0, len(entries))
	byTable := make(map[string]string)
	var clashes []string
	for _, e := range entries {
		name := im.tables.One
		var err error
		switch {
		case name != "":
			name = schema.TableName(name)
		case im.tables.Template != "":
			if name, err = schema.ApplyTemplate(im.tables.Template, e.Key); err != nil {
				return nil, fmt.Errorf("%s: %w", im.name("table"), err)
			}
		default:
			name = schema.TableName(e.Key)
		}
		if err := im.sink.CheckTable(name); err != nil {
			return nil, fmt.Errorf("key %q: %w: name its table with %s (a template such as 'x_{name}') or %s", e.Key, err, im.name("table"), im.name("one_table"))
		}
		if prev, ok := byTable[name]; ok && im.tables.One == "" {
			clashes = append(clashes, fmt.Sprintf("keys %q and %q both map to table %s", prev, e.Key, name))
		}
		byTable[name] = e.Key
		jobs = append(jobs, &job{Entry: e, table: name})
	}
	if len(clashes) > 0 {
		return nil, fmt.Errorf("table names clash (use %s or %s):\n  %s", im.name("table"), im.name("one_table"), strings.Join(clashes, "\n  "))
	}
	return jobs, nil
}

func fail(o Outcome, err error) Outcome {
	o.Action, o.Err = Failed, err
	return o
}

// loadOne loads one key and says how it went. A load that makes no
// progress for the StallTimeout fails with ErrStalled.
func (im *Importer) loadOne(ctx context.Context, j *job) Outcome {
	wctx, w := newWatchdog(ctx, im.conc.StallTimeout, im.name("statement_timeout"))
	defer w.stop()
	o := im.loadWatched(wctx, j, w)
	if o.Err != nil {
		o.Err = w.reason(wctx, o.Err)
	}
	return o
}

// loadWatched is loadOne under the watchdog w.
func (im *Importer) loadWatched(ctx context.Context, j *job, w *watchdog) Outcome {
	o := Outcome{Key: j.Key, Source: j.Source, Table: j.table}
	le, seen, err := im.sink.Ledger(ctx, j.Key)
	w.tick()
	if err != nil {
		return fail(o, err)
	}
	if seen {
		o.PrevRows = le.Rows
	}
	status, err := sink.Decide(im.decideJob(j), le, seen)
	if err != nil {
		o = fail(o, err)
		if im.policy.DryRun && errors.Is(err, sink.ErrDowngrade) {
			o.Action, o.Rows = WouldRefuse, j.Rows
		}
		return o
	}
	if status == sink.StatusSkipped {
		o.Action, o.Rows, o.Note = Skipped, le.Rows, "already loaded"
		if im.policy.DryRun {
			o.Action = WouldSkip
		}
		return o
	}
	if j.empty() {
		o.Action, o.Note = Skipped, "empty file (0 bytes)"
		if im.policy.DryRun {
			o.Action = WouldSkip
		}
		return o
	}
	if im.policy.DryRun {
		o.Action, o.Rows = WouldLoad, j.Rows
		if seen {
			o.Action = WouldReplace
		}
		return o
	}

	if im.hooks.Start != nil {
		im.hooks.Start(j.Entry)
	}
	cols := j.cols
	existing, exists, err := im.sink.Columns(ctx, j.table)
	if err != nil {
		return fail(o, err)
	}
	w.tick()
	if exists {
		cols = existing
	}
	if cols == nil && im.typer() == nil {
		// A new table: infer its types over every value of the file
		// (no database call: the watchdog rests). Into a ColumnTyper,
		// loadFile guesses them instead (see onepass.go).
		w.pause()
		cols, err = im.newColumns(ctx, j)
		w.resume()
		if err != nil {
			return fail(o, err)
		}
	}
	res, cols, err := im.loadFile(ctx, j, cols, exists, w)
	if err != nil {
		return fail(o, err)
	}
	o.Columns, o.NewTable = cols, !exists
	o.Rows, o.Rejected, o.PrevRows = res.Rows, res.Rejected, res.PrevRows
	switch res.Status {
	case sink.StatusSkipped:
		o.Action, o.Note = Skipped, "loaded meanwhile by another import"
	case sink.StatusReplaced:
		o.Action = Replaced
	default:
		o.Action = Loaded
	}
	if o.Rows == 0 && o.Action != Skipped {
		o.Note = "header only: empty table"
	}
	return o
}

// loadFrom loads j from the verified stream v into the sink, setting *res
// and adding to *handed the rows handed to the sink. nil cols guess a new
// table's types (see onepass.go).
func (im *Importer) loadFrom(ctx context.Context, v *verifier, j *job, cols []schema.Column, exists bool, w *watchdog, res *sink.Result, handed *atomic.Int64) (*source, error) {
	src, err := im.newSource(v, j, cols, exists, w)
	if err != nil {
		return nil, err
	}
	// Parse and convert on another goroutine, ahead of the sink.
	progress := func(rows int64) {
		handed.Add(rows)
		if im.hooks.Progress != nil {
			im.hooks.Progress(rows)
		}
		if kp := im.hooks.KeyProgress; kp != nil {
			kp(j.Key, rows, 0)
		}
	}
	pf := newPrefetch(src, progress)
	defer pf.stop()
	*res, err = im.sink.Load(ctx, im.loadJob(src), tickingSource{pf, w})
	pf.stop() // src.rejects is complete once the goroutine is done
	if err != nil && src.guess != nil {
		err = src.failedGuess(ctx, err)
	}
	if err != nil {
		return src, err
	}
	if rejects := src.allRejects(); rejects != nil && im.hooks.Rejects != nil {
		return src, im.hooks.Rejects(rejects)
	}
	return src, nil
}

// checkColumns refuses a file of n columns that the sink's table cannot
// hold (one more, source_key, in one-table mode), before anything else is
// read or written.
func (im *Importer) checkColumns(n int) error {
	if im.tables.One != "" {
		n++
	}
	return im.limits.CheckColumns(n)
}

// diffColumns says how two lists of column names differ, "" when they
// hold the same names. It takes time linear in the names.
func diffColumns(want, got []string) string {
	inWant := make(map[string]bool, len(want))
	for _, w := range want {
		inWant[w] = true
	}
	inGot := make(map[string]bool, len(got))
	for _, g := range got {
		inGot[g] = true
	}
	var missing, extra []string
	for _, w := range want {
		if !inGot[w] {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !inWant[g] {
			extra = append(extra, g)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing in the file: "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "not in the table: "+strings.Join(extra, ", "))
	}
	return strings.Join(parts, "; ")
}

// source streams one file's converted records to a sink; it implements
// sink.RecordSource.
type source struct {
	j       *job
	table   schema.Table
	rd      *record.Reader
	v       *verifier // the stream, hashed
	conv    *schema.Converter
	vals    []any
	maxBad  int64
	rejects []plan.Reject
	// mu guards rejects' length against the sink's goroutine, and
	// dbRejects: the records the database refused (see reject).
	mu        sync.Mutex
	dbRejects []plan.Reject
	err       error
	done      bool
	guess     *guess // the table's types are guessed; nil when known
}

func (im *Importer) newSource(v *verifier, j *job, cols []schema.Column, exists bool, w *watchdog) (*source, error) {
	var r io.Reader = v
	var sample *schema.Inferrer
	if cols == nil {
		prefix, in, err := im.sample(v)
		if err != nil {
			return nil, problem.New(j.Source, 0, err)
		}
		r, sample = io.MultiReader(bytes.NewReader(prefix), v), in
	}
	rd, err := record.NewReader(r, im.parse.Record)
	if err != nil {
		return nil, problem.New(j.Source, 0, err)
	}
	src := &source{j: j, rd: rd, v: v, maxBad: im.parse.MaxBadRows}
	if err := im.checkColumns(len(rd.Header())); err != nil {
		return nil, problem.New(j.Source, 0, fmt.Errorf("header: %w", err))
	}
	names := schema.ColumnNames(rd.Header())
	if sample != nil {
		src.guess = im.newGuess(names, sample, w)
		cols = src.guess.spec
	}
	src.table = schema.Table{Name: j.table}
	// Bind the file's columns, in the file's order, to the table's.
	var tableNames []string
	byName := make(map[string]schema.Column, len(cols))
	for _, c := range cols {
		if im.tables.One != "" && c.Name == sink.SourceKeyColumn && exists {
			continue
		}
		tableNames = append(tableNames, c.Name)
		byName[c.Name] = c
	}
	if d := diffColumns(tableNames, names); d != "" {
		return nil, problem.New(j.Source, 0, fmt.Errorf("table %s has other columns than the file: %s; load into other tables with %s (a template such as 'v2_{name}') or %s",
			j.table, d, im.name("table"), im.name("one_table")))
	}
	for _, n := range names {
		src.table.Columns = append(src.table.Columns, byName[n])
	}
	src.conv = schema.NewConverter(src.table.Columns, im.limits)
	return src, nil
}

// loadJob is the sink's job for the file src streams.
func (im *Importer) loadJob(src *source) sink.LoadJob {
	return sink.LoadJob{
		Key:            src.j.Key,
		Source:         src.j.Source,
		SHA256:         src.j.SHA256,
		Rows:           src.j.Rows,
		Table:          src.table,
		OneTable:       im.tables.One != "",
		AllowDowngrade: im.policy.AllowDowngrade,
		Version:        im.policy.Version,
	}
}

func (s *source) Next() bool {
	if s.done {
		return false
	}
	n := len(s.table.Columns)
	if cap(s.vals) < n {
		s.vals = make([]any, n)
	}
	s.vals = s.vals[:n]
	for s.rd.Next() {
		rec := s.rd.Record()
		if s.guess != nil && len(rec) == n {
			s.guess.full.Add(rec)
		}
		var bad error
		if len(rec) != n {
			bad = fmt.Errorf("%d fields, the header has %d", len(rec), n)
		} else if err := s.conv.ConvertStrings(rec, s.rd.Quoted(), s.vals); err != nil {
			bad = err
		}
		if bad == nil {
			return true
		}
		if s.guess != nil && s.guess.wider() {
			err := s.guess.drain(s.rd)
			if we := (*widenError)(nil); !errors.As(err, &we) {
				err = problem.New(s.j.Source, s.rd.RecordNumber(), err)
			}
			return s.end(err)
		}
		s.mu.Lock()
		full := int64(len(s.rejects)+len(s.dbRejects)) >= s.maxBad
		if !full {
			// Raw is bounded (record.MaxRaw), so the rejects kept until
			// the commit are at most MaxBadRows small strings.
			s.rejects = append(s.rejects, plan.Reject{Source: s.j.Source, Record: s.rd.RecordNumber(), Reason: bad.Error(), Raw: s.rd.Raw()})
		}
		s.mu.Unlock()
		if full {
			return s.end(problem.New(s.j.Source, s.rd.RecordNumber(), bad))
		}
	}
	if err := s.rd.Err(); err != nil {
		return s.end(problem.New(s.j.Source, s.rd.RecordNumber(), err))
	}
	// Hash whatever the CSV reader left unread, then compare.
	ok, err := s.v.finish(context.Background()) // the stream's reads end with the import's context
	if err != nil {
		return s.end(problem.New(s.j.Source, 0, err))
	}
	if !ok {
		return s.end(problem.New(s.j.Source, 0, ErrChanged))
	}
	if s.guess != nil {
		return s.end(s.guess.check())
	}
	return s.end(nil)
}

func (s *source) end(err error) bool {
	s.err, s.done = err, true
	return false
}

func (s *source) Values() ([]any, error) { return s.vals, nil }
func (s *source) Err() error             { return s.err }

// Rejected returns the records the source set aside (not those the
// database refused: prefetch counts them).
func (s *source) Rejected() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.rejects))
}

// reject sets aside the record numbered record, which the database
// refused, unless MaxBadRows records are set aside already. It may be
// called from the sink's goroutine while Next runs on another.
func (s *source) reject(record int64, reason error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if int64(len(s.rejects)+len(s.dbRejects)) >= s.maxBad {
		return problem.New(s.j.Source, record, reason)
	}
	s.dbRejects = append(s.dbRejects, plan.Reject{Source: s.j.Source, Record: record, Reason: reason.Error()})
	return nil
}

// allRejects returns every record set aside, by record number; call it
// once the source is no longer read.
func (s *source) allRejects() []plan.Reject {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.dbRejects) == 0 {
		return s.rejects
	}
	all := slices.Concat(s.rejects, s.dbRejects)
	slices.SortStableFunc(all, func(a, b plan.Reject) int { return cmp.Compare(a.Record, b.Record) })
	return all
}

var _ sink.RecordSource = (*source)(nil)
