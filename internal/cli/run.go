package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/ui"
)

// RunOptions are the settings of run: an analysis, then an import.
type RunOptions struct {
	Analyze   AnalyzeOptions
	Import    ImportOptions
	KeepGoing bool
}

func newRunCommand(p *ui.Printer) *cobra.Command {
	var opts RunOptions
	cmd := &cobra.Command{
		Use:   "run [flags] INPUT...",
		Short: "Analyze the inputs, write the plan, and import it in one go",
		Long: `Run is analyze followed by import: it writes the plan and problems files
like analyze, prints the summary, and then loads the plan into the database.

When the analysis had problems nothing is imported, since a version that
could not be read might have been the fullest one; --keep-going imports the
rest anyway (and still exits 1). Flags may stand before or after the INPUTs.
` + exitStatus + `

EXAMPLES
  siftload run examples/site-rgb --db sqlite:demo.db
  siftload run site-rgb/ --out rgb.plan.csv --db postgres://loader@db.example:5432/rgb`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("run needs at least one INPUT")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd, p, opts, args)
		},
	}
	opts.Analyze.AddFlags(cmd.Flags())
	opts.Import.AddFlags(cmd.Flags(), true)
	cmd.Flags().BoolVar(&opts.KeepGoing, "keep-going", false, "import even when the analysis had problems")
	return cmd
}

func runRun(cmd *cobra.Command, p *ui.Printer, opts RunOptions, inputs []string) error {
	ctx := cmd.Context()
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
	if err := runImport(ctx, p, imp, entries); err != nil {
		return err
	}
	if aerr != nil {
		return fmt.Errorf("run: imported, but the analysis had problems: %w", aerr)
	}
	return nil
}
