package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// rz is a zip entry written raw (zip.Writer.CreateRaw): every header
// field as given, the data stored.
type rz struct {
	Name    string
	Data    string
	Method  uint16 // zip.Store when 0; the data is written as it is
	Flags   uint16
	Creator uint16 // "version made by": host << 8
	Attrs   uint32 // external attributes (Unix mode << 16)
	Extra   []byte
}

// rawZip builds a zip whose headers say exactly what files say.
func rawZip(tb testing.TB, files ...rz) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		h := &zip.FileHeader{
			Name: f.Name, Method: f.Method, Flags: f.Flags, CreatorVersion: f.Creator, ExternalAttrs: f.Attrs, Extra: f.Extra,
			CRC32: crc32.ChecksumIEEE([]byte(f.Data)), CompressedSize64: uint64(len(f.Data)), UncompressedSize64: uint64(len(f.Data)),
		}
		w, err := zw.CreateRaw(h)
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

// setZipFlags sets (or, with clear, clears) bits in the general purpose
// flags of every local header (local) or central directory header.
func setZipFlags(b []byte, local bool, bits uint16, clear bool) []byte {
	sig, at := []byte("PK\x01\x02"), 8
	if local {
		sig, at = []byte("PK\x03\x04"), 6
	}
	b = bytes.Clone(b)
	for i := 0; ; {
		j := bytes.Index(b[i:], sig)
		if j < 0 {
			return b
		}
		p := i + j + at
		v := binary.LittleEndian.Uint16(b[p:])
		if clear {
			v &^= bits
		} else {
			v |= bits
		}
		binary.LittleEndian.PutUint16(b[p:], v)
		i += j + 4
	}
}

// unicodePathField is an Info-ZIP Unicode Path extra field (0x7075) that
// gives name for the raw name raw.
func unicodePathField(raw, name string) []byte {
	f := binary.LittleEndian.AppendUint16(nil, 0x7075)
	f = binary.LittleEndian.AppendUint16(f, uint16(5+len(name)))
	f = append(f, 1)
	f = binary.LittleEndian.AppendUint32(f, crc32.ChecksumIEEE([]byte(raw)))
	return append(f, name...)
}

// rawTarHeader is a ustar header block for an entry of any type,
// followed by its data padded to a block, written byte by byte where
// archive/tar's writer refuses types it does not know.
func rawTarHeader(name string, typ byte, data string) []byte {
	h := make([]byte, 512)
	copy(h, name)
	copy(h[100:], "0000644\x00")
	copy(h[108:], "0000000\x00")
	copy(h[116:], "0000000\x00")
	copy(h[124:], fmt.Sprintf("%011o\x00", len(data)))
	copy(h[136:], "00000000000\x00")
	h[156] = typ
	copy(h[257:], "ustar\x0000")
	copy(h[148:], "        ")
	var sum int
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:], fmt.Sprintf("%06o\x00 ", sum))
	pad := (512 - len(data)%512) % 512
	return append(append(h, data...), make([]byte, pad)...)
}

// tarEnd ends a tar stream.
var tarEnd = make([]byte, 1024)

