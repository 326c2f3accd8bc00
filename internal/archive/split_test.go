package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/testenv"
)

// rar5VolumeOf builds a RAR 5.0 archive as rar5Of does, with a main
// header that says it is volume vol (0 for the first) of a set.
func rar5VolumeOf(tb testing.TB, vol int, files ...rf) []byte {
	tb.Helper()
	b := rar5Of(tb, files...)
	// rar5Of's main header: CRC32, size 3, type 1, flags 0, archive flags 0.
	const start, end = 8, 8 + 4 + 4
	if !bytes.Equal(b[start+4:end], []byte{3, 1, 0, 0}) {
		tb.Fatalf("unexpected rar5Of main header % x", b[start:end])
	}
	arcFlags := uint64(0x1) // volume
	h := []byte{1, 0}       // type 1 (main), no header flags
	if vol > 0 {
		arcFlags |= 0x2 // volume number present
		h = binary.AppendUvarint(h, arcFlags)
		h = binary.AppendUvarint(h, uint64(vol))
	} else {
		h = binary.AppendUvarint(h, arcFlags)
	}
	h = append(binary.AppendUvarint(nil, uint64(len(h))), h...)
	main := append(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(h)), h...)
	return slices.Concat(b[:start], main, b[end:])
}

// rar15VolumeHead is the signature and main header of a RAR 1.5-4.x
// volume (flags 0x0001), as the RAR 4 technote describes them; nothing
// follows.
func rar15VolumeHead() []byte {
	h := []byte{0x73, 0x01, 0x00, 13, 0, 0, 0, 0, 0, 0, 0, 0} // type, flags, size, reserved
	crc := uint16(crc32.ChecksumIEEE(h))
	return slices.Concat([]byte("Rar!\x1a\x07\x00"), binary.LittleEndian.AppendUint16(nil, crc), h)
}

// spannedZip returns a zip whose end record says it is the last part
// (disk 2, central directory on disk 2) of a three-part spanned zip, as
// "zip -s" writes the .zip of a set whose .z01 and .z02 hold the rest.
func spannedZip(tb testing.TB) []byte {
	tb.Helper()
	b := zipOf(tb, zf{Name: "big.csv", Data: csv1})
	i := bytes.LastIndex(b, []byte("PK\x05\x06"))
	binary.LittleEndian.PutUint16(b[i+4:], 2)
	binary.LittleEndian.PutUint16(b[i+6:], 2)
	return b
}

// zipTool runs the zip command in dir, or skips (fails with
// SIFTLOAD_TEST_DISALLOW_SKIP) when there is none.
func zipTool(tb testing.TB, dir string, args ...string) {
	tb.Helper()
	p, err := exec.LookPath("zip")
	if err != nil {
		testenv.Skip(tb, "no zip command")
	}
	cmd := exec.Command(p, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}

// toolFiles returns the files that make(dir) leaves in dir, as a tree
// under site/.
func toolFiles(tb testing.TB, make func(dir string)) []file {
	tb.Helper()
	dir := tb.TempDir()
	make(dir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var fs []file
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		fs = append(fs, file{Path: "site/" + e.Name(), Data: b})
	}
	return fs
}

func TestWalkSplit(t *testing.T) {
	big := csvRows(4000)    // about 60 KB
	bigger := csvRows(6000) // about 93 KB: two parts of 64 KiB
	tests := []walkTest{{
		Name: "SevenZipVolumes",
		Files: func(tb testing.TB) []file {
			tool := sevenZipTool(tb)
			return toolFiles(tb, func(dir string) {
				src := filepath.Join(tb.TempDir(), "big.csv")
				if err := os.WriteFile(src, []byte(big), 0o644); err != nil {
					tb.Fatal(err)
				}
				cmd := exec.Command(tool, "a", "-bd", "-mx0", "-v25k", filepath.Join(dir, "v.7z"), src)
				if out, err := cmd.CombinedOutput(); err != nil {
					tb.Fatalf("%s: %v\n%s", cmd, err, out)
				}
			})
		},
		WantProblems: []wantProblem{
			{"site/v.7z.001", "part of a split archive: split archives are not read"},
			{"site/v.7z.002", "part of a split archive"},
			{"site/v.7z.003", "part of a split archive"},
		},
		WantSkipped: 0,
	}, {
		Name: "ZipSpannedByTool",
		Files: func(tb testing.TB) []file {
			return toolFiles(tb, func(dir string) {
				if err := os.WriteFile(filepath.Join(dir, "big.csv"), []byte(bigger), 0o644); err != nil {
					tb.Fatal(err)
				}
				zipTool(tb, dir, "-q", "-0", "-s", "64k", "sp.zip", "big.csv")
				zipTool(tb, dir, "-q", "-0", "whole.zip", "big.csv")
				if err := os.Remove(filepath.Join(dir, "big.csv")); err != nil {
					tb.Fatal(err)
				}
			})
		},
		Want: []got{{"site/whole.zip!/big.csv", "big.csv", int64(len(bigger)), 1, bigger}},
		WantProblems: []wantProblem{
			{"site/sp.z01", "part of a split (spanned) zip archive"},
			{"site/sp.zip", "part 2 of a split (spanned) zip archive"},
		},
		WantSkipped: 0,
	}, {
		Name: "ZipEndRecordNamesLaterDisk",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: spannedZip(tb)}, {Path: "site/a.Z01", Data: []byte("PK\x07\x08")}}
		},
		WantProblems: []wantProblem{
			{"site/a.zip", "part 3 of a split (spanned) zip archive"},
			{"site/a.Z01", "part of a split (spanned) zip archive"},
		},
	}, {
		Name: "NestedSpannedZip",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.tar", Data: tarOf(tb, tf{Name: "in.zip", Data: string(spannedZip(tb))}, tf{Name: "ok.csv", Data: csv1})}}
		},
		Want:         []got{{"site/a.tar!/ok.csv", "ok.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.tar!/in.zip", "split (spanned) zip archive"}},
	}, {
		Name: "RarVolumes",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/s.part1.rar", Data: rar5VolumeOf(tb, 0, rf{Name: "a.csv", Data: csv1})},
				{Path: "site/s.part2.rar", Data: rar5VolumeOf(tb, 1, rf{Name: "b.csv", Data: csv1})},
				{Path: "site/old.rar", Data: rar15VolumeHead()},
				{Path: "site/old.r00", Data: []byte("x")},
				{Path: "site/whole.rar", Data: rar5Of(tb, rf{Name: "c.csv", Data: csv1})},
			}
		},
		Want: []got{{"site/whole.rar!/c.csv", "c.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{
			{"site/s.part1.rar", "volume 1 of a multi-volume rar archive: multi-volume archives are not read"},
			{"site/s.part2.rar", "volume 2 of a multi-volume rar archive"},
			{"site/old.rar", "volume of a multi-volume rar archive"},
			{"site/old.r00", "volume of a multi-volume rar archive"},
		},
	}, {
		Name: "SplitMembersAndNames",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/a.zip", Data: zipOf(tb,
					zf{Name: "x.tar.gz.001", Data: "part"},
					zf{Name: "y.CSV.GZ.002", Data: "part"},
					zf{Name: "notes.2023", Data: "not a volume"},
					zf{Name: "data.csv.001", Data: "not an archive"},
				)},
				{Path: "site/b.tbz", Data: compress(tb, ".bz2", tarOf(tb, tf{Name: "t.csv", Data: csv1}))},
			}
		},
		Want: []got{{"site/b.tbz!/t.csv", "t.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{
			{"site/a.zip!/x.tar.gz.001", "part of a split archive"},
			{"site/a.zip!/y.CSV.GZ.002", "part of a split archive"},
		},
		WantSkipped: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}

