package cli

import (
	"bytes"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/sink/all"
	"github.com/siftload/siftload/internal/ui"
)

func newConfigCommand(p *ui.Printer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check site profiles",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Validate a site profile and print its effective settings",
		Long: `Check reads the site profile FILE as run, analyze and import would: every
key must be known and of the right type, and no password may be written in
it (in a URL or a key). Then it applies the SIFTLOAD_* environment
variables and prints each site's effective settings on stdout, as YAML
with the origin of every value (the profile's line, a variable, or the
default) and the database URL redacted, followed by where the password
would come from. Flags given to a command override these settings.

The password file and the TLS files are checked as a run would (a
password file others may read is an error), but no prompt is shown and
no database is contacted.

A profile is one YAML document: either a site's settings, or a sites:
list of them, each with a name (see "siftload run --help").

EXIT STATUS
  0    the profile is valid
  1    a file it names is missing or unsafe
  2    the profile is invalid: the message names the key and its line

EXAMPLES
  siftload config check site-rgb.yaml
  SIFTLOAD_WORKERS=2 siftload config check all-sites.yaml`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("config check needs one FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConfigCheck(cmd.OutOrStdout(), p, args[0])
		},
	})
	return cmd
}

// runConfigCheck validates the profile in path and writes its effective
// settings to w.
func runConfigCheck(w io.Writer, p *ui.Printer, path string) error {
	// The defaults of every setting: run's, analyze's scale settings and
	// worker's.
	bound := newBoundSettings(pflag.NewFlagSet("config", pflag.ContinueOnError))
	bound.runFlags()
	bound.scaleFlags()
	bound.workerFlags()
	sites, err := resolveSettings(runCommand, bound, profileOptions{Config: path, ParallelSites: 1}, nil, p)
	if err != nil {
		return err
	}
	if err := checkCollisions(runCommand, sites); err != nil {
		return err
	}
	if err := resolveConnections(p, sites, nil); err != nil {
		return err
	}
	var b bytes.Buffer
	plural := "s"
	if len(sites) == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, "# %s: a valid profile of %d site%s.\n", path, len(sites), plural)
	fmt.Fprintf(&b, "# Effective settings: the profile, then the SIFTLOAD_* variables; flags override them.\n")
	layers := make([]config.Layer, len(sites))
	for i, s := range sites {
		layers[i] = s.eff
		layers[i].Settings = s.eff.Redact(all.Registry())
	}
	y, err := config.Format(layers, len(sites) > 1, func(i int, key string) []string {
		s := sites[i]
		if key != "" {
			return []string{s.eff.Origins[key].String()}
		}
		notes := []string{"password: " + s.pwFrom}
		if len(s.inputs) == 0 {
			notes = append(notes, "no inputs: analyze and run need INPUT arguments")
		}
		return notes
	})
	if err != nil {
		return fmt.Errorf("config check: %w", err)
	}
	b.Write(y)
	_, err = w.Write(b.Bytes())
	return err
}