func entryTests() []walkTest {
	const unixSymlink = 0o120777 << 16
	return []walkTest{{
		// Item 10: a symbolic link stored with a compression method no
		// reader knows ended the whole zip; now it is one problem.
		Name: "ZipBadEntryOthersRead",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: rawZip(tb,
				rz{Name: "first.csv", Data: csv1},
				rz{Name: "link.csv", Data: "target.csv", Method: 99, Creator: 3 << 8, Attrs: unixSymlink},
				rz{Name: "lib.so", Data: "lib.so.1", Method: 99, Creator: 3 << 8, Attrs: unixSymlink},
				rz{Name: "odd.csv", Data: "x", Method: 99},
				rz{Name: "last.csv", Data: csv1},
			)}}
		},
		Want: []got{
			{"site/a.zip!/first.csv", "first.csv", 12, 1, csv1},
			{"site/a.zip!/last.csv", "last.csv", 12, 1, csv1},
		},
		WantProblems: []wantProblem{
			{"site/a.zip!/link.csv", "link member: links are not followed"},
			{"site/a.zip!/odd.csv", "compression method 99 is not supported"},
		},
		WantSkipped: 1,
	}, {
		// Item 13: tar metadata entries, whatever their names, are no
		// members; a link is reported in the same words in every format.
		Name: "TarMetadataIsNotData",
		Files: func(tb testing.TB) []file {
			var t bytes.Buffer
			t.Write(rawTarHeader("pax_global_header", tar.TypeXGlobalHeader, "17 comment=x.csv\n"))
			t.Write(rawTarHeader("site.csv", 'V', ""))
			t.Write(rawTarHeader("data/LINE01.csv", 'A', "user::rw-,group::r--,other::r--\x00"))
			t.Write(rawTarHeader("data/LINE01.csv", 'X', "attrs"))
			t.Write(rawTarHeader("data/", tar.TypeDir, ""))
			t.Write(rawTarHeader("data/LINE01.csv", tar.TypeReg, csv1))
			t.Write(rawTarHeader("data/more.csv", 'M', "partial"))
			t.Write(rawTarHeader("data/odd.csv", 'Q', "what"))
			t.Write(tarEnd)
			return []file{
				{Path: "site/a.tar", Data: t.Bytes()},
				{Path: "site/b.zip", Data: rawZip(tb, rz{Name: "link.csv", Data: "x.csv", Creator: 3 << 8, Attrs: unixSymlink})},
				{Path: "site/c.rar", Data: rar5Of(tb,
					rf{Name: "sym.csv", Redirect: 1}, rf{Name: "hard.csv", Redirect: 4}, rf{Name: "copy.csv", Redirect: 5},
					rf{Name: "real.csv", Data: csv1})},
			}
		},
		Want: []got{
			{"site/a.tar!/data/LINE01.csv", "data/LINE01.csv", 12, 1, csv1},
			{"site/c.rar!/real.csv", "real.csv", 12, 1, csv1},
		},
		WantProblems: []wantProblem{
			{"site/a.tar!/data/more.csv", "continuation of a file from another volume"},
			{"site/a.tar!/data/odd.csv", "tar entry of unknown type 'Q'"},
			{"site/b.zip!/link.csv", "link member: links are not followed"},
			{"site/c.rar!/sym.csv", "link member: links are not followed"},
			{"site/c.rar!/hard.csv", "link member: links are not followed"},
			{"site/c.rar!/copy.csv", "link member: links are not followed"},
		},
		WantSkipped: 0,
	}, {
		// Item 12: the same path twice (tar -r, tar -u, zips with
		// repeated names): each copy has a locator of its own; a real
		// '#' in a name is doubled so that no name can pass for a copy.
		Name: "DuplicateMembers",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/a.tar", Data: tarOf(tb,
					tf{Name: "data/LINE01.csv", Data: "a\n1\n"},
					tf{Name: "data/LINE01.csv#2", Data: "real name\n"},
					tf{Name: "data/LINE01.csv", Data: csv1},
					tf{Name: "data/LINE01.csv", Data: "a\n3\n"},
				)},
				{Path: "site/b.zip", Data: zipOf(tb,
					zf{Name: "data/LINE01.csv", Data: "a\n1\n"},
					zf{Name: "x#1.csv", Data: "hash\n"},
					zf{Name: "data/LINE01.csv", Data: csv1},
				)},
			}
		},
		Want: []got{
			{"site/a.tar!/data/LINE01.csv", "data/LINE01.csv", 4, 1, "a\n1\n"},
			{"site/a.tar!/data/LINE01.csv#2", "data/LINE01.csv", 12, 1, csv1},
			{"site/a.tar!/data/LINE01.csv#3", "data/LINE01.csv", 4, 1, "a\n3\n"},
			{"site/b.zip!/data/LINE01.csv", "data/LINE01.csv", 4, 1, "a\n1\n"},
			{"site/b.zip!/data/LINE01.csv#2", "data/LINE01.csv", 12, 1, csv1},
			{"site/b.zip!/x##1.csv", "x#1.csv", 5, 1, "hash\n"},
		},
		WantSkipped: 1,
	}, {
		// Item 14: one file, zipped by tools that spell its name in
		// different ways, has one key.
		Name: "ZipNameEncodings",
		Files: func(tb testing.TB) []file {
			const name = "données/Ä.csv"
			cp437, err := charmap.CodePage437.NewEncoder().String(name)
			if err != nil {
				tb.Fatal(err)
			}
			cp1252, err := charmap.Windows1252.NewEncoder().String(name)
			if err != nil {
				tb.Fatal(err)
			}
			return []file{
				{Path: "site/flag.zip", Data: rawZip(tb, rz{Name: name, Data: csv1, Flags: 0x800})},
				{Path: "site/cp437.zip", Data: rawZip(tb, rz{Name: cp437, Data: csv1})},
				{Path: "site/infozip.zip", Data: rawZip(tb, rz{Name: cp1252, Data: csv1, Creator: 3 << 8, Extra: unicodePathField(cp1252, name)})},
				{Path: "site/unix.zip", Data: rawZip(tb, rz{Name: name, Data: csv1, Creator: 3 << 8})},
				{Path: "site/stale.zip", Data: rawZip(tb, rz{Name: cp437, Data: csv1, Extra: unicodePathField("old.csv", "old.csv")})},
				{Path: "site/bad.zip", Data: rawZip(tb, rz{Name: "bad\xff.csv", Data: csv1, Flags: 0x800})},
				{Path: "site/t.tar", Data: tarOf(tb, tf{Name: cp1252, Data: csv1})},
			}
		},
		Want: []got{
			{"site/cp437.zip!/données/Ä.csv", "données/Ä.csv", 12, 1, csv1},
			{"site/flag.zip!/données/Ä.csv", "données/Ä.csv", 12, 1, csv1},
			{"site/infozip.zip!/données/Ä.csv", "données/Ä.csv", 12, 1, csv1},
			{"site/stale.zip!/données/Ä.csv", "données/Ä.csv", 12, 1, csv1},
			{"site/unix.zip!/données/Ä.csv", "données/Ä.csv", 12, 1, csv1},
		},
		WantProblems: []wantProblem{
			{"site/bad.zip!/bad\uFFFD.csv", "member name is not valid UTF-8"},
			{"site/t.tar!/donn\uFFFDes/\uFFFD.csv", "member name is not valid UTF-8"},
		},
	}, {
		Name: "NameEncodingSetting",
		Files: func(tb testing.TB) []file {
			cp866, err := charmap.CodePage866.NewEncoder().String("данные/ЛИНИЯ.csv")
			if err != nil {
				tb.Fatal(err)
			}
			return []file{
				{Path: "site/ru.zip", Data: rawZip(tb, rz{Name: cp866, Data: csv1, Creator: 11 << 8})},
				{Path: "site/ru.tar", Data: tarOf(tb, tf{Name: cp866, Data: csv1})},
				{Path: "site/utf8.tar", Data: tarOf(tb, tf{Name: "данные/ЛИНИЯ.csv", Data: csv1})},
			}
		},
		Walker: Walker{NameEncoding: charmap.CodePage866},
		Want: []got{
			{"site/ru.tar!/данные/ЛИНИЯ.csv", "данные/ЛИНИЯ.csv", 12, 1, csv1},
			{"site/ru.zip!/данные/ЛИНИЯ.csv", "данные/ЛИНИЯ.csv", 12, 1, csv1},
			{"site/utf8.tar!/данные/ЛИНИЯ.csv", "данные/ЛИНИЯ.csv", 12, 1, csv1},
		},
	}, {
		// Issue 10 item 7: the entry count is read before the zip
		// reader holds the directory; nested archives share one budget.
		Name: "ZipEntryLimit",
		Files: func(tb testing.TB) []file {
			four := func(p string) string {
				return string(zipOf(tb, zf{Name: p + "1.csv", Data: csv1}, zf{Name: p + "2.md"}, zf{Name: p + "3.md"}, zf{Name: p + "4.md"}))
			}
			return []file{
				{Path: "site/claims.zip", Data: claimingZip(tb, 60_000, false)},
				{Path: "site/claims64.zip", Data: claimingZip(tb, 2_000_000, true)},
				{Path: "site/nested.zip", Data: zipOf(tb, zf{Name: "top.csv", Data: csv1}, zf{Name: "inner.zip", Data: string(claimingZip(tb, 2_000_000, true))})},
				{Path: "site/budget.zip", Data: zipOf(tb, zf{Name: "a.zip", Data: four("a")}, zf{Name: "b.zip", Data: four("b")}, zf{Name: "c.zip", Data: four("c")})},
				{Path: "site/stream.tar", Data: tarOf(tb, tf{Name: "1.csv", Data: csv1}, tf{Name: "2.md"}, tf{Name: "3.md"}, tf{Name: "a.zip", Data: four("a")}, tf{Name: "x.csv", Data: csv1},
					tf{Name: "4.md"}, tf{Name: "5.md"}, tf{Name: "6.md"}, tf{Name: "y.csv", Data: csv1})},
			}
		},
		Walker: Walker{MaxEntries: 12, MaxEntriesSetting: "--max-entries"},
		Want: []got{
			{"site/budget.zip!/a.zip!/a1.csv", "a1.csv", 12, 2, csv1},
			{"site/budget.zip!/b.zip!/b1.csv", "b1.csv", 12, 2, csv1},
			{"site/nested.zip!/top.csv", "top.csv", 12, 1, csv1},
			{"site/stream.tar!/1.csv", "1.csv", 12, 1, csv1},
			{"site/stream.tar!/a.zip!/a1.csv", "a1.csv", 12, 2, csv1},
			{"site/stream.tar!/x.csv", "x.csv", 12, 1, csv1},
		},
		WantProblems: []wantProblem{
			{"site/claims.zip", "zip central directory lists 60000 entries: over the limit of 12 entries per input (--max-entries)"},
			{"site/claims64.zip", "zip central directory lists 2000000 entries: over the limit of 12 entries per input"},
			{"site/nested.zip!/inner.zip", "zip central directory lists 2000000 entries, 2000002 with the archives before it"},
			{"site/budget.zip!/c.zip", "zip central directory lists 4 entries, 15 with the archives before it: over the limit of 12"},
			{"site/stream.tar", "more than 12 entries in this input"},
		},
		WantSkipped: -1,
	}}
}

