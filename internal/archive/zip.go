package archive

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
)

// DefaultMaxEntries is the entry limit when Walker.MaxEntries is 0.
const DefaultMaxEntries = 1_000_000

// ErrEntries is the reason of the problem reported for an archive whose
// entries would take the entries of its input past Walker.MaxEntries.
var ErrEntries = errors.New("archive: too many entries")

// entriesError says how many entries an archive has against the limit.
type entriesError struct{ msg string }

func (e *entriesError) Error() string { return e.msg }
func (e *entriesError) Unwrap() error { return ErrEntries }

func (w *Walker) maxEntries() int64 {
	switch {
	case w.MaxEntries == 0:
		return DefaultMaxEntries
	case w.MaxEntries < 0:
		return 0
	}
	return w.MaxEntries
}

// addEntries counts n more entries of the walk of one outermost input
// (st), or fails when they would cross the limit; refused entries are not
// counted. what says whose entries they are ("zip central directory lists
// 5 entries"; "" for a stream).
func (w *Walker) addEntries(st *extractState, n int64, what string) error {
	max := w.maxEntries()
	if max <= 0 || st.entries+n <= max {
		st.entries += n
		return nil
	}
	switch {
	case what == "":
		what = fmt.Sprintf("more than %d entries in this input", max)
	case st.entries > 0:
		what = fmt.Sprintf("%s, %d with the archives before it", what, st.entries+n)
	}
	msg := fmt.Sprintf("%s: over the limit of %d entries per input", what, max)
	if w.MaxEntriesSetting != "" {
		msg += " (" + w.MaxEntriesSetting + ")"
	}
	return &entriesError{msg}
}

// Zip record layouts (APPNOTE.TXT 4.3.12, 4.3.14 to 4.3.16).
const (
	zipEOCDSig      = 0x06054b50
	zipEOCDLen      = 22
	zipEOCD64LocSig = 0x07064b50
	zipEOCD64LocLen = 20
	zipEOCD64Sig    = 0x06064b50
	zipEOCD64Len    = 56
	zipCentralSig   = 0x02014b50
	zipCentralLen   = 46
)

// zipDirectory is what the end of central directory records say.
type zipDirectory struct {
	records uint64 // entries the records claim
	offset  int64  // of the first central directory header in the file
}

// readZipDirectory reads the end of central directory record of the zip
// in r (size bytes), and the zip64 one when it has one, as the zip
// reader will: the last record signature in the last 64 KiB.
func readZipDirectory(r io.ReaderAt, size int64) (zipDirectory, error) {
	n := int64(zipEOCDLen + 0xffff)
	if n > size {
		n = size
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return zipDirectory{}, err
	}
	p := -1
	for i := len(buf) - zipEOCDLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == zipEOCDSig {
			p = i
			break
		}
	}
	if p < 0 {
		return zipDirectory{}, zip.ErrFormat
	}
	end := size - n + int64(p)
	b := buf[p:]
	d := zipDirectory{records: uint64(binary.LittleEndian.Uint16(b[10:]))}
	dirSize := int64(binary.LittleEndian.Uint32(b[12:]))
	dirOff := int64(binary.LittleEndian.Uint32(b[16:]))
	if d.records == 0xffff || dirSize == 0xffffffff || dirOff == 0xffffffff {
		var loc [zipEOCD64LocLen]byte
		if end >= zipEOCD64LocLen {
			if _, err := r.ReadAt(loc[:], end-zipEOCD64LocLen); err == nil && binary.LittleEndian.Uint32(loc[:]) == zipEOCD64LocSig {
				off := int64(binary.LittleEndian.Uint64(loc[8:]))
				var rec [zipEOCD64Len]byte
				if off >= 0 && off <= size-zipEOCD64Len {
					if _, err := r.ReadAt(rec[:], off); err == nil && binary.LittleEndian.Uint32(rec[:]) == zipEOCD64Sig {
						d.records = binary.LittleEndian.Uint64(rec[32:])
						dirSize = int64(binary.LittleEndian.Uint64(rec[40:]))
						dirOff = int64(binary.LittleEndian.Uint64(rec[48:]))
						end = off
					}
				}
			}
		}
	}
	if dirSize < 0 || dirOff < 0 {
		return zipDirectory{}, zip.ErrFormat
	}
	// As the zip reader: the directory ends where the end record starts,
	// unless a header is found at the offset as written (self-extracting
	// and prefixed zips).
	d.offset = end - dirSize
	if base := end - dirSize - dirOff; base > 0 {
		var sig [4]byte
		if _, err := r.ReadAt(sig[:], dirOff); err == nil && binary.LittleEndian.Uint32(sig[:]) == zipCentralSig {
			d.offset = dirOff
		}
	}
	return d, nil
}

