package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/siftload/siftload/internal/ui"
)

// Checks run makes before a long analysis, so that an hour of analysis
// never ends in an error that was there at the start: every output can be
// written (its directory takes new files, and a file already there is no
// directory and can be opened for writing: on Windows a plan open in Excel
// cannot), and the database can be opened (connected, logged in, the
// SQLite file created). A dry run opens no database.

// checkOutputs returns an error naming the first of paths ("" is none)
// that could not be written.
func checkOutputs(paths ...string) error {
	for _, path := range paths {
		if path == "" {
			continue
		}
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.check")
		if err != nil {
			return fmt.Errorf("%s cannot be written, so the analysis did not start: %w", path, err)
		}
		name := f.Name()
		f.Close()
		os.Remove(name)
		fi, err := os.Stat(path)
		if err != nil {
			continue // a new file
		}
		if fi.IsDir() {
			return fmt.Errorf("%s cannot be written, so the analysis did not start: it is a directory", path)
		}
		g, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%s cannot be replaced, so the analysis did not start: %w (is it open in another program, such as Excel? close it and run again)", path, err)
		}
		g.Close()
	}
	return nil
}

// checkDatabase opens and closes the database of imp, unless it is a dry
// run.
func checkDatabase(ctx context.Context, imp ImportOptions) error {
	if imp.DryRun {
		return nil
	}
	s, _, err := openSink(ctx, &imp)
	if err != nil {
		if errors.Is(err, ErrUsage) {
			return err
		}
		return fmt.Errorf("%w\n(checked before the analysis, which did not start)", err)
	}
	return s.Close()
}

// heldHint explains a refused replacement of a file on Windows (goos):
// another program holds the file open, as Excel holds a plan it shows.
func heldHint(goos string, err error) string {
	if goos != "windows" || !errors.Is(err, fs.ErrPermission) {
		return ""
	}
	return " (is the file open in another program, such as Excel? close it and run again)"
}

// importFailed says, after run's import failed, that the plan is written
// and how to load it without analyzing again.
func importFailed(p *ui.Printer, planPath string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	p.Errorf("the plan was written to %s: once the cause is fixed, load it without analyzing again: siftload import --plan %s (with the same --db and settings)", planPath, planPath)
}
