package archive

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync/atomic"

	"github.com/bodgit/sevenzip"
	"github.com/klauspost/compress/zip"
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
	name      string // raw name in the archive
	size      int64  // uncompressed size, -1 when unknown
	mode      fs.FileMode
	hardlink  bool
	encrypted bool
	open      func() (io.ReadCloser, error) // metered by extract
	cost      costFunc                      // of open's reads
}

func newMember(fi archives.FileInfo) member {
	m := member{name: fi.NameInArchive, size: fi.Size(), mode: fi.Mode()}
	m.open = func() (io.ReadCloser, error) { return fi.Open() }
	switch h := fi.Header.(type) {
	case zip.FileHeader:
		m.encrypted = h.Flags&0x1 != 0 // general purpose bit 0: encrypted
	case *tar.Header:
		m.hardlink = h.Typeflag == tar.TypeLink
	case *rardecode.FileHeader:
		m.encrypted = h.Encrypted
		if h.UnKnownSize {
			m.size = -1
		}
	case sevenzip.FileHeader:
		m.open = sevenZipCRC(m.open, h.CRC32)
	}
	return m
}

// unreadable returns why m cannot be read as a file of its archive, or
// nil: its name escapes the archive, it is a link or a device, or it is
// encrypted.
func (m member) unreadable() error {
	switch {
	case escapes(m.name):
		return errors.New("member path escapes its archive")
	case m.hardlink:
		return errors.New("hard link member")
	case m.mode&fs.ModeSymlink != 0:
		return errors.New("symbolic link member")
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
// A panic of a format's reader (some panic on corrupt input) is returned
// as an error, unless *inCallback is true: then the panic comes from the
// caller's callback, and it goes on.
func (w *Walker) extract(ctx context.Context, it item, c class, inCallback *bool, handle func(context.Context, member) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if *inCallback {
				panic(v)
			}
			err = fmt.Errorf("corrupt archive: reader panicked: %v", v)
		}
	}()
	lim := w.limits()
	members := func(cost costFunc, arc *budget) archives.FileHandler {
		return func(ctx context.Context, fi archives.FileInfo) error {
			if fi.IsDir() {
				return nil
			}
			if err := arc.failed(); err != nil {
				return err
			}
			m := newMember(fi)
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
		var (
			format archives.Extractor = archives.Tar{}
			r      io.Reader          = rc
		)
		if c.kind == kindRar {
			format = archives.Rar{}
			br := bufio.NewReader(rc)
			if err := checkRar(br); err != nil {
				return err
			}
			r = br
		}
		if err := format.Extract(ctx, r, members(it.cost, nil)); err != nil {
			return err
		}
		// Read what follows the end of the archive so that the
		// compression's and the enclosing member's checksums are checked.
		if _, err := io.Copy(io.Discard, ctxReader{ctx, r}); err != nil {
			return fmt.Errorf("after end of archive: %w", plain(err))
		}
		return nil
	case kindZip, kind7z:
		var format archives.Extractor = archives.Zip{}
		if c.kind == kind7z {
			registerSevenZip()
			format = archives.SevenZip{}
		}
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
			if c.kind == kindZip {
				if err := zipSplit(cf, fi.Size()); err != nil {
					return err
				}
			}
			return format.Extract(ctx, rc, members(it.cost, newBudget(lim, float64(fi.Size()))))
		}
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
		cost := func() float64 { return float64(n.Load()) * perByte }
		if c.kind == kindZip {
			if err := zipSplit(countFile{f.File, n}, f.size); err != nil {
				return err
			}
		}
		return format.Extract(ctx, countFile{f.File, n}, members(cost, newBudget(lim, f.cost)))
	}
	return fmt.Errorf("%s: not an archive", it.source)
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
