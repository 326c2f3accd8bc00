package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/testenv"
)

// sevenZipTool returns the path of the 7-Zip command (7z, 7zz or 7za).
// Without one the test is skipped, or fails when
// SIFTLOAD_TEST_DISALLOW_SKIP is set.
func sevenZipTool(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"7z", "7zz", "7za"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Skip(tb, "no 7z command (Debian: apt-get install 7zip)")
	return ""
}

// sevenZipOf builds a 7z archive of files (name, data pairs) with the 7z
// command, adding args (such as -mx0) to "7z a".
func sevenZipOf(tb testing.TB, args []string, files ...string) []byte {
	tb.Helper()
	tool := sevenZipTool(tb)
	dir := tb.TempDir()
	var names []string
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, "in", filepath.FromSlash(files[i]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o644); err != nil {
			tb.Fatal(err)
		}
		names = append(names, files[i])
	}
	out := filepath.Join(dir, "out.7z")
	cmd := exec.Command(tool, append(append([]string{"a", "-bd", out}, args...), names...)...)
	cmd.Dir = filepath.Join(dir, "in")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s: %v\n%s", cmd, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// sevenZipTest runs "7z t" on archive and returns its output and whether
// it found the archive sound.
func sevenZipTest(tb testing.TB, archive []byte) (string, bool) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "t.7z")
	if err := os.WriteFile(p, archive, 0o644); err != nil {
		tb.Fatal(err)
	}
	b, err := exec.Command(sevenZipTool(tb), "t", p).CombinedOutput()
	return string(b), err == nil
}

// flipped returns a copy of b with the low bit of the byte at i changed;
// a negative i counts from the end.
func flipped(b []byte, i int) []byte {
	b = bytes.Clone(b)
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 1
	return b
}

// flippedAt returns a copy of b whose first occurrence of old, which must
// be there, has its byte at offset i changed to c.
func flippedAt(tb testing.TB, b []byte, old string, i int, c byte) []byte {
	tb.Helper()
	j := bytes.Index(b, []byte(old))
	if j < 0 {
		tb.Fatalf("%q not in the archive", old)
	}
	b = bytes.Clone(b)
	b[j+i] = c
	return b
}

// xzCheck returns the offset of the integrity check of the last block of
// an xz stream (the check follows the block's padding and precedes the
// index; xz file format 1.0.4, sections 2.1 and 3).
func xzCheck(tb testing.TB, b []byte) int {
	tb.Helper()
	sizes := map[byte]int{0x01: 4, 0x04: 8, 0x0a: 32}
	size, ok := sizes[b[7]&0x0f]
	if !ok {
		tb.Fatalf("xz stream without a check (flags %#x)", b[7])
	}
	backward := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	index := len(b) - 12 - (backward+1)*4
	return index - size
}

// csvRows is a data file of n rows that compresses little.
func csvRows(n int) string { return "a,b\n" + numbers(n) }

