package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const csv1 = "a,b\n1,2\n3,4\n" // 12 bytes

type walkTest struct {
	Name         string
	Files        func(tb testing.TB) []file
	Inputs       []string // relative to the tree's root; nil means "site"
	Walker       Walker   // MaxDepth, IsData, MaxSpool; the rest is set by the test
	Want         []got    // sorted by Source
	WantProblems []wantProblem
	WantSkipped  int64 // checked when not -1
}

// badCRC returns a zip whose stored member bad.csv has a changed byte, and
// a good member after it.
func badCRC(tb testing.TB) []byte {
	b := zipOf(tb, zf{Name: "bad.csv", Data: "x\nCORRUPT-ME\n", Store: true}, zf{Name: "good.csv", Data: csv1})
	i := bytes.Index(b, []byte("CORRUPT-ME"))
	b[i] ^= 0x20
	return b
}

// nest returns a zip nested n levels deep: level1.zip!/level2.zip!/...!/deep.csv.
func nest(tb testing.TB, n int) []byte {
	b := zipOf(tb, zf{Name: "deep.csv", Data: csv1})
	for i := n; i > 1; i-- {
		b = zipOf(tb, zf{Name: fmt.Sprintf("level%d.zip", i), Data: string(b)})
	}
	return b
}

// Overlong member names: a zip name holds at most 65535 bytes.
var (
	longName = "long/" + strings.Repeat("n", 65535-len("long/.csv")) + ".csv"
	deepName = strings.Repeat("abc/", 16000) + "deep.csv"
	longZip  = strings.Repeat("z", 65000) + ".zip"
	longTar  = "t/" + strings.Repeat("x", 100<<10) + ".csv"
)

