package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync/atomic"

	"github.com/bodgit/sevenzip"
	"github.com/klauspost/compress/zstd"
	"github.com/mholt/archives"
	"github.com/nwaples/rardecode/v2"
)

// kind is what a file is, judged by its name.
type kind int

const (
	kindOther kind = iota // neither data nor archive: skipped
	kindData              // a data file
	kindSplit             // a volume of a split or multi-volume archive (see split.go)
	kindTar               // tar stream, read in place
	kindRar               // rar stream, read in place
	kindZip               // zip, needs random access
	kind7z                // 7z, needs random access
)

func (k kind) archive() bool { return k >= kindTar }

// class is a file's kind and the single-stream compression around it.
type class struct {
	kind  kind
	comp  archives.Compression // nil when the name has no compression suffix
	split string               // kindSplit: what splitPart said
}

// classify judges name (a raw member name or a file's base name) by its
// ending, case-insensitively: one compression suffix is stripped first
// (.tgz, .tbz2, .txz and .tzst are compressed tars), then .tar, .zip, .7z
// and .rar are archives, then volumes of split archives (splitPart) are
// kindSplit, and isData decides on the key of what is left. Archives and
// volumes win over isData.
func classify(name string, isData func(string) bool) class {
	lower := strings.ToLower(name)
	for _, s := range []struct{ ext, comp string }{{".tgz", ".gz"}, {".tbz", ".bz2"}, {".tbz2", ".bz2"}, {".txz", ".xz"}, {".tzst", ".zst"}} {
		if strings.HasSuffix(lower, s.ext) {
			return class{kind: kindTar, comp: decompressor(s.comp)}
		}
	}
	var c class
	if s := compressionSuffix(name); s != "" && TrimCompression(name) != name {
		c.comp = decompressor(strings.ToLower(s))
		lower = lower[:len(lower)-len(s)]
	}
	switch {
	case strings.HasSuffix(lower, ".tar"):
		c.kind = kindTar
	case strings.HasSuffix(lower, ".zip"):
		c.kind = kindZip
	case strings.HasSuffix(lower, ".7z"):
		c.kind = kind7z
	case strings.HasSuffix(lower, ".rar"):
		c.kind = kindRar
	case c.comp == nil && splitPart(name, isData) != "":
		c.kind, c.split = kindSplit, splitPart(name, isData)
	case isData(DefaultKey(name)):
		c.kind = kindData
	}
	return c
}

// decompressor returns the format for a lowercase compression suffix.
func decompressor(suffix string) archives.Compression {
	switch suffix {
	case ".gz":
		return archives.Gz{}
	case ".bz2":
		return archives.Bz2{}
	case ".xz":
		return archives.Xz{}
	case ".zst":
		// One decoder goroutine: the work is parallel across inputs, and
		// this keeps memory per open stream small.
		return archives.Zstd{DecoderOptions: []zstd.DOption{zstd.WithDecoderConcurrency(1)}}
	}
	return nil
}

// decompress wraps rc, whose reads cost cost, with c's decompressor and
// meters what it yields (see meter; what is "" for a tar stream, which
// has no size limit). The returned ReadCloser closes both.
func decompress(c class, rc io.ReadCloser, lim limits, what string, cost costFunc) (io.ReadCloser, error) {
	if c.comp == nil {
		return rc, nil
	}
	dr, err := c.comp.OpenReader(rc)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("decompress: %w", err), rc.Close())
	}
	return newMeter(&closeBoth{Reader: dr, inner: dr, outer: rc}, lim, what, cost, nil), nil
}

type closeBoth struct {
	io.Reader
	inner, outer io.Closer
}

func (c *closeBoth) Close() error { return errors.Join(c.inner.Close(), c.outer.Close()) }

// member is one entry of an archive, whatever its format.
type member struct {
	name       string // name in the archive, as valid UTF-8 (see zipName, tarName)
	level      string // its level in a locator: MemberLevel(name, occurrence); set by extract
	occurrence int    // 1 for the first member of its name, ...; 0: extract counts
	size       int64  // uncompressed size, -1 when unknown
	mode       fs.FileMode
	link       bool  // a hard or symbolic link, a junction, a rar file copy
	nameErr    error // why the member cannot be read although its name can be judged
	encrypted  bool
	open       func() (io.ReadCloser, error) // metered by extract
	cost       costFunc                      // of open's reads
}