// TestZipSplit reads end records by hand: zip64 sets give their number of
// disks in the zip64 locator.
func TestZipSplit(t *testing.T) {
	eocd := func(disk, cdDisk uint16, comment string) []byte {
		b := []byte("PK\x05\x06")
		b = binary.LittleEndian.AppendUint16(b, disk)
		b = binary.LittleEndian.AppendUint16(b, cdDisk)
		b = append(b, make([]byte, 12)...) // entries, size, offset
		b = binary.LittleEndian.AppendUint16(b, uint16(len(comment)))
		return append(b, comment...)
	}
	locator := func(disks uint32) []byte {
		b := []byte("PK\x06\x07")
		b = append(b, make([]byte, 12)...) // disk of the zip64 record, its offset
		return binary.LittleEndian.AppendUint32(b, disks)
	}
	tests := []struct {
		Name    string
		Input   []byte
		WantErr string // "" for none
	}{
		{Name: "Whole", Input: eocd(0, 0, "")},
		{Name: "WholeWithComment", Input: eocd(0, 0, "PK\x05\x06 in a comment")},
		{Name: "LastOfThree", Input: eocd(2, 2, ""), WantErr: "part 3 of a split"},
		{Name: "CentralDirectoryOnOtherDisk", Input: eocd(0, 1, ""), WantErr: "part 1 of a split"},
		{Name: "Zip64Whole", Input: slices.Concat(locator(1), eocd(0xffff, 0xffff, ""))},
		{Name: "Zip64Split", Input: slices.Concat(locator(4), eocd(0xffff, 0xffff, "")), WantErr: "part 4 of a split"},
		{Name: "NoEndRecord", Input: []byte("not a zip at all, and long enough")},
		{Name: "Empty", Input: nil},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			in := append([]byte("PK\x03\x04 some data "), tt.Input...)
			err := zipSplit(bytes.NewReader(in), int64(len(in)))
			switch {
			case tt.WantErr == "" && err != nil:
				t.Errorf("zipSplit = %v, want nil", err)
			case tt.WantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.WantErr) || !errors.Is(err, ErrUnsupported)):
				t.Errorf("zipSplit = %v, want ...%s... wrapping ErrUnsupported", err, tt.WantErr)
			}
		})
	}
}

// TestSplitPartInvalidUTF8: a name that is not valid UTF-8 is judged by
// its own bytes. (The dot was once found in the lowered name, whose
// invalid bytes take three bytes each: "N\xf4\x15\xae.000" made
// classify and splitPart call each other until the stack overflowed.)
func TestSplitPartInvalidUTF8(t *testing.T) {
	isData := func(key string) bool { return strings.HasSuffix(key, ".csv") }
	for name, want := range map[string]string{
		"N\xf4\x15\xae.000":     "",
		"\xff\xfe.7z.001":       "split",
		"d\xe9j\xe0.TAR.GZ.02":  "",
		"d\xe9j\xe0.tar.gz.002": "split",
		"\xff.Z01":              "zip",
		"\xff.r00":              "rar",
		"\xff.csv.001":          "",
	} {
		if got := splitPart(name, isData); got != want {
			t.Errorf("splitPart(%q) = %q, want %q", name, got, want)
		}
	}
	if c := classify("N\xf4\x15\xae.000", isData); c.kind != kindOther {
		t.Errorf("classify: kind %v, want other", c.kind)
	}
}