func walkTests() []walkTest {
	tests := []walkTest{{
		Name: "LooseFilesInDir",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/a.csv", Data: []byte(csv1)},
				{Path: "site/sub/b.TSV", Data: []byte("x\ty\n")},
				{Path: "site/sub/c.txt.gz", Data: compress(tb, ".gz", []byte("gz text\n"))},
				{Path: "site/notes.md", Data: []byte("# notes\n")},
			}
		},
		Want: []got{
			{"site/a.csv", "a.csv", 12, 0, csv1},
			{"site/sub/b.TSV", "sub/b.TSV", 4, 0, "x\ty\n"},
			{"site/sub/c.txt.gz", "sub/c.txt", -1, 0, "gz text\n"},
		},
		WantSkipped: 1,
	}, {
		Name:   "FileGivenDirectly",
		Files:  func(tb testing.TB) []file { return []file{{Path: "site/sub/b.csv", Data: []byte(csv1)}} },
		Inputs: []string{"site/sub/b.csv"},
		Want:   []got{{"site/sub/b.csv", "b.csv", 12, 0, csv1}},
	}, {
		Name: "ArchiveGivenDirectly",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/2023/a.zip", Data: zipOf(tb, zf{Name: "data/LINE01.csv", Data: csv1})}}
		},
		Inputs: []string{"./site/2023/a.zip"},
		Want:   []got{{"site/2023/a.zip!/data/LINE01.csv", "data/LINE01.csv", 12, 1, csv1}},
	}, {
		Name: "Zip",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/2023/2023-01-02_export.zip", Data: zipOf(tb,
				zf{Name: "data/"},
				zf{Name: "data/LINE01.csv", Data: csv1},
				zf{Name: "data/LINE01.tsv", Data: "t\n", Store: true},
				zf{Name: "readme.md", Data: "x"},
				zf{Name: "logo.png", Data: "x"},
			)}}
		},
		Want: []got{
			{"site/2023/2023-01-02_export.zip!/data/LINE01.csv", "data/LINE01.csv", 12, 1, csv1},
			{"site/2023/2023-01-02_export.zip!/data/LINE01.tsv", "data/LINE01.tsv", 2, 1, "t\n"},
		},
		WantSkipped: 2,
	}, {
		Name: "Tar",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.tar", Data: tarOf(tb, tf{Name: "x/", Type: tar.TypeDir}, tf{Name: "x/LINE02.csv", Data: csv1}, tf{Name: "x/run.sh", Data: "#!"})}}
		},
		Want:        []got{{"site/a.tar!/x/LINE02.csv", "x/LINE02.csv", 12, 1, csv1}},
		WantSkipped: 1,
	}, {
		Name: "SevenZip",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/sample.7z", Data: fixture(tb, "sample.7z")}}
		},
		Want: []got{
			{"site/sample.7z!/data/LINE01.csv", "data/LINE01.csv", 12, 1, csv1},
			{"site/sample.7z!/inner.tar!/x/LINE07.csv", "x/LINE07.csv", 4, 2, "c\n7\n"},
		},
		WantSkipped: 1,
	}, {
		Name: "Rar",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.rar", Data: rar5Of(tb, rf{Name: "data/LINE05.csv", Data: csv1}, rf{Name: "readme.md", Data: "x"})}}
		},
		Want:        []got{{"site/a.rar!/data/LINE05.csv", "data/LINE05.csv", 12, 1, csv1}},
		WantSkipped: 1,
	}, {
		Name: "SingleStreamFiles",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/w.csv.zst", Data: compress(tb, ".zst", []byte("zst\n"))},
				{Path: "site/x.csv.gz", Data: compress(tb, ".gz", []byte("gz\n"))},
				{Path: "site/y.csv.bz2", Data: compress(tb, ".bz2", []byte("bz2\n"))},
				{Path: "site/z.CSV.XZ", Data: compress(tb, ".xz", []byte("xz\n"))},
				{Path: "site/other.bin.gz", Data: compress(tb, ".gz", []byte("no\n"))},
			}
		},
		Want: []got{
			{"site/w.csv.zst", "w.csv", -1, 0, "zst\n"},
			{"site/x.csv.gz", "x.csv", -1, 0, "gz\n"},
			{"site/y.csv.bz2", "y.csv", -1, 0, "bz2\n"},
			{"site/z.CSV.XZ", "z.CSV", -1, 0, "xz\n"},
		},
		WantSkipped: 1,
	}, {
		Name: "ZipInTarGz",
		Files: func(tb testing.TB) []file {
			inner := zipOf(tb, zf{Name: "x/LINE02.csv", Data: csv1})
			return []file{{Path: "site/a.tar.gz", Data: compress(tb, ".gz", tarOf(tb, tf{Name: "inner.zip", Data: string(inner)}))}}
		},
		Want: []got{{"site/a.tar.gz!/inner.zip!/x/LINE02.csv", "x/LINE02.csv", 12, 2, csv1}},
	}, {
		Name: "TarGzInZip",
		Files: func(tb testing.TB) []file {
			inner := compress(tb, ".gz", tarOf(tb, tf{Name: "x/LINE02.csv", Data: csv1}))
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "inner.tar.gz", Data: string(inner)})}}
		},
		Want: []got{{"site/a.zip!/inner.tar.gz!/x/LINE02.csv", "x/LINE02.csv", 12, 2, csv1}},
	}, {
		Name: "SevenZipInTar",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.tar", Data: tarOf(tb, tf{Name: "in/sample.7z", Data: string(fixture(tb, "sample.7z"))})}}
		},
		Want: []got{
			{"site/a.tar!/in/sample.7z!/data/LINE01.csv", "data/LINE01.csv", 12, 2, csv1},
			{"site/a.tar!/in/sample.7z!/inner.tar!/x/LINE07.csv", "x/LINE07.csv", 4, 3, "c\n7\n"},
		},
		WantSkipped: 1,
	}, {
		Name: "RarInZip",
		Files: func(tb testing.TB) []file {
			inner := rar5Of(tb, rf{Name: "LINE05.csv", Data: csv1})
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "b.rar", Data: string(inner)})}}
		},
		Want: []got{{"site/a.zip!/b.rar!/LINE05.csv", "LINE05.csv", 12, 2, csv1}},
	}, {
		Name: "CompressedZip",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip.xz", Data: compress(tb, ".xz", zipOf(tb, zf{Name: "LINE01.csv", Data: csv1}))}}
		},
		Want: []got{{"site/a.zip.xz!/LINE01.csv", "LINE01.csv", 12, 1, csv1}},
	}, {
		Name: "CompressedMemberInZip",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "x.csv.gz", Data: string(compress(tb, ".gz", []byte(csv1)))})}}
		},
		Want: []got{{"site/a.zip!/x.csv.gz", "x.csv", -1, 1, csv1}},
	}, {
		Name: "WindowsBackslashNames",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: `.\data\LINE01.csv`, Data: csv1})}}
		},
		Want: []got{{`site/a.zip!/.\data\LINE01.csv`, "data/LINE01.csv", 12, 1, csv1}},
	}, {
		Name: "UppercaseExtensions",
		Files: func(tb testing.TB) []file {
			inner := compress(tb, ".gz", tarOf(tb, tf{Name: "X/LINE03.TXT", Data: "t\n"}))
			return []file{{Path: "site/SITE.ZIP", Data: zipOf(tb, zf{Name: "DATA/LINE04.CSV", Data: csv1}, zf{Name: "INNER.TGZ", Data: string(inner)})}}
		},
		Want: []got{
			{"site/SITE.ZIP!/DATA/LINE04.CSV", "DATA/LINE04.CSV", 12, 1, csv1},
			{"site/SITE.ZIP!/INNER.TGZ!/X/LINE03.TXT", "X/LINE03.TXT", 2, 2, "t\n"},
		},
	}, {
		Name: "CorruptArchivesOtherInputsWalked",
		Files: func(tb testing.TB) []file {
			tgz := compress(tb, ".gz", tarOf(tb, tf{Name: "a.csv", Data: csv1}, tf{Name: "b.csv", Data: numbers(200)}))
			return []file{
				{Path: "site/1-notzip.zip", Data: []byte("this is not a zip archive at all")},
				{Path: "site/2-truncated.tar.gz", Data: tgz[:len(tgz)-40]},
				{Path: "site/3-notgzip.tar.gz", Data: []byte("plain text")},
				{Path: "site/4-good.zip", Data: zipOf(tb, zf{Name: "LINE01.csv", Data: csv1})},
				{Path: "site/5-empty.7z", Data: nil},
			}
		},
		Want: []got{
			{"site/2-truncated.tar.gz!/a.csv", "a.csv", 12, 1, csv1},
			{"site/4-good.zip!/LINE01.csv", "LINE01.csv", 12, 1, csv1},
		},
		WantProblems: []wantProblem{
			{"site/1-notzip.zip", "read archive: zip: not a valid zip file"},
			{"site/2-truncated.tar.gz!/b.csv", "unexpected EOF"},
			{"site/2-truncated.tar.gz", "unexpected EOF"},
			{"site/3-notgzip.tar.gz", "read archive: decompress: gzip: invalid header"},
			{"site/5-empty.7z", "read archive"},
		},
	}, {
		Name:  "BadCRCMember",
		Files: func(tb testing.TB) []file { return []file{{Path: "site/a.zip", Data: badCRC(tb)}} },
		Want:  []got{{"site/a.zip!/good.csv", "good.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{
			{"site/a.zip!/bad.csv", "checksum mismatch (zip CRC32)"},
		},
	}, {
		Name: "BadCRCInNestedStream",
		Files: func(tb testing.TB) []file {
			tgz := compress(tb, ".gz", tarOf(tb, tf{Name: "LINE01.csv", Data: csv1}))
			b := zipOf(tb, zf{Name: "inner.tar.gz", Data: string(tgz), Store: true})
			i := bytes.Index(b, tgz)
			b[i+len(tgz)-5] ^= 0xff // the gzip trailer's length field
			return []file{{Path: "site/a.zip", Data: b}}
		},
		Want: []got{{"site/a.zip!/inner.tar.gz!/LINE01.csv", "LINE01.csv", 12, 2, csv1}},
		WantProblems: []wantProblem{
			{"site/a.zip!/inner.tar.gz", "after end of archive"},
		},
	}, {
		Name: "EncryptedMembers",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "secret.csv", Data: "garbage", Flags: 0x1}, zf{Name: "secret.pdf", Data: "garbage", Flags: 0x1}, zf{Name: "open.csv", Data: csv1})},
				{Path: "site/b.7z", Data: fixture(tb, "encrypted.7z")},
				{Path: "site/c.7z", Data: fixture(tb, "encrypted-headers.7z")},
				{Path: "site/d.rar", Data: rar5Of(tb, rf{Name: "secret.csv", Data: "x", Encrypted: true})},
			}
		},
		Want: []got{{"site/a.zip!/open.csv", "open.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{
			{"site/a.zip!/secret.csv", "encrypted member"},
			{"site/b.7z!/data/LINE01.csv", "encrypted member"},
			{"site/c.7z", "encrypted archive"},
			{"site/d.rar!/secret.csv", "encrypted member"},
		},
		WantSkipped: 1,
	}, {
		Name: "UnsafeNames",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb,
				zf{Name: "../evil.csv", Data: "evil"},
				zf{Name: "/abs.csv", Data: "evil"},
				zf{Name: `C:\win.csv`, Data: "evil"},
				zf{Name: `..\win-up.csv`, Data: "evil"},
				zf{Name: "a/../../up.csv", Data: "evil"},
				zf{Name: "../evil.md", Data: "not data"},
				zf{Name: "ok/../fine.csv", Data: csv1},
				zf{Name: "nul\x00.csv", Data: csv1},
			)}}
		},
		Want: []got{
			{"site/a.zip!/nul\x00.csv", "nul\x00.csv", 12, 1, csv1},
			{"site/a.zip!/ok/../fine.csv", "fine.csv", 12, 1, csv1},
		},
		WantProblems: []wantProblem{
			{"site/a.zip!/../evil.csv", "escapes its archive"},
			{"site/a.zip!//abs.csv", "escapes its archive"},
			{`site/a.zip!/C:\win.csv`, "escapes its archive"},
			{`site/a.zip!/..\win-up.csv`, "escapes its archive"},
			{"site/a.zip!/a/../../up.csv", "escapes its archive"},
		},
		WantSkipped: 1,
	}, {
		// Names are data: overlong ones (zip allows 64 KiB, a PAX tar
		// more), NUL bytes and odd parts stay as they are in locators,
		// including the name of a nested archive that is spooled.
		Name: "HostileNames",
		Files: func(tb testing.TB) []file {
			in := zipOf(tb, zf{Name: "y.csv", Data: csv1})
			return []file{
				{Path: "site/a.zip", Data: zipOf(tb,
					zf{Name: longName, Data: csv1},
					zf{Name: deepName, Data: csv1},
					zf{Name: strings.Repeat("../", 20000) + "up.csv", Data: "evil"},
					zf{Name: longZip, Data: string(in)},
					zf{Name: "in\x00.zip", Data: string(in)},
					zf{Name: "..\x00/dots.csv", Data: csv1},
				)},
				{Path: "site/b.tar", Data: tarOf(tb, tf{Name: longTar, Data: csv1}, tf{Name: "../" + longTar, Data: "evil"})},
			}
		},
		Want: []got{
			{"site/a.zip!/..\x00/dots.csv", "..\x00/dots.csv", 12, 1, csv1},
			{"site/a.zip!/" + deepName, deepName, 12, 1, csv1},
			{"site/a.zip!/in\x00.zip!/y.csv", "y.csv", 12, 2, csv1},
			{"site/a.zip!/" + longName, longName, 12, 1, csv1},
			{"site/a.zip!/" + longZip + "!/y.csv", "y.csv", 12, 2, csv1},
			{"site/b.tar!/" + longTar, longTar, 12, 1, csv1},
		},
		WantProblems: []wantProblem{
			{"site/a.zip!/" + strings.Repeat("../", 20000) + "up.csv", "escapes its archive"},
			{"site/b.tar!/../" + longTar, "escapes its archive"},
		},
	}, {
		Name: "TarLinksAndDevices",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.tar.gz", Data: compress(tb, ".gz", tarOf(tb,
				tf{Name: "LINE03.csv", Type: tar.TypeSymlink, Link: "/etc/passwd"},
				tf{Name: "LINE04.csv", Type: tar.TypeLink, Link: "real.csv"},
				tf{Name: "dev.csv", Type: tar.TypeChar},
				tf{Name: "fifo.csv", Type: tar.TypeFifo},
				tf{Name: "lib.so", Type: tar.TypeSymlink, Link: "lib.so.1"},
				tf{Name: "real.csv", Data: csv1},
			))}}
		},
		Want: []got{{"site/a.tar.gz!/real.csv", "real.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{
			{"site/a.tar.gz!/LINE03.csv", "link member: links are not followed"},
			{"site/a.tar.gz!/LINE04.csv", "link member: links are not followed"},
			{"site/a.tar.gz!/dev.csv", "not a regular file"},
			{"site/a.tar.gz!/fifo.csv", "not a regular file"},
		},
		WantSkipped: 1,
	}, {
		Name: "DepthLimit",
		Files: func(tb testing.TB) []file {
			inner := zipOf(tb, zf{Name: "x.csv", Data: csv1})
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "top.csv", Data: csv1}, zf{Name: "inner.zip", Data: string(inner)})}}
		},
		Walker:       Walker{MaxDepth: 1},
		Want:         []got{{"site/a.zip!/top.csv", "top.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.zip!/inner.zip", "nesting deeper than 1"}},
	}, {
		Name:  "DefaultDepthLimit",
		Files: func(tb testing.TB) []file { return []file{{Path: "site/level1.zip", Data: nest(tb, 5)}} },
		WantProblems: []wantProblem{
			{"site/level1.zip!/level2.zip!/level3.zip!/level4.zip!/level5.zip", "nesting deeper than 4"},
		},
	}, {
		Name:  "DepthFourIsFine",
		Files: func(tb testing.TB) []file { return []file{{Path: "site/level1.zip", Data: nest(tb, 4)}} },
		Want: []got{
			{"site/level1.zip!/level2.zip!/level3.zip!/level4.zip!/deep.csv", "deep.csv", 12, 4, csv1},
		},
	}, {
		Name: "SpoolLimit",
		Files: func(tb testing.TB) []file {
			big := zipOf(tb, zf{Name: "x.csv", Data: strings.Repeat("1,2\n", 100), Store: true})
			small := zipOf(tb, zf{Name: "y.csv", Data: "1\n", Store: true})
			return []file{
				{Path: "site/a.tar", Data: tarOf(tb, tf{Name: "big.zip", Data: string(big)}, tf{Name: "small.zip", Data: string(small)})},
				{Path: "site/b.zip", Data: zipOf(tb, zf{Name: "big.zip.gz", Data: string(compress(tb, ".gz", big))})},
			}
		},
		Walker: Walker{MaxSpool: 300},
		Want:   []got{{"site/a.tar!/small.zip!/y.csv", "y.csv", 2, 2, "1\n"}},
		WantProblems: []wantProblem{
			{"site/a.tar!/big.zip", "larger than the spool limit"},
			{"site/b.zip!/big.zip.gz", "larger than the spool limit"},
		},
	}, {
		Name: "Filter",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb,
				zf{Name: "data/LINE01.csv", Data: csv1},
				zf{Name: "data/LINE01.txt", Data: "t"},
				zf{Name: "data/other.csv", Data: "o"},
				zf{Name: "LINE09.dat.gz", Data: string(compress(tb, ".gz", []byte("dat\n")))},
			)}}
		},
		Walker: Walker{IsData: Filter{Include: []string{"line*"}, Exclude: []string{"*.txt"}}.Match},
		Want: []got{
			{"site/a.zip!/LINE09.dat.gz", "LINE09.dat", -1, 1, "dat\n"},
			{"site/a.zip!/data/LINE01.csv", "data/LINE01.csv", 12, 1, csv1},
		},
		WantSkipped: 2,
	}, {
		Name: "MultiVolumeRarPart",
		Files: func(tb testing.TB) []file {
			// The first volume of a set: the volume flag, no volume number.
			return []file{{Path: "site/mv.part01.rar", Data: rar5Archive(tb, 0x1, rf{Name: "test.txt", Data: "0\n1\n"})}}
		},
		Want: nil,
		WantProblems: []wantProblem{
			{"site/mv.part01.rar", "volume 1 of a multi-volume rar archive: multi-volume archives are not read"},
		},
	}, {
		Name: "DanglingLink",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/ok.csv", Data: []byte(csv1)}, {Path: "site/gone.zip", Link: "nowhere.zip"}}
		},
		Want:         []got{{"site/ok.csv", "ok.csv", 12, 0, csv1}},
		WantProblems: []wantProblem{{"site/gone.zip", "no such file"}},
	}}

	// Every tar family and compression.
	for _, tc := range []struct{ ext, comp string }{
		{".tar.gz", ".gz"}, {".tgz", ".gz"}, {".TAR.GZ", ".gz"},
		{".tar.bz2", ".bz2"}, {".tbz2", ".bz2"},
		{".tar.xz", ".xz"}, {".txz", ".xz"},
		{".tar.zst", ".zst"}, {".tzst", ".zst"},
	} {
		tests = append(tests, walkTest{
			Name: "Tar" + tc.ext,
			Files: func(tb testing.TB) []file {
				return []file{{Path: "site/a" + tc.ext, Data: compress(tb, tc.comp, tarOf(tb, tf{Name: "x/LINE02.csv", Data: csv1}, tf{Name: "x/y.json", Data: "{}"}))}}
			},
			Want:        []got{{"site/a" + tc.ext + "!/x/LINE02.csv", "x/LINE02.csv", 12, 1, csv1}},
			WantSkipped: 1,
		})
	}
	return tests
}

