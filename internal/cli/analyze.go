package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/ui"
)

// AnalyzeOptions are the settings of an analysis.
type AnalyzeOptions struct {
	Out        string
	Problems   string
	Candidates string
	Include    []string
	Exclude    []string
	Key        string
	Metric     string
	NoHeader   bool
	Workers    int
	MaxDepth   int
	TempDir    string
	Scale      ScaleOptions // --shard, --queue (analyze only): shard.go, queue.go

	// CSV dialect, shared with import (run binds these flags once).
	Delimiter      string
	MaxRecordBytes int64
	// Decompression limits: 0 and "" mean the defaults
	// (archive.DefaultMaxRatio, archive.DefaultMaxMemberSize).
	MaxRatio      int
	MaxMemberSize string // bytes, with units: config.ParseSize
	// Archive reading, shared with import (run binds these flags once).
	Archive ArchiveOptions
	// Coverage check of the chosen versions (coverage.go).
	Coverage CoverageOptions
	// own are more files siftload writes (run: the rejects file, the
	// SQLite database and its -wal, -shm and -journal files), never
	// analyzed; see ownOutputs.
	own []string
}

// ownOutputs returns the files this analysis (and, in run, its import)
// writes: an input directory that holds them must not have them analyzed
// as data, or a second run would differ from the first.
func (o *AnalyzeOptions) ownOutputs() []string {
	return append([]string{o.Out, o.problemsPath(), o.Candidates}, o.own...)
}

// dropOwnOutputs returns ins without the files paths name (compared as
// absolute paths with symbolic links resolved).
func dropOwnOutputs(ins []archive.Input, paths []string) []archive.Input {
	resolve := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			abs = filepath.Join(dir, filepath.Base(abs))
		}
		return abs
	}
	own := map[string]bool{}
	for _, p := range paths {
		if p != "" {
			own[resolve(p)] = true
		}
	}
	kept := ins[:0]
	for _, in := range ins {
		if !own[resolve(in.Path)] {
			kept = append(kept, in)
		}
	}
	return kept
}

// AddFlags binds the options to fs.
func (o *AnalyzeOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Out, "out", "o", "plan.csv", "write the plan to `FILE`")
	fs.StringVar(&o.Problems, "problems", "", "write problems to `FILE` (default: the plan's name with .problems.csv)")
	fs.StringVar(&o.Candidates, "candidates", "", "also write every candidate with its measures to `FILE`")
	fs.StringArrayVar(&o.Include, "include", nil, "data files are members matching `GLOB` (repeatable; default *.csv, *.tsv, *.txt)")
	fs.StringArrayVar(&o.Exclude, "exclude", nil, "skip members matching `GLOB` (repeatable)")
	fs.StringVar(&o.Key, "key", "", "derive the key from the source with `REGEX` (named group \"key\", or the whole match)")
	fs.StringVar(&o.Metric, "metric", metric.Default, "what fullest means: "+strings.Join(metric.Names, ", "))
	fs.BoolVar(&o.NoHeader, "no-header", false, "files have no header record: count every record")
	fs.IntVarP(&o.Workers, "workers", "w", runtime.NumCPU(), "inputs analyzed at once")
	fs.IntVar(&o.MaxDepth, "max-depth", 4, "open archives nested up to `N` levels deep")
	fs.StringVar(&o.TempDir, "temp-dir", "", "spool nested zip/7z archives in `DIR` (default: the system's)")
	// Decompression limits.
	fs.IntVar(&o.MaxRatio, "max-ratio", archive.DefaultMaxRatio, "a member whose data decompresses to more than `N` times its compressed bytes (past 16 MiB) is a problem")
	fs.StringVar(&o.MaxMemberSize, "max-member-size", strings.ReplaceAll(humanize.IBytes(uint64(archive.DefaultMaxMemberSize)), " ", ""), "a member larger than `SIZE` once decompressed is a problem (units: KiB, MiB, GiB, MB, GB...)")
	o.Archive.AddFlags(fs)
	addDialectFlags(fs, &o.Delimiter, &o.MaxRecordBytes)
	// Coverage check.
	o.Coverage.AddFlags(fs)
}

// addDialectFlags binds the CSV dialect flags, which analysis and import
// share: the count must read files as the import does.
func addDialectFlags(fs *pflag.FlagSet, delimiter *string, maxRecordBytes *int64) {
	fs.StringVar(delimiter, "delimiter", "", "field delimiter: , ; tab | (default: sniffed per file)")
	fs.Int64Var(maxRecordBytes, "max-record-bytes", record.DefaultMaxRecordBytes, "a record longer than `N` bytes is a problem")
}

// parseDelimiter turns a --delimiter value into a byte, 0 for sniffing.
func parseDelimiter(s string) (byte, bool) {
	switch s {
	case "":
		return 0, true
	case "tab", `\t`, "\t":
		return '\t', true
	case ",", ";", "|":
		return s[0], true
	}
	return 0, false
}

