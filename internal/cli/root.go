// Package cli holds siftload's commands: one file per subcommand, each a
// newXCommand that binds its flags onto the fields of config.Settings
// (flags.go) and a runX(ctx, ...) that does the work, so that tests call
// runX in-process. A setting's value comes from its flag when given, else
// its SIFTLOAD_* variable, else the profile, else the default; sites.go
// resolves them once per site and keeps the parsed values.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/ui"
)

// Errors that main maps to exit codes.
var (
	// ErrUsage: the command line is wrong (exit 2).
	ErrUsage = errors.New("usage")
	// ErrProblems: the command ran, but some inputs or keys had problems,
	// which were reported (exit 1).
	ErrProblems = errors.New("problems reported")
)

// version is set with -ldflags "-X github.com/siftload/siftload/internal/cli.version=v1.2.3";
// otherwise it comes from the build info.
var version = ""

// Version returns siftload's version.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// globalOptions are the flags every command has.
type globalOptions struct {
	Quiet   bool
	Verbose bool
	// LogFile receives the full log (verbose lines too) with timestamps.
	LogFile string
}

const exitStatus = `
EXIT STATUS
  0    success
  1    some inputs or keys had problems (reported on stderr and in the
       problems file), or the command failed
  2    the command line is wrong
  130  interrupted`

func newRootCommand(p *ui.Printer, d deps) *cobra.Command {
	var g globalOptions
	root := &cobra.Command{
		Use:   "siftload",
		Short: "Find the fullest version of every data file across a site's archives and load it once",
		Long: `siftload migrates a site's data from snapshot archives into a database.

The same logical file (say data/LINE01.csv) appears in many snapshots with
different numbers of rows. "siftload analyze" reads every archive once, as a
stream, and writes a plan naming the fullest version of each file; people can
review it; "siftload import" loads exactly those versions, each file in one
transaction, recorded in a ledger so that a re-run never loads twice.
"siftload run" does both in one go.
` + exitStatus,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version(),
		PersistentPreRunE: func(*cobra.Command, []string) error {
			p.Quiet, p.Verbose = g.Quiet, g.Verbose
			if g.LogFile != "" {
				f, err := os.OpenFile(g.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
				if err != nil {
					return fmt.Errorf("--log-file: %w", err)
				}
				p.SetLog(f) // closed by executeWith
			}
			return nil
		},
	}
	root.PersistentFlags().BoolVarP(&g.Quiet, "quiet", "q", false, "print nothing but errors")
	root.PersistentFlags().BoolVarP(&g.Verbose, "verbose", "v", false, "print more detail: per key its source, its columns and types, and where the password came from")
	root.PersistentFlags().StringVar(&g.LogFile, "log-file", "", "also write the full log (verbose lines too) with timestamps to `FILE` (appended)")
	root.SetFlagErrorFunc(flagError)
	// Version: --version prints what "siftload version" prints.
	root.SetVersionTemplate(buildInfo().String())
	root.AddCommand(newVersionCommand())
	root.AddCommand(
		newAnalyzeCommand(p, d),
		newImportCommand(p, d),
		newRunCommand(p, d),
		newMergeCommand(p),
		newWorkerCommand(p),
		newConfigCommand(p),
		newStatusCommand(p, d),
		newVerifyCommand(p, d),
		newReportCommand(p, d), // review (issue 14)
	)
	return root
}

// Execute runs the command line args (without the program name).
func Execute(ctx context.Context, args []string) error {
	return execute(ctx, ui.Stderr(), args)
}

// execute runs args with the program's deps, printing to p.
func execute(ctx context.Context, p *ui.Printer, args []string) error {
	return executeWith(ctx, p, defaultDeps(), args)
}

// executeWith is execute with deps d.
func executeWith(ctx context.Context, p *ui.Printer, d deps, args []string) error {
	root := newRootCommand(p, d)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		err = fmt.Errorf("%w: %w\nRun '%s --help' for usage", ErrUsage, err, cmd.CommandPath())
	}
	if err != nil {
		p.Logf("error: %v", err) // main prints it to stderr
	}
	if cerr := p.CloseLog(); cerr != nil && err == nil {
		err = fmt.Errorf("--log-file: %w", cerr)
	}
	return err
}

// usagef returns an error of the command line (exit 2).
func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}