func newMember(fi archives.FileInfo) member {
	name, ok := validName(fi.NameInArchive)
	m := member{name: name, size: fi.Size(), mode: fi.Mode()}
	if !ok {
		m.nameErr = errNameNotUTF8
	}
	m.open = func() (io.ReadCloser, error) { return fi.Open() }
	switch h := fi.Header.(type) {
	case *rardecode.FileHeader:
		m.encrypted = h.Encrypted
		if h.UnKnownSize {
			m.size = -1
		}
		// RAR5 redirections (symbolic and hard links, junctions, file
		// copies) have no data of their own.
		m.link = h.LinkType != rardecode.LinkTypeNone
	case sevenzip.FileHeader:
		m.open = sevenZipCRC(m.open, h.CRC32)
	}
	return m
}

// errLink is the reason of the problem reported for a link member, in
// every format.
var errLink = errors.New("link member: links are not followed")

// unreadable returns why m cannot be read as a file of its archive, or
// nil: its name is not UTF-8 or escapes the archive, it is a link or a
// device, or it is encrypted.
func (m member) unreadable() error {
	switch {
	case m.nameErr != nil:
		return m.nameErr
	case escapes(m.name):
		return errors.New("member path escapes its archive")
	case m.link || m.mode&fs.ModeSymlink != 0:
		return errLink
	case !m.mode.IsRegular():
		return fmt.Errorf("not a regular file (mode %s)", m.mode.Type())
	case m.encrypted:
		return errors.New("encrypted member")
	}
	return nil
}

// encrypted reports whether err says that a password is needed.
func encrypted(err error) bool {
	var re *sevenzip.ReadError
	return errors.As(err, &re) && re.Encrypted ||
		errors.Is(err, errSevenZipEncrypted) ||
		errors.Is(err, rardecode.ErrArchiveEncrypted) ||
		errors.Is(err, rardecode.ErrArchivedFileEncrypted)
}

// item is a file to be read: a loose file or an archive member.
type item struct {
	name   string // base name of a loose file, raw member name in an archive
	source string // locator
	path   string // OS path of a loose file, "" for a member
	size   int64  // size of the bytes open returns, -1 when unknown
	open   func() (io.ReadCloser, error)
	cost   costFunc // physical cost of the reads of open's readers so far
}