// limits returns the decompression limits of opts, defaults resolved,
// or a usage error naming the setting by where.
func (o *AnalyzeOptions) limits(where func(key string) string) (ratio int, size int64, err error) {
	ratio, size = o.MaxRatio, archive.DefaultMaxMemberSize
	switch {
	case ratio == 0:
		ratio = archive.DefaultMaxRatio
	case ratio < 1:
		return 0, 0, usagef("%s must be at least 1", where("max_ratio"))
	}
	if o.MaxMemberSize != "" {
		if size, err = config.ParseSize(o.MaxMemberSize); err != nil {
			return 0, 0, usagef("%s: %v", where("max_member_size"), err)
		}
	}
	return ratio, size, nil
}

func (o *AnalyzeOptions) problemsPath() string {
	if o.Problems != "" {
		return o.Problems
	}
	return strings.TrimSuffix(o.Out, filepath.Ext(o.Out)) + ".problems.csv"
}

func newAnalyzeCommand(p *ui.Printer) *cobra.Command {
	var (
		opts AnalyzeOptions
		prof profileOptions
	)
	cmd := &cobra.Command{
		Use:   "analyze [flags] INPUT...",
		Short: "Measure every data file in the inputs and write the plan",
		Long: `Analyze reads every archive under the INPUTs once, as a stream, measures every
data file in it (CSV records, bytes, sha256) and writes a plan: for each
logical file (key), the fullest version and where it is.

INPUTs are directories (walked recursively), archives (zip, tar, tar.gz,
tar.bz2, tar.xz, tar.zst, 7z, rar; nested archives too) and data files, in
any mix. Nothing is extracted to disk.

A source names a version: the input path, then "!/" and the member path for
every archive level, e.g. site/2023-01-02.zip!/data/LINE01.csv. The key is
the member path inside its innermost archive (data/LINE01.csv), or the path
under the INPUT directory for a loose file.
A path that one archive holds twice (tar -r, tar -u) names its later
copies with "#2", "#3", ... (site/a.tar!/data/LINE01.csv#2); a "#" in a
member name is written "##". Member names that are not marked UTF-8 are
decoded as CP437 (zip) or by --name-encoding.

The fullest version has the most rows (--metric); on a tie, the source that
is larger in byte order (with date-named snapshots: the newer one).

Problems (corrupt, truncated or encrypted archives and members) are printed
and written to the problems file; everything else is still analyzed and the
plan written.

Settings may come from a site profile (--config; see "siftload run --help")
and SIFTLOAD_* environment variables; flags override both.
` + exitStatus + `

EXAMPLES
  siftload analyze site-rgb/ --out plan.csv
  siftload analyze site-rgb/ --metric max:timestamp --candidates all.csv
  siftload analyze --config site-rgb.yaml`,
		Args: cobra.ArbitraryArgs, // INPUTs may come from the profile
		RunE: func(cmd *cobra.Command, args []string) error {
			sites, err := resolveSites(cmd.Flags(), analyzeCommand, RunOptions{Analyze: opts}, prof, args, p, nil) // analyze asks for no password
			if err != nil {
				return err
			}
			return runSites(cmd.Context(), p, sites, prof.ParallelSites, func(ctx context.Context, p *ui.Printer, s *siteRun) error {
				_, err := runAnalyze(ctx, p, s.opts.Analyze, s.inputs)
				return err
			})
		},
	}
	opts.AddFlags(cmd.Flags())
	opts.Scale.AddFlags(cmd.Flags())
	prof.AddFlags(cmd.Flags())
	return cmd
}

// analyzeConfig turns options into an analysis configuration, or a usage
// error that names the setting by where(key) (flagName for the command
// line alone).
func analyzeConfig(opts AnalyzeOptions, where func(key string) string) (analysis.Options, error) {
	m, err := metric.Lookup(opts.Metric)
	if err != nil {
		return analysis.Options{}, usagef("%s: %v", where("metric"), err)
	}
	var keyRe *regexp.Regexp
	if opts.Key != "" {
		if keyRe, err = regexp.Compile(opts.Key); err != nil {
			return analysis.Options{}, usagef("%s: %v", where("key"), err)
		}
	}
	filter := archive.Filter{Include: opts.Include, Exclude: opts.Exclude}
	if err := filter.Validate(); err != nil {
		return analysis.Options{}, usagef("%s: %v", where("include"), err)
	}
	if opts.MaxDepth < 1 {
		return analysis.Options{}, usagef("%s must be at least 1", where("max_depth"))
	}
	delim, ok := parseDelimiter(opts.Delimiter)
	if !ok {
		return analysis.Options{}, usagef("%s %q: want one of , ; tab |", where("delimiter"), opts.Delimiter)
	}
	if opts.MaxRecordBytes < 0 {
		return analysis.Options{}, usagef("%s must not be negative", where("max_record_bytes"))
	}
	maxRatio, maxMemberSize, err := opts.limits(where)
	if err != nil {
		return analysis.Options{}, err
	}
	cfg := analysis.Options{
		Workers:  opts.Workers,
		Metric:   m,
		NoHeader: opts.NoHeader,
		KeyRegex: keyRe,

		Delimiter:      delim,
		MaxRecordBytes: opts.MaxRecordBytes,
		Walker: archive.Walker{
			MaxDepth: opts.MaxDepth,
			IsData:   filter.Match,
			TempDir:  opts.TempDir,
			// Decompression limits.
			MaxRatio:             maxRatio,
			MaxMemberSize:        maxMemberSize,
			MaxRatioSetting:      "--max-ratio",
			MaxMemberSizeSetting: "--max-member-size",
		},
	}
	if err := opts.Archive.apply(&cfg.Walker, where); err != nil {
		return analysis.Options{}, err
	}
	return cfg, nil
}

