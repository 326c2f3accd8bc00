package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/all"
	"github.com/siftload/siftload/internal/ui"
)

// RunOptions are the settings of run: an analysis, then an import.
type RunOptions struct {
	Analyze   AnalyzeOptions
	Import    ImportOptions
	KeepGoing bool
}

// AddFlags binds the options to fs.
func (o *RunOptions) AddFlags(fs *pflag.FlagSet) {
	o.Analyze.AddFlags(fs)
	o.Import.AddFlags(fs, true)
	fs.BoolVar(&o.KeepGoing, "keep-going", false, "import even when the analysis had problems")
}

func newRunCommand(p *ui.Printer, d deps) *cobra.Command {
	var (
		opts RunOptions
		prof profileOptions
	)
	cmd := &cobra.Command{
		Use:   "run [flags] INPUT...",
		Short: "Analyze the inputs, write the plan, and import it in one go",
		Long: `Run is analyze followed by import: it writes the plan and problems files
like analyze, prints the summary, and then loads the plan into the database.

When the analysis had problems nothing is imported, since a version that
could not be read might have been the fullest one; --keep-going imports the
rest anyway (and still exits 1). Flags may stand before or after the INPUTs.

SITE PROFILES
  --config FILE reads a site's settings from a YAML profile, so that one
  command migrates a site: every flag is a key (snake_case: --max-bad-rows
  is max_bad_rows), the INPUTs are inputs: [...], and the plan is out
  (NAME.plan.csv for a profile with a name). A sites: list holds several
  sites, each with a name and its own plan, problems and rejects files and
  its own database; they run one after another, or --parallel-sites N at
  once. "siftload config check FILE" validates a profile.

  Every setting is also an environment variable: SIFTLOAD_ and the key in
  upper case (SIFTLOAD_DB, SIFTLOAD_WORKERS, SIFTLOAD_OUT; lists are
  comma-separated). Flags override the environment, which overrides the
  profile, which overrides the defaults.

` + secretsHelp + exitStatus + `

EXAMPLES
  siftload run examples/site-rgb --db sqlite:demo.db
  siftload run site-rgb/ --out rgb.plan.csv --db postgres://loader@db.example:5432/rgb
  siftload run --config examples/site-rgb.yaml
  siftload run --config all-sites.yaml --parallel-sites 2`,
		Args: cobra.ArbitraryArgs, // INPUTs may come from the profile
		RunE: func(cmd *cobra.Command, args []string) error {
			sites, err := resolveSites(cmd.Flags(), runCommand, opts, prof, args, p, d.prompt)
			if err != nil {
				return err
			}
			return runSites(cmd.Context(), p, sites, prof.ParallelSites, func(ctx context.Context, p *ui.Printer, s *siteRun) error {
				return runRun(ctx, p, d, s.opts, s.inputs)
			})
		},
	}
	opts.AddFlags(cmd.Flags())
	prof.AddFlags(cmd.Flags())
	return cmd
}

func runRun(ctx context.Context, p *ui.Printer, d deps, opts RunOptions, inputs []string) error {
	// The import's files are siftload's own too: never data.
	rej := opts.Import
	rej.Plan = opts.Analyze.Out
	opts.Analyze.own = append(opts.Analyze.own, rej.rejectsPath())
	if f, err := all.Registry().Lookup(opts.Import.DB); err == nil {
		if lf, ok := f.(sink.LocalFiler); ok {
			opts.Analyze.own = append(opts.Analyze.own, lf.LocalFiles(opts.Import.DB)...)
		}
	}
	entries, aerr := runAnalyze(ctx, p, opts.Analyze, inputs)
	if aerr != nil && !errors.Is(aerr, ErrProblems) {
		return aerr
	}
	if aerr != nil && !opts.KeepGoing {
		p.Errorf("not importing: the analysis had problems (see above); fix them, or use --keep-going")
		return aerr
	}
	imp := opts.Import
	imp.Plan = opts.Analyze.Out
	imp.NoHeader = opts.Analyze.NoHeader
	imp.roots = inputs // the plan's sources lie under the inputs analyzed
	imp.Archive = opts.Analyze.Archive
	if err := runImport(ctx, p, d, imp, entries); err != nil {
		return err
	}
	if aerr != nil {
		return fmt.Errorf("run: imported, but the analysis had problems: %w", aerr)
	}
	return nil
}
