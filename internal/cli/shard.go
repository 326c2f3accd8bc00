package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/shard"
	"github.com/siftload/siftload/internal/ui"
)

// ScaleOptions spread an analysis over many processes: a static shard
// (--shard) or a NATS JetStream work queue (--queue). They are analyze's
// only; run analyzes on one machine.
type ScaleOptions struct {
	Shard   string
	ShardBy string
	Queue   QueueOptions
}

// AddFlags binds the options to fs.
func (o *ScaleOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Shard, "shard", "", "analyze only shard `I/N` of the inputs (I from 0), or auto: I and N from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, JOB_COMPLETIONS) or a Slurm array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT); writes --candidates instead of a plan, for siftload merge")
	fs.StringVar(&o.ShardBy, "shard-by", string(shard.BySize), "partition the inputs for --shard by `METHOD`: size (balanced bytes) or hash (an archive's shard never moves)")
	o.Queue.AddFlags(fs, true)
}

// runShard analyzes shard opts.Scale.Shard of the inputs and writes its
// candidates file. Problems go into that file (and to stderr); merge
// reports them and exits 1, so a shard exits 0 once its file is written
// and a batch scheduler does not retry a shard whose result is complete.
func runShard(ctx context.Context, p *ui.Printer, opts AnalyzeOptions, inputs []string) error {
	if opts.Scale.Queue.URL != "" {
		return usagef("--shard and --queue exclude each other")
	}
	if opts.Candidates == "" {
		return usagef("--shard needs --candidates FILE: the shard's candidates go there, for siftload merge")
	}
	sp, err := shard.Parse(opts.Scale.Shard, os.Getenv)
	if err != nil {
		return usagef("--shard: %v", err)
	}
	by, err := shard.ParseBy(opts.Scale.ShardBy)
	if err != nil {
		return usagef("--shard-by: %v", err)
	}
	cfg, err := analyzeConfig(opts, flagWhere)
	if err != nil {
		return err
	}
	ins, err := archive.Expand(ctx, inputs)
	if err != nil {
		return err
	}
	mine := shard.Select(ins, sp, by)
	var total int64
	for _, in := range mine {
		total += max(in.Size, 0)
	}
	p.Printf("shard %s (by %s): %d of %d inputs, %s", sp, by, len(mine), len(ins), ui.Bytes(total))
	prog := p.NewProgress(ctx, "analyze shard "+sp.String(), len(mine), total)
	cfg.Progress = prog.Add
	res, err := analysis.Run(ctx, mine, cfg)
	prog.Done()
	if err != nil {
		return err
	}
	part := candidatesPart(opts, cfg, ins, sp, by, len(mine))
	if err := writeFileAtomic(opts.Candidates, func(f *os.File) error {
		return plan.WritePart(f, part, res.Candidates, res.Problems)
	}); err != nil {
		return err
	}
	printProblems(p, res.Problems)
	printAnalyzeSummary(p, res.Stats, len(res.Problems), opts.Candidates)
	if len(res.Problems) > 0 {
		p.Printf("the %d problems are in %s too; siftload merge reports them", len(res.Problems), opts.Candidates)
	}
	return nil
}

func candidatesPart(opts AnalyzeOptions, cfg analysis.Options, ins []archive.Input, sp shard.Spec, by shard.By, n int) plan.Part {
	return plan.Part{
		Shard:    sp.Index,
		Shards:   sp.Count,
		ShardBy:  string(by),
		Settings: settingsFingerprint(opts, cfg.Metric.Name(), ins),
		Metric:   cfg.Metric.Name(),
		Version:  Version(),
		Inputs:   n,
		// How the data files were read, for merge --coverage.
		Reading: readingSettings(opts),
	}
}

// settingsFingerprint hashes everything that changes the candidates of an
// analysis: the metric, the data file globs, the key expression, the
// header, depth and decompression limit settings, and every input's source, key base and size
// (so a shard that saw one archive less, or another version of it, does
// not merge). Settings that only change how the work is done (workers,
// temp dir) are left out. A new analyze setting that changes candidates
// must be added here.
func settingsFingerprint(opts AnalyzeOptions, metricName string, ins []archive.Input) string {
	set := func(s []string) []string {
		c := slices.Clone(s)
		slices.Sort(c)
		return slices.Compact(c)
	}
	// The limits were checked before: an error here leaves them 0.
	maxRatio, maxMemberSize, _ := opts.limits(flagWhere)
	h := sha256.New()
	fmt.Fprintf(h, "siftload analysis settings 3\nmetric %q\ninclude %q\nexclude %q\nkey %q\nno-header %t\nmax-depth %d\nmax-ratio %d\nmax-member-size %d\ninputs %d\n",
		metricName, set(opts.Include), set(opts.Exclude), opts.Key, opts.NoHeader, opts.MaxDepth, maxRatio, maxMemberSize, len(ins))
	// The CSV dialect changes counts too.
	fmt.Fprintf(h, "delimiter %q\nmax-record-bytes %d\n", opts.Delimiter, opts.MaxRecordBytes)
	// Archive reading, written only when not the default so that the
	// fingerprints of shards made before these settings existed hold.
	if ar := opts.Archive; ar.NameEncoding != "" || ar.MaxEntries != archive.DefaultMaxEntries {
		fmt.Fprintf(h, "name-encoding %q\nmax-entries %d\n", ar.NameEncoding, ar.MaxEntries)
	}
	for _, in := range ins {
		fmt.Fprintf(h, "%q %q %d\n", in.Source, in.Key, in.Size)
	}
	return hex.EncodeToString(h.Sum(nil))
}