func TestWalkChecksum(t *testing.T) {
	data := csvRows(300)
	tests := []walkTest{{
		Name: "SevenZipStoredFlippedByte",
		Files: func(tb testing.TB) []file {
			b := sevenZipOf(tb, []string{"-mx0"}, "data/L.csv", data)
			bad := flippedAt(tb, b, "\n150,", 1, '7') // 150 -> 750: same rows, other data
			if out, ok := sevenZipTest(tb, bad); ok || !strings.Contains(out, "CRC Failed") {
				tb.Fatalf("7z t does not find the flipped byte:\n%s", out)
			}
			return []file{{Path: "site/a.7z", Data: bad}}
		},
		WantProblems: []wantProblem{{"site/a.7z!/data/L.csv", "checksum mismatch (7z CRC32"}},
	}, {
		Name: "SevenZipSolidStoredSecondMember",
		Files: func(tb testing.TB) []file {
			b := sevenZipOf(tb, []string{"-mx0"}, "a.csv", csv1, "b.csv", data)
			return []file{{Path: "site/a.7z", Data: flippedAt(tb, b, "\n150,", 1, '7')}}
		},
		Want:         []got{{"site/a.7z!/a.csv", "a.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.7z!/b.csv", "checksum mismatch (7z CRC32"}},
	}, {
		Name: "SevenZipNestedInTar",
		Files: func(tb testing.TB) []file {
			b := sevenZipOf(tb, []string{"-mx0"}, "data/L.csv", data)
			return []file{{Path: "site/a.tar", Data: tarOf(tb, tf{Name: "in.7z", Data: string(flippedAt(tb, b, "\n150,", 1, '7'))})}}
		},
		WantProblems: []wantProblem{{"site/a.tar!/in.7z!/data/L.csv", "checksum mismatch (7z CRC32"}},
	}, {
		Name: "GzipCRC",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/L.csv.gz", Data: flipped(compress(tb, ".gz", []byte(data)), -8)}}
		},
		WantProblems: []wantProblem{{"site/L.csv.gz", "checksum mismatch (gzip"}},
	}, {
		Name: "GzipSize",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/L.csv.gz", Data: flipped(compress(tb, ".gz", []byte(data)), -3)}}
		},
		WantProblems: []wantProblem{{"site/L.csv.gz", "checksum mismatch (gzip"}},
	}, {
		Name: "GzipMultiMemberFirstCRC",
		Files: func(tb testing.TB) []file {
			first := flipped(compress(tb, ".gz", []byte(data)), -8)
			return []file{{Path: "site/L.csv.gz", Data: append(first, compress(tb, ".gz", []byte("9,9\n"))...)}}
		},
		WantProblems: []wantProblem{{"site/L.csv.gz", "checksum mismatch (gzip"}},
	}, {
		Name: "GzipMemberOfZip",
		Files: func(tb testing.TB) []file {
			gz := flipped(compress(tb, ".gz", []byte(data)), -8)
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "L.csv.gz", Data: string(gz), Store: true}, zf{Name: "ok.csv", Data: csv1})}}
		},
		Want:         []got{{"site/a.zip!/ok.csv", "ok.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.zip!/L.csv.gz", "checksum mismatch (gzip"}},
	}, {
		Name: "Bzip2BlockCRC",
		Files: func(tb testing.TB) []file {
			// "BZh9", the block magic (6 bytes), then the block's CRC.
			return []file{{Path: "site/L.csv.bz2", Data: flipped(compress(tb, ".bz2", []byte(data)), 10)}}
		},
		WantProblems: []wantProblem{{"site/L.csv.bz2", "checksum mismatch (bzip2"}},
	}, {
		Name: "XzCheck",
		Files: func(tb testing.TB) []file {
			b := compress(tb, ".xz", []byte(data))
			return []file{{Path: "site/L.csv.xz", Data: flipped(b, xzCheck(tb, b))}}
		},
		WantProblems: []wantProblem{{"site/L.csv.xz", "checksum mismatch (xz"}},
	}, {
		Name: "ZstdContentChecksum",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/L.csv.zst", Data: flipped(compress(tb, ".zst", []byte(data)), -1)}}
		},
		WantProblems: []wantProblem{{"site/L.csv.zst", "checksum mismatch (zstd"}},
	}, {
		Name: "RarCRC",
		Files: func(tb testing.TB) []file {
			b := rar5Of(tb, rf{Name: "L.csv", Data: data}, rf{Name: "ok.csv", Data: csv1})
			return []file{{Path: "site/a.rar", Data: flippedAt(tb, b, "\n150,", 1, '7')}}
		},
		Want:         []got{{"site/a.rar!/ok.csv", "ok.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.rar!/L.csv", "checksum mismatch (rar CRC32)"}},
	}, {
		Name: "TarGzCRCAfterLastMember",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.tar.gz", Data: flipped(compress(tb, ".gz", tarOf(tb, tf{Name: "x.csv", Data: csv1})), -8)}}
		},
		// The member was read in full before the trailer; the archive is
		// the problem.
		Want:         []got{{"site/a.tar.gz!/x.csv", "x.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.tar.gz", "checksum mismatch (gzip"}},
	}}
	for _, tt := range tests {
		tt.WantSkipped = -1
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}

