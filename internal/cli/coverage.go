package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/coverage"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/ui"
)

// Coverage modes (the coverage setting).
const (
	coverageOff    = "off"
	coverageWarn   = "warn"
	coverageStrict = "strict"
)

// minCoverageMemory is the least coverage_memory: below it a large
// version would spill into too many runs.
const minCoverageMemory = 16 << 20

// coverageFlags bind the coverage check's settings: analyze, run and
// merge.
func (b *boundSettings) coverageFlags() {
	b.bind("coverage", "", coverageWarn, "check that each chosen version holds every row of the key's other versions: off, warn (a warning in the plan), strict (also a problem)")
	b.bind("coverage_memory", "", strings.ReplaceAll(humanize.IBytes(coverage.DefaultMemoryLimit), " ", ""), "memory for the coverage check's record hashes (16 bytes a record); above it they go to sorted files in the temp dir")
}

// newCoverageJob checks the coverage settings of s, naming a wrong one by
// where(key); it returns nil for coverage off.
func newCoverageJob(s config.Settings, where func(key string) string) (*coverageJob, error) {
	j := &coverageJob{mode: s.Coverage, memory: coverage.DefaultMemoryLimit, tempDir: s.TempDir}
	switch s.Coverage {
	case "":
		j.mode = coverageWarn
	case coverageOff:
		return nil, nil
	case coverageWarn, coverageStrict:
	default:
		return nil, usagef("%s %q: want off, warn or strict", where("coverage"), s.Coverage)
	}
	if s.CoverageMemory != "" {
		n, err := config.ParseSize(s.CoverageMemory)
		if err != nil {
			return nil, usagef("%s: %v", where("coverage_memory"), err)
		}
		if n < minCoverageMemory {
			return nil, usagef("%s must be at least 16MiB", where("coverage_memory"))
		}
		j.memory = n
	}
	return j, nil
}

// defaultCoverageBatch is how many versions the coverage check takes at
// once (whole keys, but for a key that fills a batch alone, which is
// checked in parts): about 10-20 MiB of candidates, half the size of
// a plan.Spill run. The check of a batch reads its keys' inputs, so a
// larger batch reads an input fewer times; memory grows with it, not with
// the site (issue 17: memory proportional to keys).
const defaultCoverageBatch = 1 << 15

// maxCoverageBatchKeys is the most keys a batch of the coverage check
// holds: the check keeps, for every key of its batch, the head of the
// chosen version (128 KiB, and its decoded text; package coverage,
// prefixHasher) to prove prefixes, so 65,536 versions of two each
// would hold some GiB; 256 keys hold some 64 MiB.
const maxCoverageBatchKeys = 256

// coverageJob is a coverage check with its settings checked: what
// analyze, run and merge do after choosing the plan (package coverage).
type coverageJob struct {
	mode    string // warn or strict
	memory  int64
	tempDir string
	// batch is the most versions checked at once (a key with more is
	// checked in parts); < 1 is defaultCoverageBatch.
	batch int
	// batchKeys is the most keys checked at once; < 1 is
	// maxCoverageBatchKeys.
	batchKeys int
	// onBatch, when set, is told the number of versions of every batch
	// (a test's view of the memory bound).
	onBatch func(versions int)
}

// eachCandidate gives the candidates sorted by key, then source (a
// plan.Spill's Each); fn must not keep the pointer.
type eachCandidate func(fn func(*plan.Candidate) error) error

// checkStep is the step of planOutputs.write that checks the chosen
// plan's coverage: it reads the versions that each gives, records the
// results in entries (sorted by key) and gives every candidate, with its
// coverage, to emit (nil: none), in each's order. It returns more
// problems.
type checkStep func(entries []plan.Entry, each eachCandidate, emit func(*plan.Candidate) error) ([]*problem.Error, error)

// checker returns the coverage check of the chosen plan: it reads the
// versions in ins with opts (the analysis's walker and CSV dialect,
// workers and temp dir), and keeps results in cache (nil: none).
func (j *coverageJob) checker(ctx context.Context, p *ui.Printer, opts analysis.Options, ins []archive.Input, cache *coverage.Cache) checkStep {
	if j == nil {
		return nil
	}
	return func(entries []plan.Entry, each eachCandidate, emit func(*plan.Candidate) error) ([]*problem.Error, error) {
		return j.check(ctx, p, opts, ins, cache, entries, each, emit)
	}
}