// countZipHeaders counts the central directory headers from off, as the
// zip reader reads them (until a record that is no header), up to max+1
func countZipHeaders(ctx context.Context, r io.ReaderAt, size, off, max int64) (int64, error) {
	if off < 0 || off > size {
		return 0, nil
	}
	// No larger a buffer than the directory: a tiny zip's is a few KB.
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, size-off), int(min(size-off, 64<<10)))
	var (
		h [zipCentralLen]byte
		n int64
	)
	for n <= max {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		if _, err := io.ReadFull(br, h[:]); err != nil || binary.LittleEndian.Uint32(h[:]) != zipCentralSig {
			return n, nil
		}
		n++
		skip := int(binary.LittleEndian.Uint16(h[28:])) + int(binary.LittleEndian.Uint16(h[30:])) + int(binary.LittleEndian.Uint16(h[32:]))
		if _, err := br.Discard(skip); err != nil {
			return n, nil
		}
	}
	return n, nil
}

// extractZip calls handle for each entry of the zip in r (size bytes) that
// is not a directory, in central directory order. Before the zip reader
// parses the central directory (which it holds in memory), the entries
// are counted against Walker.MaxEntries: first as the end record claims,
// then as the directory holds them.
//
// An entry error (an unsupported compression method, a bad local header)
// shows when the entry is opened: it is the entry's problem, and the other
// entries are still read. Names are decoded by zipName. A data descriptor
// flag (bit 3) that the central directory sets but no descriptor follows
// the data is dropped, as unzip and libarchive do: the central directory's
// CRC-32 and sizes are authoritative, and the descriptor is optional.
func (w *Walker) extractZip(ctx context.Context, r io.ReaderAt, size int64, st *extractState, handle func(context.Context, member) error) error {
	d, err := readZipDirectory(r, size)
	if err != nil {
		return err
	}
	if max := w.maxEntries(); max > 0 {
		left := max - st.entries
		if d.records > uint64(left) {
			return w.addEntries(st, int64(min(d.records, 1<<62)), fmt.Sprintf("zip central directory lists %d entries", d.records))
		}
		n, err := countZipHeaders(ctx, r, size, d.offset, left)
		if err != nil {
			return err
		}
		n = max64(n, int64(d.records))
		if err := w.addEntries(st, n, fmt.Sprintf("zip central directory holds %d entries", n)); err != nil {
			return err
		}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return err
	}
	zr.RegisterDecompressor(zip.Deflate, inflate)
	// Names are decoded in place, once; the few that are not valid are
	// remembered.
	var badNames map[int]bool
	for i, f := range zr.File {
		name, ok := zipName(f.Name, f.Flags, f.CreatorVersion, f.Extra, w.NameEncoding)
		f.Name = name
		if !ok {
			if badNames == nil {
				badNames = make(map[int]bool)
			}
			badNames[i] = true
		}
	}
	occ := zipOccurrences(zr.File)
	for i, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		fi := f.FileInfo()
		if fi.IsDir() {
			continue
		}
		m := member{name: f.Name, occurrence: max(occ[i], 1), size: int64(f.UncompressedSize64), mode: fi.Mode(), encrypted: f.Flags&0x1 != 0}
		if badNames[i] {
			m.nameErr = errNameNotUTF8
		}
		if m.mode&fs.ModeSymlink != 0 {
			m.link = true
		}
		m.open = func() (io.ReadCloser, error) {
			fixDescriptor(r, f)
			rc, err := f.Open()
			if errors.Is(err, zip.ErrAlgorithm) {
				return nil, fmt.Errorf("compression method %d is not supported", f.Method)
			}
			return rc, err
		}
		if err := handle(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// zipOccurrences returns, by index in files, the occurrence of every file
// that is not the first of its name (directories are not counted). It
// sorts an index, 4 bytes an entry, rather than holding every name in a
// map.
func zipOccurrences(files []*zip.File) map[int]int {
	idx := make([]int32, 0, len(files))
	for i, f := range files {
		if !f.FileInfo().IsDir() {
			idx = append(idx, int32(i))
		}
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return strings.Compare(files[a].Name, files[b].Name) })
	var occ map[int]int
	for i := 1; i < len(idx); i++ {
		if files[idx[i]].Name != files[idx[i-1]].Name {
			continue
		}
		if occ == nil {
			occ = make(map[int]int)
		}
		occ[int(idx[i])] = max(occ[int(idx[i-1])], 1) + 1
	}
	return occ
}

// fixDescriptor clears the data descriptor flag of f when no descriptor
// (with or without its signature) with f's CRC-32 follows its data, so
// that the zip reader checks the data against the central directory
// alone. A local header that sets the flag where the central directory
// does not changes nothing: the reader reads the flags of the central
// directory.
func fixDescriptor(r io.ReaderAt, f *zip.File) {
	if f.Flags&zipFlagDescriptor == 0 {
		return
	}
	off, err := f.DataOffset()
	if err != nil {
		return // Open reports it
	}
	var b [zipDescriptorBytes]byte
	n, _ := r.ReadAt(b[:], off+int64(f.CompressedSize64))
	crc := func(at int) bool { return n >= at+4 && binary.LittleEndian.Uint32(b[at:]) == f.CRC32 }
	if n >= 4 && binary.LittleEndian.Uint32(b[:]) == zipDescriptorSig && crc(4) || crc(0) {
		return
	}
	f.Flags &^= zipFlagDescriptor
}

// inflater is a Deflate decompressor and the buffered reader it reads
// through, kept from member to member (inflaters). The zip package's own
// keeps the decompressor but gives each member a new 4 KiB buffer: most
// of what a member of a tiny snapshot allocated
// (BenchmarkWalkSmallZips).
type inflater struct {
	br *bufio.Reader
	fr io.ReadCloser // a flate.Resetter
}

var inflaters sync.Pool

// inflate is the zip Deflate decompressor of the walk: the member's
// compressed bytes r, inflated by a pooled inflater.
func inflate(r io.Reader) io.ReadCloser {
	f, _ := inflaters.Get().(*inflater)
	if f == nil {
		f = &inflater{br: bufio.NewReaderSize(r, 4<<10)}
		f.fr = flate.NewReader(f.br)
	} else {
		f.br.Reset(r)
		if err := f.fr.(flate.Resetter).Reset(f.br, nil); err != nil {
			return io.NopCloser(errReader{err})
		}
	}
	return &pooledInflater{f: f}
}

// pooledInflater reads from its inflater until Close gives it back. A
// big member is read on one goroutine and may be closed from another
// (copyAhead): the mutex orders the two.
type pooledInflater struct {
	mu sync.Mutex
	f  *inflater
}

func (p *pooledInflater) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return 0, errors.New("read after close")
	}
	return p.f.fr.Read(b)
}

func (p *pooledInflater) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return nil
	}
	err := p.f.fr.Close() // as the zip package's: the stream's error
	p.f.br.Reset(nil)     // keep no reference to the member
	inflaters.Put(p.f)
	p.f = nil
	return err
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