// TestSevenZipNoFalseChecksum reads sound 7z archives of several layouts
// (solid or not, stored or compressed: the CRCs sit in different places
// of the header) and finds no problem.
func TestSevenZipNoFalseChecksum(t *testing.T) {
	for _, args := range [][]string{{"-mx0"}, {"-mx5"}, {"-ms=off"}, {"-mx0", "-ms=off"}, {"-m0=bzip2"}, {"-m0=deflate", "-ms=off"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			a, b := csvRows(200), csvRows(3000)
			tt := walkTest{
				Files: func(tb testing.TB) []file {
					return []file{{Path: "site/a.7z", Data: sevenZipOf(tb, args, "a.csv", a, "empty.csv", "", "d/b.csv", b)}}
				},
				Want: []got{
					{"site/a.7z!/a.csv", "a.csv", int64(len(a)), 1, a},
					{"site/a.7z!/d/b.csv", "d/b.csv", int64(len(b)), 1, b},
					{"site/a.7z!/empty.csv", "empty.csv", 0, 1, ""},
				},
				WantSkipped: 0,
			}
			runWalkTest(t, tt)
		})
	}
}

// TestOpenChecksum checks that Walker.Open, which import reads through,
// fails on a member whose checksum does not match.
func TestOpenChecksum(t *testing.T) {
	data := csvRows(300)
	tests := []struct {
		Name   string
		Path   string
		Data   func(tb testing.TB) []byte
		Source string
	}{{
		Name: "SevenZip",
		Path: "a.7z",
		Data: func(tb testing.TB) []byte {
			return flippedAt(tb, sevenZipOf(tb, []string{"-mx0"}, "L.csv", data), "\n150,", 1, '7')
		},
		Source: "a.7z!/L.csv",
	}, {
		Name: "GzipInTar",
		Path: "a.tar",
		Data: func(tb testing.TB) []byte {
			return tarOf(tb, tf{Name: "L.csv.gz", Data: string(flipped(compress(tb, ".gz", []byte(data)), -8))})
		},
		Source: "a.tar!/L.csv.gz",
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.Path), tt.Data(t), 0o644); err != nil {
				t.Fatal(err)
			}
			var w Walker
			err := w.Open(t.Context(), dir, tt.Source, func(r io.Reader) error {
				_, err := io.Copy(io.Discard, r)
				return err
			})
			if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "checksum mismatch") {
				t.Errorf("Open(%s) = %v, want a checksum mismatch", tt.Source, err)
			}
		})
	}
}

// TestWalkEncryptedSevenZip checks that encrypted 7z members (AES, names
// readable) and archives (headers encrypted too) are problems, never read
// as data: a stored member would decrypt to garbage of the right length.
func TestWalkEncryptedSevenZip(t *testing.T) {
	data := csvRows(50)
	tests := []walkTest{{
		Name: "StoredMember",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.7z", Data: sevenZipOf(tb, []string{"-mx0", "-ptest-only"}, "L.csv", data)}}
		},
		WantProblems: []wantProblem{{"site/a.7z!/L.csv", "encrypted member"}},
	}, {
		Name: "CompressedMembers",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.7z", Data: sevenZipOf(tb, []string{"-ptest-only"}, "L.csv", data, "M.csv", csv1)}}
		},
		WantProblems: []wantProblem{{"site/a.7z!/L.csv", "encrypted member"}, {"site/a.7z!/M.csv", "encrypted member"}},
	}, {
		Name: "EncryptedHeaders",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.7z", Data: sevenZipOf(tb, []string{"-mx0", "-ptest-only", "-mhe=on"}, "L.csv", data)}}
		},
		WantProblems: []wantProblem{{"site/a.7z", "encrypted archive"}},
	}, {
		Name: "NestedStoredMember",
		Files: func(tb testing.TB) []file {
			b := sevenZipOf(tb, []string{"-mx0", "-ptest-only"}, "L.csv", data)
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "in.7z", Data: string(b)}, zf{Name: "ok.csv", Data: csv1})}}
		},
		Want:         []got{{"site/a.zip!/ok.csv", "ok.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.zip!/in.7z!/L.csv", "encrypted member"}},
	}}
	for _, tt := range tests {
		tt.WantSkipped = -1
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}
