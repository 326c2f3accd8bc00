package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/ui"
)

func newMergeCommand(p *ui.Printer) *cobra.Command {
	var b *boundSettings
	cmd := &cobra.Command{
		Use:   "merge [flags] CANDIDATES...",
		Short: "Join the candidates files of analysis shards into one plan",
		Long: `Merge reads the candidates files that "siftload analyze --shard I/N" wrote, one
per shard, and writes the plan and the problems file that one analyze of all
the inputs on one machine writes, byte for byte.

Each shard analyzes a fixed part of the outermost inputs (archives and
loose files): every shard process lists all the INPUTs and computes the same
partition, so they need no coordination. --shard-by size (the default)
deals the inputs, largest first, to the shard with the fewest bytes so far:
archive sizes vary (a yearly backup beside daily exports), and balanced
bytes make the shards end together. --shard-by hash puts an archive in the
shard its path hashes to, which never changes when other archives come or
go, at the price of a balance by count only.

A candidates file records its shard I/N, how the inputs were partitioned,
the siftload version, and a fingerprint of every setting that changes the
candidates (--metric, --include, --exclude, --key, --no-header,
--max-depth, --delimiter, --max-record-bytes, --max-ratio,
--max-member-size, --name-encoding, --max-entries) and of every input's
path and size. Merge refuses files that
do not make up one analysis: different fingerprints (other settings, or a
machine that saw another set of archives), a shard missing or given twice,
or a source in two files. It writes nothing then.

A shard's problems travel in its candidates file, so a shard's result is
one file written at once; merge writes them all to the problems file, and
exits 1 when there are any. A shard exits 0 once its file is written, so
that a batch scheduler does not run it again for problems of the data.

A shard checks no coverage (see "siftload analyze --help"): merge does, with
--coverage (default warn, as analyze). It reads every key's versions again
from the sources the candidates name, relative to the directory merge runs
in (run it where the shards' INPUT paths resolve), with the analysis
settings the shards wrote into their files, --workers at once; so shards
and merge give the plan of one analyze, coverage columns included.
--coverage off leaves them empty and reads nothing.

--out and --problems are also SIFTLOAD_OUT and SIFTLOAD_PROBLEMS; flags
override them (and so the coverage settings, --workers and --temp-dir).
Merge takes no profile.

"--shard 0/1" makes the one part of an analysis on one machine. The
--candidates file of an analysis without --shard is a plain list of
candidates, which says nothing of what it covers: merge does not take it.
` + exitStatus + `

EXAMPLES
  # four shards, on four machines or as a Kubernetes Indexed Job / Slurm array
  siftload analyze /data/site --shard 0/4 --candidates part-0.csv
  ...
  siftload analyze /data/site --shard 3/4 --candidates part-3.csv
  siftload merge part-*.csv --out plan.csv`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("merge needs at least one candidates file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := b.withEnvironment()
			if err != nil {
				return err
			}
			_, err = runMerge(cmd.Context(), p, s, args)
			return err
		},
	}
	b = newBoundSettings(cmd.Flags())
	b.mergeFlags()
	return cmd
}

// mergeFlags bind merge's settings.
func (b *boundSettings) mergeFlags() {
	b.bind("out", "o", "plan.csv", "write the plan to `FILE`")
	b.bind("problems", "", "", "write the problems of every shard to `FILE` (default: the plan's name with .problems.csv)")
	// Coverage check, which merge does for the shards.
	b.coverageFlags()
	b.bind("workers", "w", runtime.NumCPU(), "inputs the coverage check reads at once")
	b.bind("temp_dir", "", "", "spool nested zip/7z archives and the coverage check's sorted files in `DIR` (default: the system's)")
}

// expandArgs expands the glob patterns among args that name no file as
// they are (a Windows shell leaves part-*.csv to the program).
func expandArgs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if _, err := os.Stat(a); err == nil || !strings.ContainsAny(a, "*?[") {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, usagef("%s: %v", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no such files", a)
		}
		out = append(out, m...)
	}
	return out, nil
}

// runMerge merges the candidates files and writes the plan and problems
// files. It returns the entries; ErrProblems when some shard had
// problems.
func runMerge(ctx context.Context, p *ui.Printer, s config.Settings, args []string) ([]plan.Entry, error) {
	cov, err := newCoverageJob(s, flagWhere)
	if err != nil {
		return nil, err
	}
	names, err := expandArgs(args)
	if err != nil {
		return nil, err
	}
	files := make([]plan.PartFile, 0, len(names))
	inputs := 0
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		part, cands, probs, err := plan.ReadPart(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("merge: %s: %w", name, err)
		}
		inputs += part.Inputs
		files = append(files, plan.PartFile{Name: name, Part: part, Candidates: cands, Problems: probs})
	}
	cands, problems, err := plan.Merge(files)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	m, err := metric.Lookup(files[0].Part.Metric)
	if err != nil {
		return nil, fmt.Errorf("merge: %s: %w", names[0], err)
	}
	out := planOutputs{Plan: s.Out, Problems: problemsPath(s)}
	if cov != nil {
		opts, err := mergeAnalysis(files[0], s)
		if err != nil {
			return nil, err
		}
		sources := make([]string, len(cands))
		for i, c := range cands {
			sources[i] = c.Source
		}
		out.Check = cov.checker(ctx, p, opts, outerInputs(sources), nil)
	}
	entries, problems, err := out.write(p, m, cands, problems)
	if err != nil {
		return nil, err
	}
	p.Printf("merged %d shards (%d inputs): %d candidates, %d keys, %d problems -> %s",
		len(files), inputs, len(cands), len(entries), len(problems), s.Out)
	return entries, out.problemsError("merge", p, problems)
}
