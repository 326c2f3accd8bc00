package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/all"
	"github.com/siftload/siftload/internal/ui"
)

func newRunCommand(p *ui.Printer, d deps) *cobra.Command {
	var (
		b       *boundSettings
		prof    profileOptions
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "run [flags] INPUT...",
		Short: "Analyze the inputs, write the plan, and import it in one go",
		Long: `Run is analyze followed by import: it writes the plan and problems files
like analyze, prints the summary, and then loads the plan into the database.

When the analysis had problems nothing is imported, since a version that
could not be read might have been the fullest one; --keep-going imports the
rest anyway (and still exits 1). Flags may stand before or after the INPUTs.

--queue URL has siftload workers analyze the inputs through a NATS JetStream
work queue, as "siftload analyze --queue" does, and imports here. A killed
run leaves its tasks to the next run of the same inputs, which adopts them.

` + queueHelp + `

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
			sites, err := resolveSites(runCommand, b, prof, args, p, d.prompt)
			if err != nil {
				return err
			}
			out := newJSONLines(d.out(), jsonOut)
			return runSites(cmd.Context(), p, sites, prof.ParallelSites, func(ctx context.Context, p *ui.Printer, s *siteRun) error {
				s.analyze.json, s.imp.json = out, out
				return runRun(ctx, p, d, s.analyze, s.imp, s.inputs)
			})
		},
	}
	b = newBoundSettings(cmd.Flags())
	b.runFlags()
	cmd.Flags().BoolVar(&jsonOut, "json", false, "write the analysis' keys, problems and summary, then every key's import outcome and the import's summary, as JSON Lines to standard output")
	prof.AddFlags(cmd.Flags())
	return cmd
}

// runRun analyzes inputs with a and imports the plan with imp; both hold
// the same settings (the plan is a's Out), so nothing is copied between
// them.
func runRun(ctx context.Context, p *ui.Printer, d deps, a *analyzeJob, imp ImportOptions, inputs []string) error {
	// The import's files are siftload's own too: never data.
	own := *a
	own.own = append(slices.Clone(a.own), imp.rejectsPath())
	if f, err := all.Registry().Lookup(imp.DB); err == nil {
		if lf, ok := f.(sink.LocalFiler); ok {
			own.own = append(own.own, lf.LocalFiles(imp.DB)...)
		}
	}
	// Before a long analysis: the outputs and the database (preflight.go).
	if err := checkOutputs(a.s.Out, problemsPath(a.s), a.s.Candidates, imp.rejectsPath()); err != nil {
		return err
	}
	if err := checkDatabase(ctx, imp); err != nil {
		return err
	}
	entries, aerr := own.run(ctx, p, inputs)
	if aerr != nil && !errors.Is(aerr, ErrProblems) {
		return aerr
	}
	if aerr != nil && !imp.KeepGoing {
		p.Errorf("not importing: the analysis had problems (see above); fix them, or use --keep-going")
		return aerr
	}
	imp.roots = inputs // the plan's sources lie under the inputs analyzed
	if err := runImport(ctx, p, d, imp, entries); err != nil {
		importFailed(p, a.s.Out, err)
		return err
	}
	if aerr != nil {
		return fmt.Errorf("run: imported, but the analysis had problems: %w", aerr)
	}
	return nil
}
