package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/ui"
)

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

// problemsPath returns the problems file of the settings: problems, or
// the plan's name with .problems.csv.
func problemsPath(s config.Settings) string {
	if s.Problems != "" {
		return s.Problems
	}
	return strings.TrimSuffix(s.Out, filepath.Ext(s.Out)) + ".problems.csv"
}

func newAnalyzeCommand(p *ui.Printer, d deps) *cobra.Command {
	var (
		b       *boundSettings
		prof    profileOptions
		jsonOut bool
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

Coverage (--coverage, default warn): for every key with several versions,
the versions are read again and each other version's records that the
chosen one lacks are counted (by their fields, as a multiset): the plan's
missing_rows and missing_from, a warning such as "312 rows of SOURCE are
not in the chosen version", each version's count in the candidates file.
--coverage strict also makes such a key a problem (run then imports nothing
without --keep-going); --coverage off skips the second read. A shard checks
no coverage: merge does.

With --cache DIR, the candidates of every input are kept in DIR, and the
next analysis reads only the inputs that are new or changed (path, size,
modification time, settings, siftload version); the coverage check keeps
there, by content, what it found for each pair of versions and the chosen
versions' record hashes, and reads only the versions it has not compared
yet. The plan is the one an analysis without the cache writes. --no-cache
and --rebuild-cache turn it off or rewrite it.

Settings may come from a site profile (--config; see "siftload run --help")
and SIFTLOAD_* environment variables; flags override both.
` + exitStatus + `

EXAMPLES
  siftload analyze site-rgb/ --out plan.csv
  siftload analyze site-rgb/ --metric max:timestamp --candidates all.csv
  siftload analyze --config site-rgb.yaml`,
		Args: cobra.ArbitraryArgs, // INPUTs may come from the profile
		RunE: func(cmd *cobra.Command, args []string) error {
			sites, err := resolveSites(analyzeCommand, b, prof, args, p, nil) // analyze asks for no password
			if err != nil {
				return err
			}
			out := newJSONLines(d.out(), jsonOut)
			return runSites(cmd.Context(), p, sites, prof.ParallelSites, func(ctx context.Context, p *ui.Printer, s *siteRun) error {
				s.analyze.json = out
				_, err := s.analyze.run(ctx, p, s.inputs)
				return err
			})
		},
	}
	b = newBoundSettings(cmd.Flags())
	b.analysisFlags()
	b.scaleFlags()
	cmd.Flags().BoolVar(&jsonOut, "json", false, "write the plan's keys, the problems and the summary as JSON Lines to standard output")
	prof.AddFlags(cmd.Flags())
	return cmd
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
		return fmt.Errorf("write %s: %w%s", path, err, heldHint(runtime.GOOS, err))
	}
	return nil
}