// claimingZip is an empty zip whose end of central directory record (or
// zip64 record) claims n entries: a few dozen bytes.
func claimingZip(tb testing.TB, n uint64, zip64 bool) []byte {
	tb.Helper()
	var b []byte
	if zip64 {
		rec := binary.LittleEndian.AppendUint32(nil, 0x06064b50)
		rec = binary.LittleEndian.AppendUint64(rec, 44)
		rec = binary.LittleEndian.AppendUint16(rec, 45)
		rec = binary.LittleEndian.AppendUint16(rec, 45)
		rec = binary.LittleEndian.AppendUint32(rec, 0)
		rec = binary.LittleEndian.AppendUint32(rec, 0)
		rec = binary.LittleEndian.AppendUint64(rec, n) // entries on this disk
		rec = binary.LittleEndian.AppendUint64(rec, n) // entries
		rec = binary.LittleEndian.AppendUint64(rec, 0) // directory size
		rec = binary.LittleEndian.AppendUint64(rec, 0) // directory offset
		b = append(b, rec...)
		loc := binary.LittleEndian.AppendUint32(nil, 0x07064b50)
		loc = binary.LittleEndian.AppendUint32(loc, 0)
		loc = binary.LittleEndian.AppendUint64(loc, 0) // offset of the zip64 record
		loc = binary.LittleEndian.AppendUint32(loc, 1)
		b = append(b, loc...)
	}
	count := uint16(n)
	if zip64 {
		count = 0xffff
	}
	end := binary.LittleEndian.AppendUint32(nil, 0x06054b50)
	end = binary.LittleEndian.AppendUint16(end, 0)
	end = binary.LittleEndian.AppendUint16(end, 0)
	end = binary.LittleEndian.AppendUint16(end, count)
	end = binary.LittleEndian.AppendUint16(end, count)
	end = binary.LittleEndian.AppendUint32(end, 0)
	end = binary.LittleEndian.AppendUint32(end, uint32(len(b))) // directory offset: right before
	if zip64 {
		end = binary.LittleEndian.AppendUint32(end[:len(end)-4], 0xffffffff)
	}
	end = binary.LittleEndian.AppendUint16(end, 0)
	return append(b, end...)
}

