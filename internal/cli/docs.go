package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/siftload/siftload/internal/ui"
)

// WriteDocs writes siftload's man pages (section 1, one per command, from
// each command's help) to dir/man/man1, and its shell completions to
// dir/completions: siftload.bash, _siftload (zsh), siftload.fish and
// siftload.ps1 (PowerShell). The pages are dated by the environment
// variable SOURCE_DATE_EPOCH when it is set, so that a release rebuilt
// from one commit is byte for byte the same.
func WriteDocs(dir string) error {
	root := newRootCommand(ui.NewPrinter(io.Discard, false), defaultDeps())
	root.DisableAutoGenTag = true
	man := filepath.Join(dir, "man", "man1")
	comp := filepath.Join(dir, "completions")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("write docs: %w", err)
		}
	}
	header := &doc.GenManHeader{Title: "SIFTLOAD", Section: "1", Source: "siftload " + Version(), Manual: "siftload manual"}
	if err := doc.GenManTree(root, header, man); err != nil {
		return fmt.Errorf("write man pages to %s: %w", man, err)
	}
	completions := []struct {
		name string
		gen  func(*cobra.Command, string) error
	}{
		{"siftload.bash", func(c *cobra.Command, f string) error { return c.GenBashCompletionFileV2(f, true) }},
		{"_siftload", (*cobra.Command).GenZshCompletionFile},
		{"siftload.fish", func(c *cobra.Command, f string) error { return c.GenFishCompletionFile(f, true) }},
		{"siftload.ps1", (*cobra.Command).GenPowerShellCompletionFileWithDesc},
	}
	for _, c := range completions {
		if err := c.gen(root, filepath.Join(comp, c.name)); err != nil {
			return fmt.Errorf("write completion %s: %w", c.name, err)
		}
	}
	return nil
}