// check reads the versions of every key with more than one again (see
// package coverage), a batch of keys at a time so that memory is bounded
// by the batch, not by the versions; records the counts in the entries
// and the candidates; and returns the problems: versions that could not
// be read again and, in strict mode, keys whose chosen version lacks rows
// or could not be compared.
func (j *coverageJob) check(ctx context.Context, p *ui.Printer, cfg analysis.Options, ins []archive.Input, cache *coverage.Cache,
	entries []plan.Entry, each eachCandidate, emit func(*plan.Candidate) error) ([]*problem.Error, error) {
	start := time.Now()
	limit, keyLimit := j.batch, j.batchKeys
	if limit < 1 {
		limit = defaultCoverageBatch
	}
	if keyLimit < 1 {
		keyLimit = maxCoverageBatchKeys
	}
	opts := coverage.Options{
		Workers: cfg.Workers,
		Walker:  cfg.Walker,
		Record: record.Options{
			Delimiter:      cfg.Delimiter,
			NoHeader:       cfg.NoHeader,
			MaxRecordBytes: cfg.MaxRecordBytes,
		},
		MemoryLimit: j.memory,
		TempDir:     j.tempDir,
		Cache:       cache,
	}
	var (
		problems []*problem.Error
		batch    []plan.Candidate
		next     int // the first entry of the batch
		checked  int // keys with other versions
		read     int // other versions read
		cached   int // other versions whose result came from the cache
		lines    int // other versions proven prefixes by the cache's line lists
		chosen   int // chosen versions read
		keys     int // keys in the batch
		lastKey  string
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if j.onBatch != nil {
			j.onBatch(len(batch))
		}
		// The batch's keys are the next entries: every key has an
		// entry, and both are sorted by key; a key whose versions the
		// last batch began is its last entry.
		lo := next
		if lo > 0 && entries[lo-1].Key == batch[0].Key {
			lo--
		}
		for next < len(entries) && entries[next].Key <= batch[len(batch)-1].Key {
			next++
		}
		keys, st, probs, err := checkBatch(ctx, ins, opts, batch, entries[lo:next])
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k != lastKey {
				checked++
				lastKey = k
			}
		}
		read += st.read
		cached += st.cached
		lines += st.lines
		chosen += st.chosen
		problems = append(problems, probs...)
		if emit != nil {
			for i := range batch {
				if err := emit(&batch[i]); err != nil {
					return err
				}
			}
		}
		clear(batch)
		batch = batch[:0]
		return nil
	}
	err := each(func(c *plan.Candidate) error {
		// A batch ends between keys when it is full, or inside a key
		// whose versions alone fill it: the versions of a key are
		// compared with its chosen one each alone, so its parts give
		// the results of the whole (plan.AddCoverage), at the cost of
		// reading the chosen version once a part.
		if len(batch) >= limit || len(batch) > 0 && c.Key != batch[len(batch)-1].Key && keys >= keyLimit {
			if err := flush(); err != nil {
				return err
			}
			keys = 0
		}
		if len(batch) == 0 || c.Key != batch[len(batch)-1].Key {
			keys++
		}
		batch = append(batch, *c)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, err
	}
	if cache != nil {
		cache.Prune(ctx)
	}
	if next != len(entries) {
		return nil, fmt.Errorf("coverage: %d of %d keys have no candidates", len(entries)-next, len(entries))
	}
	plan.FinishCoverage(entries)
	var lacking int
	for _, e := range entries {
		if e.MissingRows > 0 {
			lacking++
		}
	}
	p.Printf("coverage: checked %d keys with other versions in %s: %d chosen versions lack rows of another version",
		checked, time.Since(start).Round(time.Millisecond), lacking)
	if cache != nil {
		p.Printf("coverage cache %s: %d other versions from the cache, %d read, %d proven prefixes by reading them alone; %d chosen versions read",
			cache.Dir, cached, read, lines, chosen)
	}
	if j.mode == coverageStrict {
		problems = append(problems, plan.CoverageProblems(entries)...)
	}
	return problems, nil
}

