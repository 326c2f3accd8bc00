package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/siftload/siftload/internal/archive"
)

// confinedStat returns the check import runs on every source of a plan
// before it writes anything: the source's outermost file must exist, be a
// regular file and, once cleaned and its symbolic links resolved, lie
// under one of roots (directories or files); a file of a pseudo file
// system (/proc, /sys) is refused too, though it looks regular. A
// hand-edited plan cannot make import read /proc/self/environ, a device,
// a FIFO or a file outside the inputs.
func confinedStat(roots []string) (func(base, source string) error, error) {
	resolved := make([]string, 0, len(roots))
	for _, r := range roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", r, err)
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		resolved = append(resolved, abs)
	}
	return func(base, source string) error {
		path, err := archive.Outer(base, source)
		if err != nil {
			return fmt.Errorf("source %s: %w", source, err)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return fmt.Errorf("source %s: %w", source, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return fmt.Errorf("source %s: %w", source, err)
		}
		fi, err := os.Stat(real)
		if err != nil {
			return fmt.Errorf("source %s: %w", source, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("source %s: %s is not a regular file", source, real)
		}
		if pseudoFS(real) {
			return fmt.Errorf("source %s: %s is on a pseudo file system (/proc, /sys), not a data file", source, real)
		}
		for _, r := range resolved {
			if within(r, real) {
				return nil
			}
		}
		return fmt.Errorf("source %s: %s lies outside the plan's inputs (%s): import reads only files under them (--base DIR sets the directory)", source, real, strings.Join(resolved, ", "))
	}, nil
}

// within reports whether path is root or lies under it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