func TestWalkEntries(t *testing.T) {
	for _, tt := range entryTests() {
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}

// TestZipHeadersDisagree checks zips whose local header and central
// directory disagree about the data descriptor (general purpose bit 3)
// are read as unzip reads them: no false checksum error, and a real one
// still found.
func TestZipHeadersDisagree(t *testing.T) {
	const data = "a,b\n1,2\n"
	streamed := zipOf(t, zf{Name: "x.csv", Data: data, Store: true}) // bit 3 and a descriptor
	plain := rawZip(t, rz{Name: "x.csv", Data: data})                // no bit 3, no descriptor
	corrupt := func(b []byte) []byte {
		b = bytes.Clone(b)
		b[bytes.Index(b, []byte("1,2"))] = '9'
		return b
	}
	tests := []struct {
		Name    string
		Zip     []byte
		WantErr string // "" when the member reads well
		// unzip tests the member OK but then refuses the zip, since the
		// descriptor that the local header announces would overlap the
		// central directory; libarchive (bsdtar) reads it.
		UnzipOverlap bool
	}{
		{Name: "CentralSaysDescriptorNoneWritten", Zip: setZipFlags(plain, false, 0x8, false)},
		{Name: "LocalSaysDescriptorNoneWritten", Zip: setZipFlags(plain, true, 0x8, false), UnzipOverlap: true},
		{Name: "LocalClearedDescriptorWritten", Zip: setZipFlags(streamed, true, 0x8, true)},
		{Name: "CentralClearedDescriptorWritten", Zip: setZipFlags(streamed, false, 0x8, true)},
		{Name: "CentralSaysDescriptorCorruptData", Zip: corrupt(setZipFlags(plain, false, 0x8, false)), WantErr: "checksum mismatch"},
		{Name: "StreamedCorruptData", Zip: corrupt(streamed), WantErr: "checksum mismatch"},
	}
	unzip, _ := exec.LookPath("unzip")
	bsdtar, _ := exec.LookPath("bsdtar")
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "a.zip")
			if err := os.WriteFile(p, tt.Zip, 0o644); err != nil {
				t.Fatal(err)
			}
			r := &recorder{}
			w := Walker{TempDir: dir, Problem: r.problem}
			if err := w.WalkInput(t.Context(), Input{Path: p, Source: "a.zip", Key: "a.zip", Size: int64(len(tt.Zip))}, r.fn); err != nil {
				t.Fatal(err)
			}
			var errs []string
			for _, pe := range r.problems {
				errs = append(errs, pe.Error())
			}
			switch {
			case tt.WantErr == "" && (len(errs) > 0 || len(r.entries) != 1 || r.entries[0].Data != data):
				t.Errorf("got entries %v, problems %q; want x.csv read", r.entries, errs)
			case tt.WantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0], tt.WantErr)):
				t.Errorf("got problems %q, want one that says %q", errs, tt.WantErr)
			}
			if bsdtar != "" && tt.WantErr == "" {
				out, err := exec.Command(bsdtar, "-xOf", p, "x.csv").Output()
				if err != nil || string(out) != data {
					t.Errorf("bsdtar -xO read %q (%v), want %q", out, err, data)
				}
			}
			if unzip == "" {
				t.Log("no unzip here: not compared")
				return
			}
			out, err := exec.Command(unzip, "-t", p).CombinedOutput()
			switch unzipOK := err == nil; {
			case tt.UnzipOverlap:
				if !bytes.Contains(out, []byte("x.csv                    OK")) || !bytes.Contains(out, []byte("overlapped components")) {
					t.Errorf("unzip -t, expected to test x.csv OK and refuse the overlap, said:\n%s", out)
				}
			case unzipOK != (tt.WantErr == ""):
				t.Errorf("unzip -t disagrees (ok=%t):\n%s", unzipOK, out)
			}
		})
	}
}

