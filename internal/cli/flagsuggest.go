package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/config"
)

// flagError is the error of a command line that pflag refused: a usage
// error, with "did you mean --dry-run?" for a mistyped flag (as cobra does
// for commands, and profiles for keys).
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		name, _, _ = strings.Cut(name, "=")
		var known []string
		add := func(f *pflag.Flag) {
			if !f.Hidden {
				known = append(known, f.Name)
			}
		}
		cmd.Flags().VisitAll(add)
		cmd.InheritedFlags().VisitAll(add)
		if s := config.Closest(name, known); s != "" {
			return fmt.Errorf("%w: %w (did you mean --%s?)\nRun '%s --help' for usage", ErrUsage, err, s, cmd.CommandPath())
		}
	}
	return fmt.Errorf("%w: %w\nRun '%s --help' for usage", ErrUsage, err, cmd.CommandPath())
}