// checkBatch checks the keys of cands (sorted by key, every version of
// each but for the first and last key, which may have more versions in
// the batches before and after) against their chosen versions in entries
// (the same keys, sorted), records the results in both
// (plan.AddCoverage), and returns the keys that had other versions and
// the problems.
func checkBatch(ctx context.Context, ins []archive.Input, opts coverage.Options, cands []plan.Candidate, entries []plan.Entry) ([]string, batchStats, []*problem.Error, error) {
	chosen := make(map[string]string, len(entries))
	for _, e := range entries {
		chosen[e.Key] = e.Source
	}
	var list []coverage.Key
	for _, c := range cands {
		if c.Source == chosen[c.Key] {
			continue
		}
		if len(list) == 0 || list[len(list)-1].Key != c.Key {
			list = append(list, coverage.Key{Key: c.Key, Chosen: chosen[c.Key]})
		}
		k := &list[len(list)-1]
		k.Others = append(k.Others, c.Source)
	}
	digests := make(map[string]coverage.Digest, len(cands)+len(entries))
	for _, e := range entries { // the chosen version may be in another batch
		digests[e.Source] = coverage.Digest{SHA256: e.SHA256, Bytes: e.Bytes}
	}
	for _, c := range cands {
		digests[c.Source] = coverage.Digest{SHA256: c.SHA256, Bytes: c.Bytes}
	}
	opts.Digests = digests
	res, problems, err := coverage.Check(ctx, ins, list, opts)
	if err != nil {
		return nil, batchStats{}, nil, err
	}
	var st batchStats
	found := make(map[string]coverage.Version)
	for _, r := range res {
		if r.ChosenRead {
			st.chosen++
		}
		for _, v := range r.Versions {
			found[v.Source] = v
			switch {
			case v.Lines:
				st.lines++
			case v.Cached:
				st.cached++
			case v.Rows >= 0 && (v.Checked || v.Reason == coverage.ReasonHeader):
				st.read++
			}
		}
	}
	for i := range cands {
		v, ok := found[cands[i].Source]
		if !ok {
			continue
		}
		cands[i].Coverage = &plan.Coverage{Checked: v.Checked, Missing: v.Missing, Reason: v.Reason}
	}
	plan.AddCoverage(entries, cands)
	keys := make([]string, len(list))
	for i, k := range list {
		keys[i] = k.Key
	}
	return keys, st, problems, nil
}

// batchStats count the other versions of a batch.
type batchStats struct{ read, cached, lines, chosen int }

// outerInputs returns the outermost files that sources name (relative to
// the working directory, as the shards wrote them): for each source, its
// shortest prefix ending before a Sep that is a regular file. A source
// whose file is gone is left out: the coverage check reports it.
func outerInputs(sources []string) []archive.Input {
	seen := make(map[string]bool)
	var ins []archive.Input
	for _, src := range sources {
		for i := 0; ; {
			j := strings.Index(src[i:], archive.Sep)
			end := len(src)
			if j >= 0 {
				end = i + j
			}
			prefix := src[:end]
			if seen[prefix] {
				break
			}
			p := filepath.FromSlash(prefix)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				seen[prefix] = true
				ins = append(ins, archive.Input{Path: p, Source: prefix, Key: path.Base(prefix), Size: fi.Size()})
				break
			}
			if j < 0 {
				break
			}
			i = end + len(archive.Sep)
		}
	}
	slices.SortFunc(ins, func(a, b archive.Input) int { return strings.Compare(a.Source, b.Source) })
	return ins
}

// partAnalysis encodes a shard's analysis settings for its candidates
// file (plan.Part.Analysis), from which merge --coverage reads the
// versions again (mergeAnalysis).
func partAnalysis(s analysis.Settings) string {
	b, err := json.Marshal(s)
	if err != nil {
		return "" // strings, numbers and lists: cannot fail
	}
	return string(b)
}

// mergeAnalysis returns the options merge --coverage reads versions with:
// the shards' analysis settings from a candidates file (those of a file
// without them, from an older siftload: the defaults with its metric),
// with the workers and temp dir of s.
func mergeAnalysis(f plan.PartFile, s config.Settings) (analysis.Options, error) {
	as := analysis.Settings{Metric: f.Part.Metric, MaxDepth: archive.DefaultMaxDepth}
	if f.Part.Analysis != "" {
		if err := json.Unmarshal([]byte(f.Part.Analysis), &as); err != nil {
			return analysis.Options{}, fmt.Errorf("merge: %s: %w: analysis settings: %w", f.Name, plan.ErrBadPart, err)
		}
	}
	opts, err := as.Options()
	if err != nil {
		return analysis.Options{}, fmt.Errorf("merge: %s: %w: analysis settings: %w", f.Name, plan.ErrBadPart, err)
	}
	opts.Workers = s.Workers
	opts.Walker.TempDir = s.TempDir
	return opts, nil
}
