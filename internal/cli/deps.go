package cli

import (
	"io"
	"os"

	"github.com/siftload/siftload/internal/ui"
)

// deps are what the commands take from the world outside their flags and
// files, which tests replace. They are handed down from execute to the
// commands, so that no test seam is a global: tests that set them may run
// in parallel.
type deps struct {
	// prompt asks for a password on the terminal; ok is false when stdin
	// is none.
	prompt func(prompt string) (password string, ok bool, err error)
	// importProgress, when set, is told of the rows an import hands to
	// the database, from several goroutines with --workers > 1 (tests stop
	// an import at a known point with it).
	importProgress func(rows int64)
	// stdout is where --json output goes; nil is os.Stdout.
	stdout io.Writer
}

// out returns d.stdout, or os.Stdout.
func (d deps) out() io.Writer {
	if d.stdout == nil {
		return os.Stdout
	}
	return d.stdout
}

// defaultDeps are the deps of the program: the terminal, no progress hook.
func defaultDeps() deps {
	return deps{prompt: ui.ReadPassword}
}