// TestOpenDuplicateMembers checks that Open of each copy's locator reads
// the bytes the walk gave for it.
func TestOpenDuplicateMembers(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	files := []file{
		{Path: "site/a.tar.gz", Data: compress(t, ".gz", tarOf(t,
			tf{Name: "data/LINE01.csv", Data: "a\n1\n"}, tf{Name: "data/LINE01.csv", Data: csv1}))},
		{Path: "site/b.zip", Data: zipOf(t,
			zf{Name: "data/LINE01.csv", Data: "a\n1\n"}, zf{Name: "in.zip", Data: string(zipOf(t, zf{Name: "x#2.csv", Data: "1"}, zf{Name: "x#2.csv", Data: "2"}))},
			zf{Name: "data/LINE01.csv", Data: csv1})},
	}
	writeTree(t, ".", files)
	ins, err := Expand(t.Context(), []string{"site"})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	w := Walker{TempDir: dir, Problem: r.problem}
	if err := w.Walk(t.Context(), ins, r.fn); err != nil {
		t.Fatal(err)
	}
	r.checkProblems(t, nil)
	if len(r.entries) != 6 {
		t.Fatalf("walk gave %d entries, want 6: %v", len(r.entries), r.entries)
	}
	sums := make(map[[32]byte]string)
	for _, e := range r.entries {
		want := sha256.Sum256([]byte(e.Data))
		if s, dup := sums[want]; dup && !strings.Contains(e.Data, "a\n1") && e.Data != csv1 {
			t.Errorf("%s and %s have the same bytes", s, e.Source)
		}
		sums[want] = e.Source
		var gotSum [32]byte
		err := w.Open(t.Context(), "", e.Source, func(r io.Reader) error {
			var err error
			gotSum, err = sumOf(r)
			return err
		})
		if err != nil {
			t.Errorf("Open(%q): %v", e.Source, err)
		} else if gotSum != want {
			t.Errorf("Open(%q) read other bytes than the walk gave", e.Source)
		}
	}
	for _, src := range []string{"site/b.zip!/in.zip!/x##2.csv#2", "site/a.tar.gz!/data/LINE01.csv#2"} {
		if _, ok := sums[sha256.Sum256([]byte(map[string]string{"site/b.zip!/in.zip!/x##2.csv#2": "2", "site/a.tar.gz!/data/LINE01.csv#2": csv1}[src]))]; !ok {
			t.Errorf("no entry with the bytes of %s", src)
		}
	}
	if err := w.Open(t.Context(), "", "site/b.zip!/data/LINE01.csv#3", func(io.Reader) error { return nil }); err == nil {
		t.Errorf("Open of a third copy that does not exist: no error")
	}
}

