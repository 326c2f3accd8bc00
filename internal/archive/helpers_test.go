package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mholt/archives"

	"github.com/siftload/siftload/internal/problem"
)

// zf is a zip member to write.
type zf struct {
	Name  string
	Data  string
	Store bool   // zip.Store instead of zip.Deflate
	Flags uint16 // general purpose flags (0x1: encrypted)
}

// zipOf builds a zip archive with archive/zip.
func zipOf(tb testing.TB, files ...zf) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Flags: f.Flags}
		if f.Store {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(w, f.Data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// tf is a tar member to write.
type tf struct {
	Name string
	Data string
	Type byte // tar.TypeReg when 0
	Link string
}

// tarOf builds a tar archive with archive/tar.
func tarOf(tb testing.TB, files ...tf) []byte {
	tb.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Mode: 0o644, Size: int64(len(f.Data)), Typeflag: f.Type, Linkname: f.Link, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(tw, f.Data); err != nil && h.Typeflag == tar.TypeReg {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// compress compresses b with the format of ext (".gz", ".bz2", ".xz",
// ".zst"), using the writers of mholt/archives (klauspost gzip and zstd,
// dsnet bzip2, ulikunitz xz).
func compress(tb testing.TB, ext string, b []byte) []byte {
	tb.Helper()
	formats := map[string]archives.Compressor{".gz": archives.Gz{}, ".bz2": archives.Bz2{}, ".xz": archives.Xz{}, ".zst": archives.Zstd{}}
	var out bytes.Buffer
	w, err := formats[ext].OpenWriter(&out)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// rf is a rar member to write.
type rf struct {
	Name      string
	Data      string
	Encrypted bool // adds a file encryption record (the data stays plain)
	Redirect  int  // adds a file system redirection record of this type (1 symlink ... 5 file copy)
}

// rar5Of builds a RAR 5.0 archive of stored (uncompressed) files. There
// is no Go rar writer and no rar tool here, so this writes the blocks as
// the RAR 5.0 archive format note describes them: signature, main header,
// one file header with its data per file, end of archive header.
func rar5Of(tb testing.TB, files ...rf) []byte {
	tb.Helper()
	return rar5Archive(tb, 0, files...)
}

// rar5Archive is rar5Of with the main archive header's archive flags set to
// archiveFlags (0x0001: a volume of a multi-volume set; the first volume
// has no volume number field).
func rar5Archive(tb testing.TB, archiveFlags int, files ...rf) []byte {
	tb.Helper()
	vint := func(b []byte, v int) []byte { return binary.AppendUvarint(b, uint64(v)) }
	var out bytes.Buffer
	out.WriteString("Rar!\x1a\x07\x01\x00")
	block := func(typ, flags int, fields, extra, data []byte) {
		h := vint(vint(nil, typ), flags)
		if flags&0x1 != 0 {
			h = vint(h, len(extra))
		}
		if flags&0x2 != 0 {
			h = vint(h, len(data))
		}
		h = append(append(h, fields...), extra...)
		h = append(vint(nil, len(h)), h...)
		out.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(h)))
		out.Write(h)
		out.Write(data)
	}
	block(1, 0, vint(nil, archiveFlags), nil, nil) // main archive header
	for _, f := range files {
		fields := vint(nil, 0x4)           // file flags: CRC32 present
		fields = vint(fields, len(f.Data)) // unpacked size
		fields = vint(fields, 0x20)        // attributes: archive
		fields = binary.LittleEndian.AppendUint32(fields, crc32.ChecksumIEEE([]byte(f.Data)))
		fields = vint(fields, 0) // compression: version 0, method 0 (store)
		fields = vint(fields, 0) // host OS: Windows
		fields = vint(fields, len(f.Name))
		fields = append(fields, f.Name...)
		flags := 0x2 // data area present
		var extra []byte
		if f.Encrypted {
			rec := vint(vint(vint(nil, 1), 0), 0)  // type 1 (encryption), version 0, flags 0
			rec = append(rec, 15)                  // KDF count
			rec = append(rec, make([]byte, 32)...) // salt, IV
			extra = append(vint(nil, len(rec)), rec...)
			flags |= 0x1
		}
		if f.Redirect != 0 {
			rec := vint(vint(vint(nil, 5), f.Redirect), 0) // type 5 (redirection), link type, flags
			rec = vint(rec, len("target.csv"))
			rec = append(rec, "target.csv"...)
			extra = append(extra, append(vint(nil, len(rec)), rec...)...)
			flags |= 0x1
		}
		block(2, flags, fields, extra, []byte(f.Data))
	}
	block(5, 0, vint(nil, 0), nil, nil) // end of archive
	return out.Bytes()
}

// testdata is the absolute path of testdata, since tests change directory.
var testdata, _ = filepath.Abs("testdata")

// fixture returns a file of testdata.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// numbers returns n lines of numbers that do not compress well.
func numbers(n int) string {
	var b strings.Builder
	x := uint32(1)
	for i := range n {
		x = x*1664525 + 1013904223
		fmt.Fprintf(&b, "%d,%d\n", i, x)
	}
	return b.String()
}

// file is a file of a test tree.
type file struct {
	Path string // slash path under the tree's root
	Data []byte
	Link string // when set, the file is a symbolic link to Link
}

// writeTree writes files under dir.
func writeTree(tb testing.TB, dir string, files []file) {
	tb.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if f.Link != "" {
			if err := os.Symlink(f.Link, p); err != nil {
				tb.Skip("no symbolic links here:", err)
			}
			continue
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// got is what a walk saw of one entry.
type got struct {
	Source string
	Key    string
	Size   int64
	Depth  int
	Data   string
}

func (g got) String() string {
	short := func(s string) string {
		if len(s) <= 200 {
			return fmt.Sprintf("%q", s)
		}
		return fmt.Sprintf("%q...(%d bytes)", s[:100], len(s))
	}
	return fmt.Sprintf("{%s %s %d %d %s}", short(g.Source), short(g.Key), g.Size, g.Depth, short(g.Data))
}

// wantProblem is a problem a walk must report: its exact source and a
// part of its reason.
type wantProblem struct {
	Source   string
	Contains string
}

// recorder collects what walks report; it is safe for concurrent use.
type recorder struct {
	mu       sync.Mutex
	entries  []got
	problems []*problem.Error
}

func (r *recorder) problem(pe *problem.Error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, pe)
}

// fn reads each entry to the end and records it when the read went well.
func (r *recorder) fn(_ context.Context, e Entry) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, rc); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, got{e.Source, e.Key, e.Size, e.Depth, b.String()})
	return nil
}

// sortedEntries returns the entries sorted by source.
func (r *recorder) sortedEntries() []got {
	out := slices.Clone(r.entries)
	slices.SortFunc(out, func(a, b got) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// checkProblems compares the problems seen with want, ignoring order.
func (r *recorder) checkProblems(tb testing.TB, want []wantProblem) {
	tb.Helper()
	seen := make([]bool, len(r.problems))
next:
	for _, w := range want {
		for i, pe := range r.problems {
			if !seen[i] && pe.Source == w.Source && strings.Contains(pe.Err.Error(), w.Contains) {
				seen[i] = true
				continue next
			}
		}
		tb.Errorf("missing problem %s: ...%s...", w.Source, w.Contains)
	}
	for i, pe := range r.problems {
		if !seen[i] {
			tb.Errorf("unexpected problem %v", pe)
		}
	}
}
