package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"golang.org/x/text/encoding"

	"github.com/siftload/siftload/internal/problem"
)

// DefaultMaxDepth is the nesting limit when Walker.MaxDepth is 0.
const DefaultMaxDepth = 4

// Entry is one data file found by a walk.
type Entry struct {
	Source string // locator, such as "site/a.zip!/inner.tar.gz!/x/LINE02.csv"
	Key    string // default key (DefaultKey of the member path, or of Input.Key for a loose file)
	Size   int64  // uncompressed size when the format says, else -1
	Depth  int    // 0 for a loose file, 1 for a member of an outermost archive, ...

	// Open returns the decompressed bytes of the file. It may be called
	// once, and only inside the fn the Entry was passed to (it fails
	// after); the walker closes the reader when fn returns if fn has not.
	// Errors of Open and of the reader's Read are marked as read errors
	// (see Walker.WalkInput).
	Open func() (io.ReadCloser, error)
}

// Stats counts what walks saw. A Stats may be shared by concurrent walks:
// the counters are updated atomically.
type Stats struct {
	Archives  atomic.Int64 // archives opened, outermost and nested
	Members   atomic.Int64 // files seen inside archives (directories are not counted)
	DataFiles atomic.Int64 // data files handed to fn that it accepted (returned nil)
	Skipped   atomic.Int64 // files, loose or members, that are neither data nor archives
	Problems  atomic.Int64 // problems reported
}

// Walker finds the data files in inputs, opening archives inside archives.
// Its fields are read-only once a walk has started; one Walker may then
// serve walks of different inputs from several goroutines at once.
type Walker struct {
	// MaxDepth is how deep archives are opened: members of an outermost
	// archive are at depth 1, members of an archive inside it at depth 2.
	// An archive whose members would be deeper is reported as a problem.
	// 0 means DefaultMaxDepth.
	MaxDepth int

	// IsData reports whether a file whose key (DefaultKey of its name) is
	// key is a data file. Names ending .tar (compressed or not), .tgz,
	// .tbz2, .txz, .tzst, .zip, .7z and .rar are archives whatever IsData
	// says. nil means DefaultIsData; Filter.Match fits here.
	IsData func(key string) bool

	// TempDir is where nested zip and 7z archives are spooled; "" means
	// os.TempDir(). Each spool file is removed before the walk of its
	// archive returns.
	TempDir string

	// MaxSpool bounds the size of one spooled archive (decompressed);
	// a larger one is a problem (ErrSpoolLimit). 0 means DefaultMaxSpool.
	MaxSpool int64

	// MaxMemberSize bounds the bytes of one member, and of one
	// compressed file (a member or a loose x.csv.gz) once decompressed:
	// reading past it fails, and the file is a problem (ErrMemberSize).
	// It is counted as the bytes come, whatever headers say; a member
	// whose header already says more is a problem without being read.
	// A tar stream as a whole is not bounded (its members are). 0 means
	// DefaultMaxMemberSize; a negative value turns the limit off.
	MaxMemberSize int64

	// MaxRatio bounds the compression ratio: once a decompressing reader
	// (a member, a compressed file, a tar stream, a spool's input) has
	// yielded 16 MiB, it fails when it has yielded more than MaxRatio
	// times the bytes it made the walk read from the outermost file (all
	// the layers above it together; see the package comment). The member
	// or archive is then a problem (ErrRatio). 0 means DefaultMaxRatio; a
	// negative value turns the rule off.
	MaxRatio int

	// Skipped, when set, is told of every file or member the walk skips
	// as no data file and no archive (by its name: IsData), with the
	// reason, for -v; from several goroutines at once.
	Skipped func(source, reason string)

	// MaxMemberSizeSetting and MaxRatioSetting name the settings that
	// change MaxMemberSize and MaxRatio (such as "--max-ratio"), for the
	// problems of a crossed limit: "compression ratio above 1000:1:
	// possible decompression bomb (raise --max-ratio to allow it)". ""
	// names none.
	MaxMemberSizeSetting, MaxRatioSetting string

	// MaxEntries bounds the entries of one input: the entries of all
	// its archives together, outermost and nested, directories and tar
	// metadata included. A zip's count is read from its end of central
	// directory record (and checked against its central directory)
	// before the directory is parsed, so a zip that would cross the
	// limit is refused whole, before the zip reader holds its directory
	// in memory; a stream archive (tar, rar) and a 7z are ended at the
	// entry that crosses it. Either is a problem (ErrEntries). 0 means
	// DefaultMaxEntries; a negative value turns the limit off.
	MaxEntries int64

	// MaxEntriesSetting and NameEncodingSetting name the settings that
	// change MaxEntries and NameEncoding (such as "--max-entries"), for
	// the problems they would fix: "... over the limit of 12 entries per
	// input (--max-entries)", "member name is not valid UTF-8 (set
	// --name-encoding to its code page)". "" names none.
	MaxEntriesSetting, NameEncodingSetting string

	// NameEncoding decodes member names that are not known to be UTF-8
	// (nil: the default; see ParseNameEncoding): zip names without the
	// UTF-8 flag and without an Info-ZIP Unicode Path field (default
	// CP437, as the zip specification says), and tar names that are not
	// valid UTF-8 (default: none, such a member is a problem).
	NameEncoding encoding.Encoding

	// Problem is called for every bad archive or member, with its
	// locator; the walk goes on. It is called from the walking goroutine,
	// so it must be safe for concurrent use when walks run concurrently.
	// nil drops problems (they are still counted in Stats).
	Problem func(*problem.Error)

	// Stats, when not nil, counts what the walks saw.
	Stats *Stats
}

