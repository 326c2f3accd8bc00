package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/queue"
	"github.com/siftload/siftload/internal/shard"
	"github.com/siftload/siftload/internal/ui"
)

// analysisMode is where an analysis runs.
type analysisMode int

const (
	localMode analysisMode = iota // here, with Workers goroutines
	shardMode                     // here, one shard of the inputs, for merge
	queueMode                     // on the workers of a NATS work queue
)

// analyzeJob is an analysis with its settings checked and parsed once,
// and its mode chosen: what resolveSettings keeps for each site.
type analyzeJob struct {
	s        config.Settings   // the outputs' paths and the scale settings
	settings analysis.Settings // what changes the candidates
	opts     analysis.Options  // settings parsed, with workers and temp dir
	mode     analysisMode

	shard   shard.Spec // shardMode
	shardBy shard.By
	ackWait time.Duration      // queueMode
	names   queue.SettingNames // settings' names in problems, for workers too

	// own are more files siftload writes (run: the rejects file, the
	// SQLite database and its -wal, -shm and -journal files), never
	// analyzed; see ownOutputs.
	own []string

	// Coverage check (coverage.go); nil when off.
	coverage *coverageJob

	// json receives the plan's keys, the problems and the summary
	// (--json); nil for none.
	json *jsonLines
}

// newAnalyzeJob checks the analysis settings of s. A wrong value is a
// usage error that names the setting by where(key) (its flag, variable or
// profile line); name(key) names a setting in problems ("raise --max-ratio
// to allow it"). Without shards (run's), the analysis is never a shard,
// whatever the shard setting says; the queue is analyze's and run's.
func newAnalyzeJob(s config.Settings, where, name func(key string) string, shards bool) (*analyzeJob, error) {
	j := &analyzeJob{s: s}
	if s.Report != "" && s.Candidates == "" && s.Shard == "" {
		// The report's charts need every version: they go beside the plan.
		j.s.Candidates = besidePlan(s.Out, ".candidates.csv")
	}
	as, err := analysisSettings(s, where)
	if err != nil {
		return nil, err
	}
	if j.opts, err = as.Options(); err != nil {
		return nil, wordSettingError(err, where)
	}
	// Settings travel in canonical form: a task's metric is the name the
	// plan gets.
	as.Metric = j.opts.Metric.Name()
	j.settings = as
	j.opts.Workers = s.Workers
	j.opts.Walker.TempDir = s.TempDir
	j.names = queue.SettingNames{Ratio: name("max_ratio"), MemberSize: name("max_member_size"),
		Entries: name("max_entries"), NameEncoding: name("name_encoding")}
	j.names.Apply(&j.opts.Walker)
	// Coverage check.
	if j.coverage, err = newCoverageJob(s, where); err != nil {
		return nil, err
	}

	switch {
	case shards && s.Shard != "" && s.Queue != "":
		return nil, usagef("%s and %s exclude each other", where("shard"), where("queue"))
	case shards && s.Shard != "":
		j.mode = shardMode
		if s.Report != "" {
			return nil, usagef("%s needs a plan, which a shard does not write: run siftload report on the plan of siftload merge", where("report"))
		}
		if s.Candidates == "" {
			return nil, usagef("--shard needs --candidates FILE: the shard's candidates go there, for siftload merge")
		}
		if j.shard, err = shard.Parse(s.Shard, os.Getenv); err != nil {
			return nil, usagef("%s: %v", where("shard"), err)
		}
		if j.shardBy, err = shard.ParseBy(s.ShardBy); err != nil {
			return nil, usagef("%s: %v", where("shard_by"), err)
		}
	case s.Queue != "":
		j.mode = queueMode
		if j.ackWait, err = parseDuration(s.AckWait, queue.DefaultAckWait); err != nil || j.ackWait <= 0 {
			return nil, usagef("%s must be positive", where("ack_wait"))
		}
	}
	return j, nil
}

