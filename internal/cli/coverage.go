package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/coverage"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/ui"
)

// Coverage modes (--coverage).
const (
	coverageOff    = "off"
	coverageWarn   = "warn"
	coverageStrict = "strict"
)

// minCoverageMemory is the least --coverage-memory: below it a large
// version would spill into too many runs.
const minCoverageMemory = 16 << 20

// CoverageOptions say whether and how analyze and run check that each
// chosen version holds the rows of the key's other versions (package
// coverage).
type CoverageOptions struct {
	Mode   string // off, warn or strict
	Memory string // bytes, with units: config.ParseSize
}

// AddFlags binds the options to fs.
func (o *CoverageOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Mode, "coverage", coverageWarn, "check that each chosen version holds every row of the key's other versions: off, warn (a warning in the plan), strict (also a problem)")
	fs.StringVar(&o.Memory, "coverage-memory", strings.ReplaceAll(humanize.IBytes(coverage.DefaultMemoryLimit), " ", ""), "memory for the coverage check's record hashes (16 bytes a record); above it they go to sorted files in --temp-dir")
}

// parse checks the options and returns the mode ("" means warn) and the
// memory limit, or a usage error naming the setting by where(key).
func (o CoverageOptions) parse(where func(key string) string) (mode string, memory int64, err error) {
	switch o.Mode {
	case "":
		mode = coverageWarn
	case coverageOff, coverageWarn, coverageStrict:
		mode = o.Mode
	default:
		return "", 0, usagef("%s %q: want off, warn or strict", where("coverage"), o.Mode)
	}
	memory = coverage.DefaultMemoryLimit
	if o.Memory != "" {
		if memory, err = config.ParseSize(o.Memory); err != nil {
			return "", 0, usagef("%s: %v", where("coverage_memory"), err)
		}
		if memory < minCoverageMemory {
			return "", 0, usagef("%s must be at least 16MiB", where("coverage_memory"))
		}
	}
	return mode, memory, nil
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

// coverageNote is what a shard says about coverage, which it cannot check.
func coverageNote(mode string) string {
	if mode == coverageOff {
		return ""
	}
	return fmt.Sprintf("coverage (%s) is not checked by a shard: run merge --coverage %s", mode, mode)
}

// readingSettings are the settings that decide how an analysis reads its
// data files, by profile key, for a shard's candidates file: merge
// --coverage reads the versions again with them (readingOptions).
func readingSettings(o AnalyzeOptions) map[string]string {
	return map[string]string{
		"no_header":        strconv.FormatBool(o.NoHeader),
		"delimiter":        o.Delimiter,
		"max_record_bytes": strconv.FormatInt(o.MaxRecordBytes, 10),
		"max_depth":        strconv.Itoa(o.MaxDepth),
		"max_ratio":        strconv.Itoa(o.MaxRatio),
		"max_member_size":  o.MaxMemberSize,
		"name_encoding":    o.Archive.NameEncoding,
		"max_entries":      strconv.FormatInt(o.Archive.MaxEntries, 10),
	}
}

// readingOptions sets the reading settings of a shard's candidates file
// (readingSettings) in o. A file without them (from an older siftload)
// leaves the defaults.
func readingOptions(o *AnalyzeOptions, r map[string]string) error {
	var errs []error
	num := func(key string, set func(n int64)) {
		v, ok := r[key]
		if !ok {
			return
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("read.%s %q is not a number", key, v))
			return
		}
		set(n)
	}
	if v, ok := r["no_header"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("read.no_header %q is not true or false", v))
		}
		o.NoHeader = b
	}
	if v, ok := r["delimiter"]; ok {
		o.Delimiter = v
	}
	num("max_record_bytes", func(n int64) { o.MaxRecordBytes = n })
	num("max_depth", func(n int64) { o.MaxDepth = int(n) })
	num("max_ratio", func(n int64) { o.MaxRatio = int(n) })
	if v, ok := r["max_member_size"]; ok {
		o.MaxMemberSize = v
	}
	if v, ok := r["name_encoding"]; ok {
		o.Archive.NameEncoding = v
	}
	num("max_entries", func(n int64) { o.Archive.MaxEntries = n })
	return errors.Join(errs...)
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