func TestWalk(t *testing.T) {
	for _, tt := range walkTests() {
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}

// runWalkTest writes tt's files in a new directory, walks them and checks
// what the walk saw.
func runWalkTest(t *testing.T, tt walkTest) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	writeTree(t, ".", tt.Files(t))
	inputs := tt.Inputs
	if inputs == nil {
		inputs = []string{"site"}
	}
	ins, err := Expand(t.Context(), inputs)
	if err != nil {
		t.Fatalf("Expand: %v", err)
	}
	spool := filepath.Join(dir, "spool")
	if err := os.Mkdir(spool, 0o755); err != nil {
		t.Fatal(err)
	}
	w := tt.Walker
	w.TempDir = spool
	w.Stats = new(Stats)
	r := &recorder{}
	w.Problem = r.problem
	if err := w.Walk(t.Context(), ins, r.fn); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if got := r.sortedEntries(); !reflect.DeepEqual(got, tt.Want) {
		t.Errorf("entries:\ngot  %v\nwant %v", got, tt.Want)
	}
	r.checkProblems(t, tt.WantProblems)
	if tt.WantSkipped != -1 {
		if got := w.Stats.Skipped.Load(); got != tt.WantSkipped {
			t.Errorf("Stats.Skipped = %d, want %d", got, tt.WantSkipped)
		}
	}
	if got, want := w.Stats.DataFiles.Load(), int64(len(tt.Want)); got != want {
		t.Errorf("Stats.DataFiles = %d, want %d", got, want)
	}
	if got, want := w.Stats.Problems.Load(), int64(len(tt.WantProblems)); got != want {
		t.Errorf("Stats.Problems = %d, want %d", got, want)
	}
	if left, _ := os.ReadDir(spool); len(left) > 0 {
		t.Errorf("spool dir not empty: %v", left)
	}
}