// analysisSettings returns the settings of s that change candidates, in
// the form of the analysis package: sizes in bytes and limits resolved.
func analysisSettings(s config.Settings, where func(key string) string) (analysis.Settings, error) {
	ratio := s.MaxRatio
	switch {
	case ratio == 0:
		ratio = archive.DefaultMaxRatio
	case ratio < 1:
		return analysis.Settings{}, usagef("%s must be at least 1", where("max_ratio"))
	}
	size, err := config.ParseSize(s.MaxMemberSize)
	if err != nil {
		return analysis.Settings{}, usagef("%s: %v", where("max_member_size"), err)
	}
	entries := s.MaxEntries
	switch {
	case entries < 0:
		return analysis.Settings{}, usagef("%s must not be negative", where("max_entries"))
	case entries == 0:
		entries = -1 // no limit
	}
	return analysis.Settings{
		Metric:         s.Metric,
		Include:        s.Include,
		Exclude:        s.Exclude,
		Key:            s.Key,
		NoHeader:       s.NoHeader,
		MaxDepth:       s.MaxDepth,
		Delimiter:      s.Delimiter,
		MaxRecordBytes: s.MaxRecordBytes,
		MaxRatio:       ratio,
		MaxMemberSize:  size,
		NameEncoding:   s.NameEncoding,
		MaxEntries:     entries,
	}, nil
}

// wordSettingError turns an *analysis.SettingError into a usage error that
// names the setting by where(key): "--max-depth must be at least 1",
// "site.yaml:3:1: metric: unknown metric ...".
func wordSettingError(err error, where func(key string) string) error {
	var se *analysis.SettingError
	if !errors.As(err, &se) {
		return err
	}
	msg := se.Err.Error()
	if strings.HasPrefix(msg, "must ") || strings.HasPrefix(msg, `"`) {
		return usagef("%s %s", where(se.Key), msg)
	}
	return usagef("%s: %s", where(se.Key), msg)
}

// parseDuration parses a duration setting; "" is def.
func parseDuration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	return time.ParseDuration(s)
}

// ownOutputs returns the files this analysis (and, in run, its import)
// writes: an input directory that holds them must not have them analyzed
// as data, or a second run would differ from the first.
func (j *analyzeJob) ownOutputs() []string {
	return append([]string{j.s.Out, problemsPath(j.s), j.s.Candidates, plan.MetaPath(j.s.Out), j.s.Report}, j.own...)
}

// enclosingInput returns the input directory that holds path, or "".
func enclosingInput(inputs []string, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	for _, in := range inputs {
		fi, err := os.Stat(in)
		if err != nil || !fi.IsDir() {
			continue
		}
		dir, err := filepath.Abs(in)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return in
		}
	}
	return ""
}

// runAnalyze analyzes inputs with the settings s, named by their flags;
// see analyzeJob.run.
func runAnalyze(ctx context.Context, p *ui.Printer, s config.Settings, inputs []string) ([]plan.Entry, error) {
	j, err := newAnalyzeJob(s, flagWhere, flagWhere, true)
	if err != nil {
		return nil, err
	}
	return j.run(ctx, p, inputs)
}

