package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is the reason Walker.Open gives when the archive has no
// member of the locator's name.
var ErrNotFound = errors.New("archive: member not found")

// Open reads the one file named by source, a locator made by a walk, and
// calls fn with its decompressed bytes; fn must not retain the reader. A
// relative outermost path is taken relative to base ("" for the working
// directory). Zip and 7z members are reached directly; a tar is read up
// to the member. Member levels are matched exactly as the walk wrote them
// (MemberLevel), so a name that contains Sep is still found, and the n-th
// of several members of one name is the one opened.
//
// Open returns fn's error unchanged. Any other failure (a missing file or
// member, a corrupt archive, a member that a walk reports as a problem) is
// an error naming source; a missing member wraps ErrNotFound. Open ignores
// MaxDepth and IsData: it opens what source names. MaxMemberSize and
// MaxRatio apply as in a walk: fn's reads fail once one is crossed.
func (w *Walker) Open(ctx context.Context, base, source string, fn func(r io.Reader) error) error {
	it, rest, err := resolveOuter(base, source)
	if err != nil {
		return fmt.Errorf("open %s: %w", source, err)
	}
	if rest == "" {
		fnErr, err := w.openData(ctx, it, 0, fn)
		if err != nil {
			return fmt.Errorf("open %s: %w", source, err)
		}
		return fnErr
	}
	f := &finder{w: w, fn: fn}
	err = f.find(ctx, it, rest)
	switch {
	case errors.Is(err, errStop) && f.err == nil:
		return f.fnErr
	case errors.Is(err, errStop):
		err = f.err
	case err == nil && !f.found:
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", source, err)
	}
	return nil
}

// resolveOuter finds the outermost file of source: its shortest prefix
// ending before a Sep (or the whole of it) that is a regular file. It
// returns that file as an item and the rest of source after the Sep.
func resolveOuter(base, source string) (item, string, error) {
	var firstErr error
	for i := 0; ; {
		j := strings.Index(source[i:], Sep)
		end := len(source)
		if j >= 0 {
			end = i + j
		}
		p := filepath.FromSlash(source[:end])
		if base != "" && !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		fi, err := os.Stat(p)
		if err == nil && !fi.Mode().IsRegular() {
			err = fmt.Errorf("%s: not a regular file", p)
		}
		if err == nil {
			it := looseItem(filepath.Base(p), source[:end], p, fi.Size())
			return it, strings.TrimPrefix(source[end:], Sep), nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if j < 0 {
			return item{}, "", firstErr
		}
		i = end + len(Sep)
	}
}

// openData calls fn with the bytes of it (a loose file at depth 0, else a
// member), decompressed by its name's compression suffix, and returns
// fn's error, or the error of opening it. The reads are metered as a
// walk's are.
func (w *Walker) openData(ctx context.Context, it item, depth int, fn func(io.Reader) error) (fnErr, err error) {
	c := class{}
	if s := compressionSuffix(it.name); s != "" && TrimCompression(it.name) != it.name {
		c.comp = decompressor(strings.ToLower(s))
	}
	what := "member"
	if depth == 0 {
		what = "file"
	}
	rc, err := it.open()
	if err == nil {
		rc, err = decompress(c, rc, w.limits(), what, it.cost)
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return fn(plainReader{ctxReader{ctx, rc}}), nil
}

// finder looks for one member along a locator.
type finder struct {
	w     *Walker
	fn    func(io.Reader) error
	found bool
	fnErr error        // fn's result
	err   error        // why the member could not be read
	st    extractState // shared by the archives along the locator
}

// find looks in the archive it for the member named target, a locator
// relative to it. It returns errStop once the member was found (with fn's
// result in f.fnErr) or could not be read (f.err).
func (f *finder) find(ctx context.Context, it item, target string) error {
	c := classify(it.name, noData)
	if !c.kind.archive() {
		return fmt.Errorf("%s: not an archive", it.source)
	}
	err := f.w.extract(ctx, it, c, &f.st, func(ctx context.Context, m member) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		mit := item{name: m.name, source: JoinLocator(it.source, m.level), size: m.size, open: m.open, cost: m.cost}
		switch {
		case m.level == target:
			f.found = true
			if f.err = f.w.unreadable(m); f.err == nil {
				f.fnErr, f.err = f.w.openData(ctx, mit, 1, func(r io.Reader) error {
					f.st.inCallback = true
					defer func() { f.st.inCallback = false }()
					return f.fn(r)
				})
			}
			return errStop
		case strings.HasPrefix(target, m.level+Sep) && f.w.unreadable(m) == nil:
			if !classify(m.name, noData).kind.archive() {
				return nil
			}
			err := f.find(ctx, mit, target[len(m.level)+len(Sep):])
			switch {
			case errors.Is(err, errStop):
				return errStop
			case err != nil:
				f.err = fmt.Errorf("%s: %w", mit.source, err)
				return errStop
			}
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func noData(string) bool { return false }

// Stat checks that the outermost file of source exists (relative to base
// when not absolute), without opening any archive: import calls it for
// every key of a plan before it writes anything.
func Stat(base, source string) error {
	if _, _, err := resolveOuter(base, source); err != nil {
		return fmt.Errorf("source %s: %w", source, err)
	}
	return nil
}