// runAnalyze analyzes inputs and writes the plan, problems and candidates
// files. It returns the chosen entries; the error is ErrProblems when some
// input had problems (the files are written all the same).
func runAnalyze(ctx context.Context, p *ui.Printer, opts AnalyzeOptions, inputs []string) ([]plan.Entry, error) {
	if opts.Scale.Shard != "" {
		return nil, runShard(ctx, p, opts, inputs)
	}
	cfg, err := analyzeConfig(opts, flagWhere)
	if err != nil {
		return nil, err
	}
	covMode, covMemory, err := opts.Coverage.parse(flagWhere)
	if err != nil {
		return nil, err
	}
	ins, err := archive.Expand(ctx, inputs)
	if err != nil {
		return nil, err
	}
	ins = dropOwnOutputs(ins, opts.ownOutputs())
	var total int64
	for _, in := range ins {
		total += in.Size
	}
	prog := p.NewProgress(ctx, "analyze", len(ins), total)
	cfg.Progress = prog.Add
	res, err := analyzeInputs(ctx, p, opts, ins, cfg)
	prog.Done()
	if err != nil {
		return nil, err
	}
	entries, problems := choose(res.Candidates, res.Problems, cfg.Metric.Compare)
	if covMode != coverageOff {
		covProblems, err := checkCoverage(ctx, p, covMode, covMemory, opts.TempDir, cfg, ins, res.Candidates, entries)
		if err != nil {
			return nil, err
		}
		problems = append(problems, covProblems...)
		analysis.SortProblems(problems)
	}
	res.Problems = problems
	res.Stats.Keys = len(entries)

	if err := writeFileAtomic(opts.Out, func(f *os.File) error {
		return plan.WritePlan(f, cfg.Metric.Name(), entries)
	}); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(opts.problemsPath(), func(f *os.File) error {
		return plan.WriteProblems(f, res.Problems)
	}); err != nil {
		return nil, err
	}
	if opts.Candidates != "" {
		if err := writeFileAtomic(opts.Candidates, func(f *os.File) error {
			return plan.WriteCandidates(f, cfg.Metric.Name(), res.Candidates)
		}); err != nil {
			return nil, err
		}
	}
	printProblems(p, res.Problems)
	printAnalyzeSummary(p, res.Stats, len(res.Problems), opts.Out)
	if len(res.Problems) > 0 {
		p.Printf("problems written to %s", opts.problemsPath())
		return entries, fmt.Errorf("analyze: %d problems: %w", len(res.Problems), ErrProblems)
	}
	return entries, nil
}

// choose picks the version of every key from cands and returns the plan's
// entries and the problems: those found while measuring and one for every
// key whose chosen version has a structural warning, sorted.
func choose(cands []plan.Candidate, problems []*problem.Error, cmp plan.Compare) ([]plan.Entry, []*problem.Error) {
	entries := plan.Choose(cands, cmp)
	problems = append(problems, plan.WarningProblems(entries, problems)...)
	analysis.SortProblems(problems)
	return entries, problems
}

func printProblems(p *ui.Printer, ps []*problem.Error) {
	for _, pe := range ps {
		p.Errorf("problem: %v", pe)
	}
}

func printAnalyzeSummary(p *ui.Printer, s analysis.Stats, problems int, out string) {
	rate := float64(s.InputBytes) / s.Elapsed.Seconds()
	p.Printf("analyzed %d inputs (%d archives, %d members): %d data files, %d other members skipped, %d keys, %d problems",
		s.Inputs, s.Archives, s.Members, s.DataFiles, s.Skipped, s.Keys, problems)
	p.Printf("read %s (%s decompressed data) in %s, %s/s -> %s",
		ui.Bytes(s.InputBytes), ui.Bytes(s.DataBytes), s.Elapsed.Round(1e6), ui.Bytes(int64(rate)), out)
}

// writeFileAtomic writes path through a temporary file in the same
// directory and renames it into place, so that a crash never leaves half
// a file where a plan was.
func writeFileAtomic(path string, write func(f *os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
