package archive

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Input is one outermost file found under the INPUT arguments.
type Input struct {
	Path   string // OS path to open
	Source string // locator of the outermost file: INPUT joined with the path under it, '/' separators
	Key    string // key base: the path under the INPUT directory, or the base name of a file given directly
	Size   int64  // bytes on disk, -1 for a dangling link or an entry that could not be examined

	// Dir marks a subdirectory that could not be read (no permission,
	// an I/O error): its files are unknown, and walking it reports the
	// directory as a problem.
	Dir bool
}

// Expand lists every regular file under the INPUT arguments: a directory
// is walked recursively, a file is taken as it is. Archives, data files
// and other files are all listed; the Walker decides what each one is.
//
// The result is sorted by Source and has one Input per Source, so the
// same arguments always give the same list whatever their order (a file
// reached both through its directory and directly keeps the key under
// the directory). A
// missing or unreadable input is an error naming its path. Inside a
// directory, symbolic links to files are listed (the link's own path is
// the Source), links to directories are not followed, other non-regular
// files (sockets, devices) are left out, and a dangling link is listed
// with Size -1 so that walking it reports a problem. A subdirectory that
// cannot be read does not stop the listing: it is listed with Dir set,
// and a file that cannot be examined (in a directory that may be listed
// but not searched) with Size -1, so that walking them reports each as a
// problem. Only an INPUT argument that cannot be read is an error.
func Expand(ctx context.Context, inputs []string) ([]Input, error) {
	var out []Input
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fi, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("expand %s: %w", in, err)
		}
		if !fi.IsDir() {
			if !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("expand %s: not a regular file or directory", in)
			}
			p := filepath.Clean(in)
			out = append(out, Input{Path: p, Source: filepath.ToSlash(p), Key: filepath.Base(p), Size: fi.Size()})
			continue
		}
		found, err := expandDir(ctx, in)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	// A file reached both through its directory and directly keeps the
	// directory's (longer) key, whatever the order of the arguments.
	slices.SortFunc(out, func(a, b Input) int {
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return len(b.Key) - len(a.Key)
	})
	return slices.CompactFunc(out, func(a, b Input) bool { return a.Source == b.Source }), nil
}

// expandDir lists the regular files under dir.
func expandDir(ctx context.Context, dir string) ([]Input, error) {
	var out []Input
	add := func(p string, size int64, isDir bool) error {
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		in := Input{
			Path:   p,
			Source: filepath.ToSlash(filepath.Join(dir, rel)),
			Key:    filepath.ToSlash(rel),
			Size:   size,
			Dir:    isDir,
		}
		// Where the strings are equal (with '/' separators), they share
		// Path's bytes: a site of 100,000 snapshots holds its list of
		// inputs through the analysis, and this is half of it.
		if in.Source == p {
			in.Source = p
		}
		if strings.HasSuffix(p, in.Key) {
			in.Key = p[len(p)-len(in.Key):]
		}
		out = append(out, in)
		return nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case err != nil && (p == dir || d == nil || !d.IsDir()):
			return err // the INPUT itself
		case err != nil:
			// A subdirectory that cannot be read: listed, and the walk
			// goes on with its siblings (WalkDir skips it on nil).
			return add(p, -1, true)
		case d.IsDir():
			return nil
		}
		size := int64(-1)
		fi, err := os.Stat(p) // follows a link to a file
		switch {
		case err != nil:
			// A dangling link, or a file that cannot be examined: listed,
			// and walking it reports the problem.
		case !fi.Mode().IsRegular():
			return nil
		default:
			size = fi.Size()
		}
		return add(p, size, false)
	})
	if err != nil {
		return nil, fmt.Errorf("expand %s: %w", dir, err)
	}
	return out, nil
}