func TestWalkStats(t *testing.T) {
	t.Chdir(t.TempDir())
	inner := compress(t, ".gz", tarOf(t, tf{Name: "x/LINE02.csv", Data: csv1}, tf{Name: "x/y.json", Data: "{}"}))
	writeTree(t, ".", []file{
		{Path: "site/a.zip", Data: zipOf(t, zf{Name: "d/"}, zf{Name: "d/LINE01.csv", Data: csv1}, zf{Name: "inner.tar.gz", Data: string(inner)}, zf{Name: "r.md"})},
		{Path: "site/b.csv", Data: []byte(csv1)},
		{Path: "site/c.pdf", Data: []byte("%PDF")},
	})
	ins, err := Expand(t.Context(), []string{"site"})
	if err != nil {
		t.Fatal(err)
	}
	w := &Walker{Stats: new(Stats), TempDir: t.TempDir()}
	r := &recorder{}
	if err := w.Walk(t.Context(), ins, r.fn); err != nil {
		t.Fatal(err)
	}
	s := w.Stats
	got := [5]int64{s.Archives.Load(), s.Members.Load(), s.DataFiles.Load(), s.Skipped.Load(), s.Problems.Load()}
	// Archives: a.zip, inner.tar.gz. Members: 3 in a.zip + 2 in inner.
	// Data: LINE01, LINE02, b.csv. Skipped: r.md, y.json, c.pdf.
	if want := [5]int64{2, 5, 3, 3, 0}; got != want {
		t.Errorf("stats [archives members data skipped problems] = %v, want %v", got, want)
	}
}