// run analyzes inputs, in the job's mode, and writes the outputs: the
// plan, problems and candidates files, or a shard's candidates file. It
// returns the chosen entries (none for a shard); the error is ErrProblems
// when some input had problems (the files are written all the same). A
// shard exits 0 once its file is written: merge reports its problems.
func (j *analyzeJob) run(ctx context.Context, p *ui.Printer, inputs []string) ([]plan.Entry, error) {
	start := time.Now()
	// The listing and the outputs too: the plan's metadata of every input
	// is made after analysis.Run.
	defer analysis.BoundHeap()()
	ins, err := archive.Expand(ctx, inputs)
	if err != nil {
		return nil, err
	}
	if p.Detailed() {
		j.opts.Walker.Skipped = func(source, reason string) { p.Verbosef("skipped %s: %s", source, reason) }
	}
	all := ins
	label := "analyze"
	if j.mode == shardMode {
		// A shard knows only its own candidates file, not its siblings':
		// one inside an input would be analyzed by the other shards.
		if dir := enclosingInput(inputs, j.s.Candidates); dir != "" {
			return nil, usagef("the shard's candidates file %s lies inside the input %s, where the other shards would analyze it: write it outside the inputs", j.s.Candidates, dir)
		}
		ins = shard.Select(all, j.shard, j.shardBy)
		label += " shard " + j.shard.String()
	} else {
		ins = dropUnder(dropOwnOutputs(ins, j.ownOutputs()), j.s.Cache) // with --no-cache too
	}
	var total int64
	for _, in := range ins {
		total += max(in.Size, 0)
	}
	if j.mode == shardMode {
		p.Printf("shard %s (by %s): %d of %d inputs, %s", j.shard, j.shardBy, len(ins), len(all), ui.Bytes(total))
	}
	prog := p.NewProgress(ctx, label, len(ins), total)
	opts := j.opts
	opts.Progress = prog.Add
	opts.Cache = j.newCache(p)
	var spill *plan.Spill
	opts.Chooser, spill = j.newCollector(opts)
	if spill != nil {
		defer spill.Close()
		opts.Keep = func(cands []plan.Candidate) error { return spill.Add(cands...) }
	}
	var res *analysis.Result
	if j.mode == queueMode {
		res, err = j.analyzeQueue(ctx, p, ins, opts)
	} else {
		res, err = analysis.Run(ctx, ins, opts)
	}
	prog.Done()
	if err != nil {
		return nil, err
	}
	out := planOutputs{Plan: j.s.Out, Problems: problemsPath(j.s), Candidates: j.s.Candidates, Chooser: opts.Chooser, Spill: spill,
		Check: j.coverage.checker(ctx, p, opts, ins, j.coverageCache(p))}
	if j.mode == shardMode {
		out = planOutputs{Candidates: j.s.Candidates, Part: &plan.Part{
			Shard: j.shard.Index, Shards: j.shard.Count, ShardBy: string(j.shardBy),
			Settings: j.settings.Fingerprint(all), Metric: opts.Metric.Name(),
			Version: Version(), Inputs: len(ins),
			// For merge --coverage.
			Analysis: partAnalysis(j.settings),
		}}
	} else if out.Meta, err = j.newMeta(start, ins, all, res.Stats); err != nil {
		return nil, err
	}
	entries, problems, err := out.write(p, opts.Metric, res.Candidates, res.Problems)
	if err != nil {
		return nil, err
	}
	res.Stats.Keys = len(entries)
	if j.mode == shardMode {
		// A shard chooses no plan, but it knows the keys its candidates
		// have (a key may have candidates in other shards too).
		keys := make(map[string]struct{})
		for _, c := range res.Candidates {
			keys[c.Key] = struct{}{}
		}
		res.Stats.Keys = len(keys)
		printAnalyzeSummary(p, res.Stats, len(problems), j.s.Candidates)
		p.Printf("shard %s: %d candidates of %d keys; siftload merge chooses among all shards' candidates", j.shard, len(res.Candidates), len(keys))
		if len(problems) > 0 {
			p.Printf("the %d problems are in %s too; siftload merge reports them", len(problems), j.s.Candidates)
		}
		return nil, nil
	}
	printAnalyzeSummary(p, res.Stats, len(problems), j.s.Out)
	if opts.Cache != nil {
		printCacheSummary(p, opts.Cache.Dir, res.Stats)
	}
	writeAnalyzeJSON(j.json, j.s.Out, entries, problems, res.Stats)
	if err := j.json.Err(); err != nil {
		return nil, err
	}
	if j.s.Report != "" {
		// The candidates file holds every version (the analysis may have
		// streamed them through a Chooser and kept none).
		if err := analysisReport(p, j.s.Report, j.s.Out, j.s.Candidates, opts.Metric.Name(), entries, problems, out.Meta); err != nil {
			return nil, err
		}
	}
	return entries, out.problemsError("analyze", p, problems)
}

// planOutputs are the files an analysis, a shard or a merge writes.
type planOutputs struct {
	Plan, Problems string // "" for a shard
	Candidates     string // "" for none
	// Part, for a shard, makes the candidates file a part for merge,
	// with the problems in it, and no plan is chosen.
	Part *plan.Part
	// Meta, when set, is written beside the plan (plan.MetaPath).
	Meta *plan.Meta
	// Chooser, when set, was given every candidate already (see
	// analyzeJob.newCollector): the plan is its entries, and the cands
	// that write gets are none.
	Chooser *plan.Chooser
	// Spill, when set, holds the candidates (with Chooser): those of
	// the candidates file, and the versions Check reads.
	Spill *plan.Spill
	// Check, when set, checks the chosen plan further (the coverage
	// check) and returns more problems. It takes the versions sorted
	// by key, one key's versions after the other, from Spill.Each (or
	// cands), a batch of keys at a time, and gives them back with
	// their coverage for the candidates file.
	Check checkStep
}