// errStop carries a stop of the walk (an fn error, ctx) through the
// archive formats, which wrap handler errors; the real error is kept in
// the walk's state.
var errStop = errors.New("archive: walk stopped")

// readError marks an error met while reading an entry's bytes.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// markReader marks the read errors of r, and fails once ctx is done with
// ctx's (unmarked) error.
type markReader struct {
	ctx    context.Context
	rc     io.ReadCloser
	closed bool
}

func (m *markReader) Read(p []byte) (int, error) {
	n, err := ctxReader{m.ctx, m.rc}.Read(p)
	if err != nil && err != io.EOF {
		if cerr := m.ctx.Err(); cerr != nil {
			return n, cerr
		}
		err = &readError{plain(err)}
	}
	return n, err
}

func (m *markReader) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	return m.rc.Close()
}

// Walk calls WalkInput for each input in order, and stops at the first
// error.
func (w *Walker) Walk(ctx context.Context, inputs []Input, fn func(ctx context.Context, e Entry) error) error {
	for _, in := range inputs {
		if err := w.WalkInput(ctx, in, fn); err != nil {
			return err
		}
	}
	return nil
}

// WalkInput calls fn for every data file in in: in itself when it is a
// data file (Depth 0), else each data member of the archive in, recursing
// into nested archives up to MaxDepth. Entries of one archive come in
// archive order (tar stream order, zip central directory order), so a walk
// of the same input always gives the same entries in the same order.
//
// fn must not retain e.Open's reader. fn's error stops the walk and is
// returned unchanged, except in two cases. fs.SkipAll stops the walk and
// WalkInput returns nil. An error that wraps a read error of e (an error
// of e.Open or of its reader: a bad zip CRC, which shows only at the end
// of the member; a truncated gzip stream; an encrypted 7z member) is
// reported as a problem for e.Source, and the walk goes on: that entry
// must not count as read. So fn should read to io.EOF, and return (or
// wrap) the read error it met. Once ctx is done, reads fail with ctx's
// error, which stops the walk.
//
// A bad archive or member (not an archive of its kind, corrupt, truncated,
// encrypted, a member path that escapes its archive, a link or device
// member with a data or archive name, nesting deeper than MaxDepth, a
// nested archive over MaxSpool) is reported with Problem and the walk
// goes on with what can still be read: entries already passed to fn were
// read in full. For a compressed tar the compression checksum is checked
// after the last member, so a problem for the archive can follow entries
// whose own reads went well. Members with other names are skipped and
// counted, whatever they are.
//
// WalkInput returns ctx's error when ctx is done. It never writes outside
// TempDir, and removes its spool files before it returns.
func (w *Walker) WalkInput(ctx context.Context, in Input, fn func(ctx context.Context, e Entry) error) error {
	wk := &walk{w: w, fn: fn, stats: w.Stats}
	if wk.stats == nil {
		wk.stats = new(Stats)
	}
	if in.Dir {
		wk.problem(in.Source, unreadableDir(in.Path))
		return nil
	}
	it := looseItem(filepath.Base(in.Path), in.Source, in.Path, in.Size)
	c := classify(it.name, w.isData())
	err := wk.item(ctx, it, DefaultKey(in.Key), 0, c)
	if errors.Is(err, errStop) {
		err = wk.stop
	}
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

func (w *Walker) isData() func(string) bool {
	if w.IsData == nil {
		return DefaultIsData
	}
	return w.IsData
}

func (w *Walker) maxDepth() int {
	if w.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return w.MaxDepth
}

// unreadable returns why m cannot be read (see member.unreadable), or
// that its header says it is larger than MaxMemberSize, or nil.
func (w *Walker) unreadable(m member) error {
	if err := m.unreadable(); err != nil {
		if errors.Is(err, errNameNotUTF8) && w.NameEncodingSetting != "" {
			err = fmt.Errorf("%w (set %s to its code page)", err, w.NameEncodingSetting)
		}
		return err
	}
	if lim := w.limits(); lim.size > 0 && m.size > lim.size {
		return sizeError("member", lim, m.size)
	}
	return nil
}

// walk is the state of one WalkInput.
type walk struct {
	w     *Walker
	fn    func(ctx context.Context, e Entry) error
	stats *Stats
	stop  error        // why the walk stopped, when an error is errStop
	st    extractState // shared by the archives of the input
}

// problem reports err for source, told in plain words (see plain).
func (wk *walk) problem(source string, err error) {
	err = plain(err)
	wk.stats.Problems.Add(1)
	if wk.w.Problem != nil {
		wk.w.Problem(problem.New(source, 0, err))
	}
}

// item handles a loose file (depth 0) or an archive member at depth
// (the depth of its archive's members) of class c.
func (wk *walk) item(ctx context.Context, it item, key string, depth int, c class) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case c.kind == kindData:
		return wk.deliver(ctx, it, key, depth, c)
	case c.kind.archive():
		return wk.archive(ctx, it, depth, c)
	case c.kind == kindSplit:
		wk.problem(it.source, splitError(c.split))
		return nil
	}
	wk.skipped(it.source)
	return nil
}