// TestWalkSpool checks that nested zip and 7z archives are spooled to
// TempDir while they are walked, and that the spool files are gone after.
func TestWalkSpool(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "site/a.tar.gz", Data: compress(t, ".gz", tarOf(t,
		tf{Name: "in.zip", Data: string(zipOf(t, zf{Name: "LINE01.csv", Data: csv1}))},
		tf{Name: "in.7z", Data: string(fixture(t, "sample.7z"))},
	))}})
	spool := t.TempDir()
	w := &Walker{TempDir: spool}
	ins, err := Expand(t.Context(), []string{"site"})
	if err != nil {
		t.Fatal(err)
	}
	var during []int
	err = w.Walk(t.Context(), ins, func(ctx context.Context, e Entry) error {
		left, err := os.ReadDir(spool)
		during = append(during, len(left))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 1, 1}; !reflect.DeepEqual(during, want) {
		t.Errorf("spool files during the walk = %v, want %v", during, want)
	}
	if left, _ := os.ReadDir(spool); len(left) > 0 {
		t.Errorf("spool dir not empty after the walk: %v", left)
	}
}

func TestWalkStop(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "a.zip", Data: zipOf(t, zf{Name: "1.csv", Data: csv1}, zf{Name: "in.zip", Data: string(zipOf(t, zf{Name: "2.csv", Data: csv1}, zf{Name: "3.csv", Data: csv1}))}, zf{Name: "4.csv", Data: csv1})}})
	in := Input{Path: "a.zip", Source: "a.zip", Key: "a.zip"}
	errBoom := errors.New("boom")

	tests := []struct {
		Name    string
		Ctx     func(context.Context) (context.Context, context.CancelFunc)
		Stop    func(cancel context.CancelFunc, n int) error // called for entry n (1-based)
		Want    int                                          // entries seen
		WantErr error
	}{{
		Name: "SkipAll",
		Stop: func(_ context.CancelFunc, n int) error {
			if n == 2 {
				return fs.SkipAll
			}
			return nil
		},
		Want: 2,
	}, {
		Name: "FnError",
		Stop: func(_ context.CancelFunc, n int) error {
			if n == 2 {
				return fmt.Errorf("load: %w", errBoom)
			}
			return nil
		},
		Want:    2,
		WantErr: errBoom,
	}, {
		Name: "Canceled",
		Stop: func(cancel context.CancelFunc, n int) error {
			if n == 1 {
				cancel()
			}
			return nil
		},
		Want:    1,
		WantErr: context.Canceled,
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			r := &recorder{}
			w := &Walker{TempDir: t.TempDir(), Problem: r.problem}
			n := 0
			err := w.WalkInput(ctx, in, func(ctx context.Context, e Entry) error {
				n++
				return tt.Stop(cancel, n)
			})
			if !errors.Is(err, tt.WantErr) || (err == nil) != (tt.WantErr == nil) {
				t.Errorf("WalkInput error = %v, want %v", err, tt.WantErr)
			}
			if n != tt.Want {
				t.Errorf("entries seen = %d, want %d", n, tt.Want)
			}
			r.checkProblems(t, nil)
		})
	}
}