// TestZipNamesFromRealTools: Info-ZIP zip (which writes UTF-8 names
// unflagged, without a Unicode Path field, from a Unix host) and
// libarchive give the key a Go-written, flagged zip gives.
func TestZipNamesFromRealTools(t *testing.T) {
	const name = "données/Ä.csv"
	tools := map[string][]string{
		"zip":    {"zip", "-q", "-r", "OUT", "données"},
		"bsdtar": {"bsdtar", "--format", "zip", "-cf", "OUT", "données"},
	}
	for tool, args := range tools {
		t.Run(tool, func(t *testing.T) {
			if _, err := exec.LookPath(args[0]); err != nil {
				t.Skipf("no %s here", args[0])
			}
			dir := t.TempDir()
			writeTree(t, dir, []file{{Path: name, Data: []byte(csv1)}})
			out := filepath.Join(dir, "a.zip")
			args := append([]string(nil), args...)
			for i, a := range args {
				if a == "OUT" {
					args[i] = out
				}
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", args, err, b)
			}
			r := &recorder{}
			w := Walker{TempDir: dir, Problem: r.problem}
			if err := w.WalkInput(t.Context(), Input{Path: out, Source: "a.zip", Key: "a.zip"}, r.fn); err != nil {
				t.Fatal(err)
			}
			r.checkProblems(t, nil)
			if len(r.entries) != 1 || r.entries[0].Key != name || r.entries[0].Source != "a.zip!/"+name {
				t.Errorf("entries %v, want one with key %q", r.entries, name)
			}
		})
	}
}