// skipped counts a file or member that is neither data nor an archive.
func (wk *walk) skipped(source string) {
	wk.stats.Skipped.Add(1)
	if wk.w.Skipped != nil {
		wk.w.Skipped(source, "no data file (its name matches no data pattern, or an exclude one) and no archive")
	}
}

// archive walks the archive it, whose members are at depth+1.
func (wk *walk) archive(ctx context.Context, it item, depth int, c class) error {
	if max := wk.w.maxDepth(); depth+1 > max {
		wk.problem(it.source, fmt.Errorf("nesting deeper than %d", max))
		return nil
	}
	wk.stats.Archives.Add(1)
	err := wk.w.extract(ctx, it, c, &wk.st, func(ctx context.Context, m member) error {
		return wk.member(ctx, it.source, depth+1, m)
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errStop):
		return errStop
	case ctx.Err() != nil:
		return ctx.Err()
	case encrypted(err):
		err = &plainError{msg: "encrypted archive: siftload reads no password-protected archives", err: err}
	default:
		var (
			le *limitError
			ee *entriesError
		)
		switch {
		case errors.As(err, &le):
			err = le // says all, whatever the format wrapped it in
		case errors.As(err, &ee):
			err = ee
		default:
			err = fmt.Errorf("read archive: %w", plain(err))
		}
	}
	wk.problem(it.source, err)
	return nil
}

// member handles one member of the archive at arcSource.
func (wk *walk) member(ctx context.Context, arcSource string, depth int, m member) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wk.stats.Members.Add(1)
	c := classify(m.name, wk.w.isData())
	it := item{name: m.name, source: JoinLocator(arcSource, m.level), size: m.size, open: m.open, cost: m.cost}
	if c.kind == kindOther {
		wk.skipped(it.source)
		return nil
	}
	if err := wk.w.unreadable(m); err != nil {
		wk.problem(it.source, err)
		return nil
	}
	return wk.item(ctx, it, DefaultKey(m.name), depth, c)
}

// deliver passes the data file it to fn.
func (wk *walk) deliver(ctx context.Context, it item, key string, depth int, c class) error {
	size := it.size
	if c.comp != nil {
		size = -1
	}
	var (
		opened io.Closer
		done   bool
	)
	e := Entry{Source: it.source, Key: key, Size: size, Depth: depth}
	e.Open = func() (rc io.ReadCloser, err error) {
		switch {
		case done:
			return nil, fmt.Errorf("open %s: entry used after its fn returned", it.source)
		case opened != nil:
			return nil, fmt.Errorf("open %s: entry opened twice", it.source)
		}
		func() {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("corrupt member: reader panicked: %v", v)
				}
			}()
			rc, err = it.open()
			if err == nil {
				what := "member"
				if depth == 0 {
					what = "file"
				}
				rc, err = decompress(c, rc, wk.w.limits(), what, it.cost)
			}
		}()
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			return nil, &readError{err}
		}
		mr := &markReader{ctx: ctx, rc: rc}
		opened = mr
		return mr, nil
	}
	wk.st.inCallback = true
	err := wk.fn(ctx, e)
	wk.st.inCallback, done = false, true
	if opened != nil {
		opened.Close()
	}
	var re *readError
	switch {
	case err == nil:
		wk.stats.DataFiles.Add(1)
		return nil
	case ctx.Err() != nil || !errors.As(err, &re):
		wk.stop = err
		return errStop
	}
	if pe := problem.As(err); pe != nil && pe.Source == it.source {
		wk.stats.Problems.Add(1)
		if wk.w.Problem != nil {
			wk.w.Problem(pe)
		}
		return nil
	}
	if encrypted(err) {
		err = &plainError{msg: "encrypted member: siftload reads no password-protected data", err: err}
	}
	wk.problem(it.source, err)
	return nil
}

// unreadableDir is the problem of the directory at path, which could not
// be read when the inputs were listed (Input.Dir): why it cannot be read
// now, as the walk would have met it.
func unreadableDir(path string) error {
	if _, err := os.ReadDir(path); err != nil {
		return fmt.Errorf("unreadable directory, its files are not analyzed: %w", err)
	}
	return errors.New("unreadable directory when the inputs were listed, its files are not analyzed")
}