// TestWalkCanceledDuringRead checks that a read after ctx is done fails
// with ctx's error and stops the walk, rather than being a problem.
func TestWalkCanceledDuringRead(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "a.tar.gz", Data: compress(t, ".gz", tarOf(t, tf{Name: "1.csv", Data: csv1}, tf{Name: "2.csv", Data: csv1}))}})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := &recorder{}
	w := &Walker{Problem: r.problem}
	err := w.WalkInput(ctx, Input{Path: "a.tar.gz", Source: "a.tar.gz"}, func(ctx context.Context, e Entry) error {
		rc, err := e.Open()
		if err != nil {
			return err
		}
		cancel()
		_, err = io.Copy(io.Discard, rc)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WalkInput error = %v, want context.Canceled", err)
	}
	r.checkProblems(t, nil)
}

// TestWalkFnPanic checks that a panic of fn is not mistaken for a corrupt
// archive: it goes on to the caller.
func TestWalkFnPanic(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "a.zip", Data: zipOf(t, zf{Name: "1.csv", Data: csv1})}})
	w := &Walker{}
	defer func() {
		if v := recover(); v != "fn panic" {
			t.Errorf("recovered %v, want fn's panic", v)
		}
	}()
	w.WalkInput(t.Context(), Input{Path: "a.zip", Source: "a.zip"}, func(ctx context.Context, e Entry) error {
		panic("fn panic")
	})
	t.Error("WalkInput returned")
}