// write is the one "write plan outputs" step of analyze, shard and merge:
// it chooses the plan from cands (but for a shard), writes the files
// atomically and prints the problems. It returns the plan's entries and
// every problem, sorted: probs and one for every chosen version with a
// structural warning.
func (o planOutputs) write(p *ui.Printer, m metric.Metric, cands []plan.Candidate, probs []*problem.Error) ([]plan.Entry, []*problem.Error, error) {
	if o.Part != nil {
		if err := writeFileAtomic(o.Candidates, func(f *os.File) error {
			return plan.WritePart(f, *o.Part, cands, probs)
		}); err != nil {
			return nil, nil, err
		}
		printProblems(p, probs)
		return nil, probs, nil
	}
	var entries []plan.Entry
	if o.Chooser != nil {
		entries, probs = chosen(o.Chooser, probs)
	} else {
		entries, probs = choose(cands, probs, m.Compare)
	}
	// The versions, sorted by key, then source.
	each := func(fn func(*plan.Candidate) error) error {
		for i := range cands {
			if err := fn(&cands[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if o.Spill != nil {
		each = o.Spill.Each
	} else {
		plan.SortCandidates(cands)
	}
	writeCands := o.Candidates != ""
	if o.Check != nil {
		// The check gives each version its coverage columns as it goes,
		// so the candidates file is written along with it.
		check := func(emit func(*plan.Candidate) error) error {
			more, err := o.Check(entries, each, emit)
			if err != nil {
				return err
			}
			probs = append(probs, more...)
			analysis.SortProblems(probs)
			return nil
		}
		var err error
		if writeCands {
			err = writeFileAtomic(o.Candidates, func(f *os.File) error {
				return writeCandidatesOf(f, m.Name(), check)
			})
		} else {
			err = check(nil)
		}
		if err != nil {
			return nil, nil, err
		}
		writeCands = false
	}
	planSHA := ""
	if err := writeFileAtomic(o.Plan, func(f *os.File) error {
		hw := newHashingWriter(f)
		defer func() { planSHA = hw.sum() }()
		return plan.WritePlan(hw, m.Name(), entries)
	}); err != nil {
		return nil, nil, err
	}
	if o.Meta != nil {
		if err := writeMeta(o.Plan, o.Meta, planSHA, entries, probs); err != nil {
			return nil, nil, err
		}
	}
	if err := writeFileAtomic(o.Problems, func(f *os.File) error {
		return plan.WriteProblems(f, probs)
	}); err != nil {
		return nil, nil, err
	}
	if writeCands {
		if err := writeFileAtomic(o.Candidates, func(f *os.File) error {
			return writeCandidatesOf(f, m.Name(), each)
		}); err != nil {
			return nil, nil, err
		}
	}
	printProblems(p, probs)
	return entries, probs, nil
}

// choose picks the version of every key from cands and returns the plan's
// entries and the problems: those found while measuring and one for every
// key whose chosen version has a structural warning, sorted.
func choose(cands []plan.Candidate, problems []*problem.Error, cmp plan.Compare) ([]plan.Entry, []*problem.Error) {
	return chosen(plan.NewChooserOf(cands, cmp), problems)
}

// chosen is choose with the candidates in ch already.
func chosen(ch *plan.Chooser, problems []*problem.Error) ([]plan.Entry, []*problem.Error) {
	entries := ch.Entries()
	problems = append(problems, plan.WarningProblems(entries, problems)...)
	analysis.SortProblems(problems)
	return entries, problems
}

// problemsError says where the problems went and returns ErrProblems
// when there are any.
func (o planOutputs) problemsError(verb string, p *ui.Printer, probs []*problem.Error) error {
	if len(probs) == 0 {
		return nil
	}
	p.Printf("problems written to %s", o.Problems)
	return fmt.Errorf("%s: %d problems: %w", verb, len(probs), ErrProblems)
}
