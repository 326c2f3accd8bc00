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

// coverageJob is a coverage check with its settings checked: what
// analyze, run and merge do after choosing the plan (package coverage).
type coverageJob struct {
	mode    string // warn or strict
	memory  int64
	tempDir string
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

// checker returns the step of planOutputs.write that checks the chosen
// plan's coverage: it reads the versions in ins with opts (the analysis's
// walker and CSV dialect, workers and temp dir).
func (j *coverageJob) checker(ctx context.Context, p *ui.Printer, opts analysis.Options, ins []archive.Input) func([]plan.Entry, []plan.Candidate) ([]*problem.Error, error) {
	if j == nil {
		return nil
	}
	return func(entries []plan.Entry, cands []plan.Candidate) ([]*problem.Error, error) {
		return checkCoverage(ctx, p, j.mode, j.memory, j.tempDir, opts, ins, cands, entries)
	}
}

// checkCoverage reads the versions of every key with more than one again
// (see package coverage), records the counts in cands and entries, and
// returns the problems: versions that could not be read again and, in
// strict mode, keys whose chosen version lacks rows or could not be
// compared.
func checkCoverage(ctx context.Context, p *ui.Printer, mode string, memory int64, tempDir string,
	cfg analysis.Options, ins []archive.Input, cands []plan.Candidate, entries []plan.Entry) ([]*problem.Error, error) {
	start := time.Now()
	chosen := make(map[string]string, len(entries))
	for _, e := range entries {
		chosen[e.Key] = e.Source
	}
	byKey := make(map[string]*coverage.Key)
	var keys []*coverage.Key
	for _, c := range cands {
		if c.Source == chosen[c.Key] {
			continue
		}
		k := byKey[c.Key]
		if k == nil {
			k = &coverage.Key{Key: c.Key, Chosen: chosen[c.Key]}
			byKey[c.Key] = k
			keys = append(keys, k)
		}
		k.Others = append(k.Others, c.Source)
	}
	list := make([]coverage.Key, len(keys))
	for i, k := range keys {
		list[i] = *k
	}
	digests := make(map[string]coverage.Digest, len(cands))
	for _, c := range cands {
		if byKey[c.Key] != nil {
			digests[c.Source] = coverage.Digest{SHA256: c.SHA256, Bytes: c.Bytes}
		}
	}
	res, problems, err := coverage.Check(ctx, ins, list, coverage.Options{
		Workers: cfg.Workers,
		Walker:  cfg.Walker,
		Record: record.Options{
			Delimiter:      cfg.Delimiter,
			NoHeader:       cfg.NoHeader,
			MaxRecordBytes: cfg.MaxRecordBytes,
		},
		MemoryLimit: memory,
		TempDir:     tempDir,
		Digests:     digests,
	})
	if err != nil {
		return nil, err
	}
	found := make(map[string]coverage.Version)
	for _, r := range res {
		for _, v := range r.Versions {
			found[v.Source] = v
		}
	}
	for i := range cands {
		v, ok := found[cands[i].Source]
		if !ok {
			continue
		}
		cands[i].Coverage = &plan.Coverage{Checked: v.Checked, Missing: v.Missing, Reason: v.Reason}
	}
	plan.SetCoverage(entries, cands)
	var lacking int
	for _, e := range entries {
		if e.MissingRows > 0 {
			lacking++
		}
	}
	p.Printf("coverage: checked %d keys with other versions in %s: %d chosen versions lack rows of another version",
		len(list), time.Since(start).Round(time.Millisecond), lacking)
	if mode == coverageStrict {
		problems = append(problems, plan.CoverageProblems(entries)...)
	}
	return problems, nil
}

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