// extract calls handle for each member of the archive it (of class c),
// in archive order, and returns the first error of the format or of
// handle. Tar and rar are read as streams; zip and 7z need random access,
// so unless it is a loose uncompressed file they are spooled to a
// temporary file that is removed before extract returns.
//
// The members' open is metered (size and ratio limits; see meter), and so
// is a tar stream's decompression. What is measured against what, the
// physical cost, is the bytes read from the outermost file:
//
//   - tar and rar: the stream's cost while the member is read;
//   - zip and 7z read in place: the bytes read from the file while the
//     member is read (its compressed data, its local header);
//   - zip and 7z spooled: the bytes read from the spool file while the
//     member is read, times the spool's own cost per byte.
//
// So the ratio of a member is the ratio of all the compression layers
// above it, and nesting does not multiply what the limit allows. The
// members of a zip or 7z also share a budget: all that they yield against
// the archive's whole cost. A crossed budget ends the archive with the
// limit's error.
//
// Every member gets its locator level (MemberLevel of its name and of how
// many members of that name came before it, directories and tar metadata
// not counted), and every entry counts against Walker.MaxEntries in st.
//
// A panic of a format's reader (some panic on corrupt input) is returned
// as an error, unless st.inCallback is true: then the panic comes from the
// caller's callback, and it goes on.
func (w *Walker) extract(ctx context.Context, it item, c class, st *extractState, handle func(context.Context, member) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if st.inCallback {
				panic(v)
			}
			err = fmt.Errorf("corrupt archive: reader panicked: %v", v)
		}
	}()
	lim := w.limits()
	seen := make(map[string]int) // names of stream members: zip counts its own
	each := func(cost costFunc, arc *budget) func(context.Context, member) error {
		return func(ctx context.Context, m member) error {
			if err := arc.failed(); err != nil {
				return err
			}
			if m.occurrence == 0 {
				seen[m.name]++
				m.occurrence = seen[m.name]
			}
			m.level = MemberLevel(m.name, m.occurrence)
			open := m.open
			m.open = func() (io.ReadCloser, error) {
				rc, err := open()
				if err != nil {
					return nil, err
				}
				return newMeter(rc, lim, "member", cost, arc), nil
			}
			m.cost = cost
			return handle(ctx, m)
		}
	}
	members := func(cost costFunc, arc *budget) archives.FileHandler {
		h := each(cost, arc)
		return func(ctx context.Context, fi archives.FileInfo) error {
			if err := w.addEntries(st, 1, ""); err != nil {
				return err
			}
			if fi.IsDir() {
				return nil
			}
			return h(ctx, newMember(fi))
		}
	}
	switch c.kind {
	case kindTar, kindRar:
		rc, err := it.open()
		if err != nil {
			return err
		}
		rc, err = decompress(c, rc, lim, "", it.cost)
		if err != nil {
			return err
		}
		defer rc.Close()
		var r io.Reader = rc
		if c.kind == kindRar {
			br := bufio.NewReader(rc)
			if err := checkRar(br); err != nil {
				return err
			}
			r = br
			err = archives.Rar{}.Extract(ctx, r, members(it.cost, nil))
		} else {
			err = w.extractTar(ctx, r, st, each(it.cost, nil))
		}
		if err != nil {
			return err
		}
		// Read what follows the end of the archive so that the
		// compression's and the enclosing member's checksums are checked.
		if _, err := io.Copy(io.Discard, ctxReader{ctx, r}); err != nil {
			return fmt.Errorf("after end of archive: %w", plain(err))
		}
		return nil
	case kindZip, kind7z:
		var (
			r    countFile
			size int64
			cost costFunc
			arc  *budget
		)
		if it.path != "" && c.comp == nil {
			rc, err := it.open()
			if err != nil {
				return err
			}
			defer rc.Close()
			cf, ok := rc.(countFile)
			if !ok {
				return fmt.Errorf("%s: a loose file opens as %T", it.source, rc)
			}
			fi, err := cf.Stat()
			if err != nil {
				return err
			}
			r, size, cost, arc = cf, fi.Size(), it.cost, newBudget(lim, float64(fi.Size()))
		} else {
			f, err := w.spool(ctx, it, c)
			if err != nil {
				return err
			}
			defer f.release()
			n := new(atomic.Int64)
			var perByte float64
			if f.size > 0 {
				perByte = f.cost / float64(f.size)
			}
			r, size, arc = countFile{f.File, n}, f.size, newBudget(lim, f.cost)
			cost = func() float64 { return float64(n.Load()) * perByte }
		}
		if c.kind == kindZip {
			var ra io.ReaderAt = r
			if it.path != "" && c.comp == nil && size <= smallZip {
				// A small outermost zip is read whole, in one read, and
				// its records and members from memory: a site of many
				// tiny snapshots spent a fifth of its CPU time in the
				// small reads of the zip reader (BenchmarkWalkSmallZips).
				// Reads from memory are counted as the file's reads
				// would be, for the ratio limit.
				mf, err := readSmall(r, size)
				if err != nil {
					return err
				}
				defer mf.release()
				ra = mf
			}
			if err := zipSplit(ra, size); err != nil {
				return err
			}
			return w.extractZip(ctx, ra, size, st, each(cost, arc))
		}
		registerSevenZip()
		return archives.SevenZip{}.Extract(ctx, r, members(cost, arc))
	}
	return fmt.Errorf("%s: not an archive", it.source)
}

// extractState is what the walk of one outermost input (or one Open)
// shares across the archives it reads.
type extractState struct {
	inCallback bool  // the caller's callback runs: a panic is its own
	entries    int64 // entries seen, against Walker.MaxEntries
}

// ctxReader fails reads once ctx is done, and turns a panic of r's Read
// (some decoders panic on corrupt input) into an error.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (n int, err error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	defer func() {
		if v := recover(); v != nil {
			n, err = 0, fmt.Errorf("corrupt data: reader panicked: %v", v)
		}
	}()
	return c.r.Read(p)
}