// TestWalkConcurrent walks every input from its own goroutine with one
// shared Walker and Stats, and compares with a sequential walk.
func TestWalkConcurrent(t *testing.T) {
	t.Chdir(t.TempDir())
	var files []file
	for _, tt := range walkTests() {
		if tt.Walker.MaxSpool != 0 || tt.Walker.MaxDepth != 0 || tt.Walker.IsData != nil {
			continue
		}
		for _, f := range tt.Files(t) {
			f.Path = tt.Name + "/" + f.Path
			files = append(files, f)
		}
	}
	writeTree(t, ".", files)
	ins, err := Expand(t.Context(), []string{"."})
	if err != nil {
		t.Fatal(err)
	}

	seq := &recorder{}
	ws := &Walker{TempDir: t.TempDir(), Problem: seq.problem, Stats: new(Stats)}
	if err := ws.Walk(t.Context(), ins, seq.fn); err != nil {
		t.Fatal(err)
	}

	par := &recorder{}
	wp := &Walker{TempDir: t.TempDir(), Problem: par.problem, Stats: new(Stats)}
	var wg sync.WaitGroup
	errs := make([]error, len(ins))
	for i, in := range ins {
		wg.Go(func() { errs[i] = wp.WalkInput(t.Context(), in, par.fn) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got, want := par.sortedEntries(), seq.sortedEntries(); !reflect.DeepEqual(got, want) {
		t.Errorf("concurrent entries differ:\ngot  %v\nwant %v", got, want)
	}
	if got, want := len(par.problems), len(seq.problems); got != want || want == 0 {
		t.Errorf("concurrent problems = %d, sequential %d", got, want)
	}
	if got, want := wp.Stats.DataFiles.Load(), ws.Stats.DataFiles.Load(); got != want {
		t.Errorf("concurrent DataFiles = %d, sequential %d", got, want)
	}
}

// TestEntryOpen checks Entry.Open's contract: once, and only inside fn.
func TestEntryOpen(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "a.tar", Data: tarOf(t, tf{Name: "1.csv", Data: csv1})}})
	var kept Entry
	var second error
	err := (&Walker{}).WalkInput(t.Context(), Input{Path: "a.tar", Source: "a.tar"}, func(ctx context.Context, e Entry) error {
		kept = e
		if _, err := e.Open(); err != nil {
			return err
		}
		_, second = e.Open()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if second == nil || !strings.Contains(second.Error(), "opened twice") {
		t.Errorf("second Open error = %v, want \"opened twice\"", second)
	}
	if _, err := kept.Open(); err == nil || !strings.Contains(err.Error(), "after its fn returned") {
		t.Errorf("Open after fn error = %v, want \"after its fn returned\"", err)
	}
}
