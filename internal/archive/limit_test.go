package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	kzip "github.com/klauspost/compress/zip"

	"github.com/siftload/siftload/internal/problem"
)

// zeroChunk is the unit of zeros that zeroStream repeats.
const zeroChunk = 4 << 20

// repeatStream returns a raw deflate stream (level 9) of prefix, then n
// times unit, then suffix, compressing unit once only: once the window
// holds only copies of unit, each copy compresses (and is flushed) to the
// same bytes. (unit must be longer than the window, 32 KiB, or hold a
// single repeated byte.) The stream of 1 GiB of zeros takes milliseconds
// and compresses 1027:1. The same arguments give the same stream, from a
// cache: compressing is slow under the race detector.
func repeatStream(tb testing.TB, prefix, unit []byte, n int, suffix []byte) []byte {
	tb.Helper()
	if n < 2 {
		tb.Fatalf("repeatStream: %d copies, want 2 or more", n)
	}
	key := string(prefix) + "\x00" + string(unit) + "\x00" + string(suffix)
	repeatMu.Lock()
	c, ok := repeatCache[key]
	repeatMu.Unlock()
	if !ok {
		var b bytes.Buffer
		fw, err := flate.NewWriter(&b, flate.BestCompression)
		if err != nil {
			tb.Fatal(err)
		}
		next := func(data []byte) []byte {
			if _, err := fw.Write(data); err != nil {
				tb.Fatal(err)
			}
			if err := fw.Flush(); err != nil {
				tb.Fatal(err)
			}
			out := bytes.Clone(b.Bytes())
			b.Reset()
			return out
		}
		c.first = append(next(prefix), next(unit)...)
		c.again = next(unit)
		if !bytes.Equal(c.again, next(unit)) {
			tb.Fatal("repeatStream: flate does not repeat itself")
		}
		if _, err := fw.Write(suffix); err != nil {
			tb.Fatal(err)
		}
		if err := fw.Close(); err != nil {
			tb.Fatal(err)
		}
		c.last = b.Bytes()
		repeatMu.Lock()
		repeatCache[key] = c
		repeatMu.Unlock()
	}
	out := make([]byte, 0, len(c.first)+(n-1)*len(c.again)+len(c.last))
	out = append(out, c.first...)
	for range n - 1 {
		out = append(out, c.again...)
	}
	return append(out, c.last...)
}

// repeated is a cached start of repeatStream: the compressed prefix and
// first unit, a further unit, and the suffix and end of the stream.
type repeated struct{ first, again, last []byte }

var (
	repeatMu    sync.Mutex
	repeatCache = map[string]repeated{}
)

// zeroStream returns a raw deflate stream of prefix, zeros zero bytes (a
// multiple of zeroChunk, at least two chunks) and suffix.
func zeroStream(tb testing.TB, prefix []byte, zeros int64, suffix []byte) []byte {
	tb.Helper()
	if zeros%zeroChunk != 0 {
		tb.Fatalf("zeroStream: %d zeros is no multiple of %d", zeros, zeroChunk)
	}
	return repeatStream(tb, prefix, make([]byte, zeroChunk), int(zeros/zeroChunk), suffix)
}

// crcOf returns the CRC-32 of prefix, zeros zero bytes and suffix.
func crcOf(prefix []byte, zeros int64, suffix []byte) uint32 {
	crc := crc32.ChecksumIEEE(prefix)
	chunk := make([]byte, zeroChunk)
	for n := zeros; n > 0; n -= zeroChunk {
		crc = crc32.Update(crc, crc32.IEEETable, chunk[:min(n, zeroChunk)])
	}
	return crc32.Update(crc, crc32.IEEETable, suffix)
}

// zeroGzip returns a gzip file of prefix, zeros zero bytes and suffix.
func zeroGzip(tb testing.TB, prefix []byte, zeros int64, suffix []byte) []byte {
	tb.Helper()
	out := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff} // deflate, no name, best compression, unknown OS
	out = append(out, zeroStream(tb, prefix, zeros, suffix)...)
	out = binary.LittleEndian.AppendUint32(out, crcOf(prefix, zeros, suffix))
	return binary.LittleEndian.AppendUint32(out, uint32(int64(len(prefix))+zeros+int64(len(suffix))))
}

// zipBomb builds a zip whose member name holds zeros zero bytes
// (deflated), between the other members before and after.
func zipBomb(tb testing.TB, name string, zeros int64, before, after []zf) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add := func(files []zf) {
		for _, f := range files {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := io.WriteString(w, f.Data); err != nil {
				tb.Fatal(err)
			}
		}
	}
	add(before)
	data := zeroStream(tb, nil, zeros, nil)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crcOf(nil, zeros, nil),
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(zeros),
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	add(after)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// overlapZip builds a zip of n members, m0000.csv to m(n-1).csv, whose
// central directory entries all point to the same compressed data:
// zeros zero bytes. Each member is small and compresses as deflate can;
// together they yield n times more than the archive could hold.
func overlapZip(tb testing.TB, zeros int64, n int) []byte {
	tb.Helper()
	const name = "m0000.csv"
	b := zipBomb(tb, name, zeros, nil, nil)
	eocd := b[len(b)-22:]
	if binary.LittleEndian.Uint32(eocd) != 0x06054b50 || binary.LittleEndian.Uint16(eocd[10:]) != 1 {
		tb.Fatal("overlapZip: unexpected end of central directory")
	}
	cdOff := binary.LittleEndian.Uint32(eocd[16:])
	entry := b[cdOff : len(b)-22]
	if !bytes.Contains(entry, []byte(name)) {
		tb.Fatal("overlapZip: unexpected central directory")
	}
	out := bytes.Clone(b[:cdOff])
	for i := range n {
		out = append(out, bytes.Replace(entry, []byte(name), fmt.Appendf(nil, "m%04d.csv", i), 1)...)
	}
	end := bytes.Clone(eocd)
	binary.LittleEndian.PutUint16(end[8:], uint16(n))
	binary.LittleEndian.PutUint16(end[10:], uint16(n))
	binary.LittleEndian.PutUint32(end[12:], uint32(len(out)-int(cdOff)))
	return append(out, end...)
}

// zipLevel9 builds a zip of files deflated at level 9.
func zipLevel9(tb testing.TB, files ...zf) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
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

// sparseUnit is 1 MiB of zeros with a random byte every 4 KiB: copies of
// it deflate about 580:1, under the default limit on their own.
var sparseUnit = func() []byte {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(b); i += 4096 {
		b[i] = byte(r.IntN(256))
	}
	return b
}()

// sparseZip returns a zip whose member name holds n copies of sparseUnit.
func sparseZip(tb testing.TB, name string, n int) []byte {
	tb.Helper()
	data := repeatStream(tb, nil, sparseUnit, n, nil)
	crc := uint32(0)
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, sparseUnit)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(n * len(sparseUnit)),
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// tarGzBomb returns a tar.gz holding first.csv, then junk.bin of zeros
// zero bytes, then after.csv.
func tarGzBomb(tb testing.TB, zeros int64) []byte {
	tb.Helper()
	var head bytes.Buffer
	tw := tar.NewWriter(&head)
	for _, h := range []*tar.Header{
		{Name: "first.csv", Mode: 0o644, Size: int64(len(csv1))},
		{Name: "junk.bin", Mode: 0o644, Size: zeros},
	} {
		if err := tw.WriteHeader(h); err != nil {
			tb.Fatal(err)
		}
		if h.Name == "first.csv" {
			io.WriteString(tw, csv1)
		}
	}
	// tw is left open: junk.bin's zeros follow, then a tar of its own
	// (after.csv and the end of the archive) continues the blocks.
	tail := tarOf(tb, tf{Name: "after.csv", Data: csv1})
	return zeroGzip(tb, head.Bytes(), zeros, tail)
}

// bigCSV is a CSV file of about 80 KiB.
var bigCSV = numbers(5000)

func limitTests() []walkTest {
	const gib = 1 << 30
	ratioProblem := "compression ratio above 1000:1: possible decompression bomb"
	return []walkTest{{
		Name: "GzipBomb",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/bomb.csv.gz", Data: zeroGzip(tb, nil, gib, nil)},
				{Path: "site/ok.csv", Data: []byte(csv1)},
			}
		},
		Want:         []got{{"site/ok.csv", "ok.csv", 12, 0, csv1}},
		WantProblems: []wantProblem{{"site/bomb.csv.gz", ratioProblem}},
	}, {
		Name: "ZipMemberBomb",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipBomb(tb, "bomb.csv", gib, []zf{{Name: "first.csv", Data: csv1}}, []zf{{Name: "last.csv", Data: csv1}})}}
		},
		Want: []got{
			{"site/a.zip!/first.csv", "first.csv", 12, 1, csv1},
			{"site/a.zip!/last.csv", "last.csv", 12, 1, csv1},
		},
		WantProblems: []wantProblem{{"site/a.zip!/bomb.csv", ratioProblem}},
	}, {
		// A compressed member of a zip: its zip member is small, its
		// decompression is the bomb.
		Name: "GzipInZipBomb",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "bomb.csv.gz", Data: string(zeroGzip(tb, nil, gib, nil)), Store: true}, zf{Name: "ok.csv", Data: csv1})}}
		},
		Want:         []got{{"site/a.zip!/ok.csv", "ok.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.zip!/bomb.csv.gz", ratioProblem}},
	}, {
		// The bomb is in the tar stream, in a member that is not data:
		// skipping it reads the stream, whose meter stops the archive.
		Name:         "TarGzStreamBomb",
		Files:        func(tb testing.TB) []file { return []file{{Path: "site/a.tar.gz", Data: tarGzBomb(tb, gib)}} },
		Want:         []got{{"site/a.tar.gz!/first.csv", "first.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.tar.gz", ratioProblem}},
		WantSkipped:  1,
	}, {
		// The spool of a compressed nested zip respects the ratio rule:
		// the bomb is the nested zip's own compression.
		Name: "SpoolBomb",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "in.zip.gz", Data: string(zeroGzip(tb, nil, gib, nil)), Store: true}, zf{Name: "ok.csv", Data: csv1})}}
		},
		Want:         []got{{"site/a.zip!/ok.csv", "ok.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.zip!/in.zip.gz", ratioProblem}},
	}, {
		// Two layers, each under 1000:1 (580:1, then the nested zip's
		// own ratio): the ratio is measured against the outermost file, so
		// together they cross it.
		Name: "NestedLayersMultiply",
		Files: func(tb testing.TB) []file {
			inner := sparseZip(tb, "bomb.csv", 32)
			outer := zipLevel9(tb, zf{Name: "inner.zip", Data: string(inner)}, zf{Name: "ok.csv", Data: csv1})
			if r := float64(32<<20) / float64(len(inner)); r > 900 {
				tb.Fatalf("inner layer compresses %.0f:1, want under 900:1", r)
			}
			if r := float64(len(inner)) / float64(len(outer)); r > 900 {
				tb.Fatalf("outer layer compresses %.0f:1, want under 900:1", r)
			}
			return []file{{Path: "site/a.zip", Data: outer}}
		},
		Want:         []got{{"site/a.zip!/ok.csv", "ok.csv", 12, 1, csv1}},
		WantProblems: []wantProblem{{"site/a.zip!/inner.zip!/bomb.csv", ratioProblem}},
	}, {
		Name: "MemberSize",
		Files: func(tb testing.TB) []file {
			return []file{
				{Path: "site/a.zip", Data: zipOf(tb,
					zf{Name: "big.csv", Data: bigCSV},                                         // the header says too much
					zf{Name: "big.csv.gz", Data: string(compress(tb, ".gz", []byte(bigCSV)))}, // counted while read
					zf{Name: "ok.csv", Data: csv1},
				)},
				{Path: "site/b.tar", Data: tarOf(tb, tf{Name: "big.csv", Data: bigCSV}, tf{Name: "ok.csv", Data: csv1})},
				{Path: "site/c.csv.gz", Data: compress(tb, ".gz", []byte(bigCSV))},
				{Path: "site/d.csv", Data: []byte(bigCSV)}, // a loose uncompressed file is as large as it is
			}
		},
		Walker: Walker{MaxMemberSize: 64 << 10},
		Want: []got{
			{"site/a.zip!/ok.csv", "ok.csv", 12, 1, csv1},
			{"site/b.tar!/ok.csv", "ok.csv", 12, 1, csv1},
			{"site/d.csv", "d.csv", int64(len(bigCSV)), 0, bigCSV},
		},
		WantProblems: []wantProblem{
			{"site/a.zip!/big.csv", "member larger than 64 KiB limit (its header says"},
			{"site/a.zip!/big.csv.gz", "member larger than 64 KiB limit"},
			{"site/b.tar!/big.csv", "member larger than 64 KiB limit (its header says"},
			{"site/c.csv.gz", "file larger than 64 KiB limit"},
		},
	}, {
		Name: "MemberSizeBomb",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/x.zip", Data: zipOf(tb, zf{Name: "b.csv.gz", Data: string(zeroGzip(tb, nil, 64<<20, nil))})}}
		},
		Walker:       Walker{MaxMemberSize: 8 << 20, MaxRatio: -1},
		WantProblems: []wantProblem{{"site/x.zip!/b.csv.gz", "member larger than 8.0 MiB limit"}},
	}, {
		Name: "RatioOff",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/z.csv.gz", Data: zeroGzip(tb, nil, 24<<20, nil)}}
		},
		Walker: Walker{MaxRatio: -1},
		Want:   []got{{"site/z.csv.gz", "z.csv", -1, 0, strings.Repeat("\x00", 24<<20)}},
	}, {
		Name: "RatioHigher",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/z.csv.gz", Data: zeroGzip(tb, nil, 24<<20, nil)}}
		},
		Walker: Walker{MaxRatio: 2000},
		Want:   []got{{"site/z.csv.gz", "z.csv", -1, 0, strings.Repeat("\x00", 24<<20)}},
	}, {
		// Under the grace, a file of zeros is no bomb.
		Name: "RatioGrace",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/z.csv.gz", Data: zeroGzip(tb, nil, 12<<20, nil)}}
		},
		Want: []got{{"site/z.csv.gz", "z.csv", -1, 0, strings.Repeat("\x00", 12<<20)}},
	}}
}

func TestWalkLimits(t *testing.T) {
	for _, tt := range limitTests() {
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}

// TestOpenLimits checks that Walker.Open meters what it reads as a walk
// does.
func TestOpenLimits(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{
		{Path: "a.zip", Data: zipBomb(t, "bomb.csv", 1<<30, nil, nil)},
		{Path: "b.csv.gz", Data: zeroGzip(t, nil, 1<<30, nil)},
	})
	for _, src := range []string{"a.zip!/bomb.csv", "b.csv.gz"} {
		err := (&Walker{}).Open(t.Context(), "", src, func(r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if !errors.Is(err, ErrRatio) {
			t.Errorf("Open(%s) error = %v, want ErrRatio", src, err)
		}
	}
}

// TestWalkBombMemory walks 1 GiB zero bombs (a gzip file, a zip member)
// with the default limits and checks that the heap stays small while the
// ratio rule stops them.
func TestWalkBombMemory(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{
		{Path: "site/bomb.csv.gz", Data: zeroGzip(t, nil, 1<<30, nil)},
		{Path: "site/a.zip", Data: zipBomb(t, "bomb.csv", 1<<30, nil, nil)},
		{Path: "site/b.tar.gz", Data: tarGzBomb(t, 1<<30)},
	})
	ins, err := Expand(t.Context(), []string{"site"})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	var problems []string
	w := &Walker{TempDir: t.TempDir(), Problem: func(pe *problem.Error) { problems = append(problems, pe.Error()) }}
	err = w.Walk(t.Context(), ins, func(ctx context.Context, e Entry) error {
		rc, err := e.Open()
		if err != nil {
			return err
		}
		buf := make([]byte, 32<<10)
		for n := 0; ; n++ {
			if n%64 == 0 {
				sample()
			}
			if _, err := rc.Read(buf); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	sample()
	if len(problems) != 3 {
		t.Errorf("problems = %q, want the three bombs", problems)
	}
	grew := int64(peak) - int64(base)
	t.Logf("heap in use: %d MiB before, peak %d MiB (%+d KiB)", base>>20, peak>>20, grew>>10)
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MiB walking the bombs, want under 32 MiB", grew>>20)
	}
}

// TestWalkOverlappingZip walks a zip of 1000 members of 8 MiB that share
// their compressed data: each is under the grace of the ratio rule, the
// archive's budget stops the walk of the archive soon.
func TestWalkOverlappingZip(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "a.zip", Data: overlapZip(t, 8<<20, 1000)}})
	r := &recorder{}
	w := &Walker{TempDir: t.TempDir(), Problem: r.problem}
	var n int
	err := w.WalkInput(t.Context(), Input{Path: "a.zip", Source: "a.zip", Key: "a.zip"}, func(ctx context.Context, e Entry) error {
		rc, err := e.Open()
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d members of 8 MiB read before the archive's budget stopped the walk", n)
	if n == 0 || n > 20 {
		t.Errorf("%d members read, want a few", n)
	}
	const ratio = "compression ratio above 1000:1: possible decompression bomb"
	r.checkProblems(t, []wantProblem{{fmt.Sprintf("a.zip!/m%04d.csv", n), ratio}, {"a.zip", ratio}})
}

// manyEntriesZip returns a zip of n tiny stored members named like
// "2023/LINE0000001.csv", each with the extended timestamp that Info-ZIP
// and Go write.
func manyEntriesZip(tb testing.TB, n int) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	mod := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range n {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("2023/LINE%07d.csv", i), Method: zip.Store, Modified: mod})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(w, "1\n"); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// liveHeap returns the bytes of the live heap after a collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// zipEntryMemory returns the live heap per entry that the zip reader
// holds (the central directory) for a zip of n entries, and the peak live
// heap per entry of a walk of it whose fn keeps nothing.
func zipEntryMemory(tb testing.TB, n int) (reader, walk float64) {
	tb.Helper()
	dir := tb.TempDir()
	p := filepath.Join(dir, "many.zip")
	if err := os.WriteFile(p, manyEntriesZip(tb, n), 0o644); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	base := liveHeap()
	zr, err := kzip.NewReader(f, fi.Size())
	if err != nil {
		tb.Fatal(err)
	}
	reader = float64(liveHeap()-base) / float64(n)
	runtime.KeepAlive(zr)
	zr = nil

	base = liveHeap()
	var peak int64
	seen := 0
	w := &Walker{TempDir: dir}
	err = w.WalkInput(tb.Context(), Input{Path: p, Source: "many.zip", Key: "many.zip", Size: fi.Size()}, func(ctx context.Context, e Entry) error {
		if seen++; seen%(n/8) == 0 {
			peak = max(peak, liveHeap()-base)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if seen != n {
		tb.Fatalf("walk saw %d entries, want %d", seen, n)
	}
	return reader, float64(peak) / float64(n)
}

// TestZipManyEntries checks the memory a zip of many entries costs: the
// zip reader keeps its central directory (about 200 bytes an entry with
// short names), and a walk adds nothing per entry to it.
func TestZipManyEntries(t *testing.T) {
	const n = 50_000
	reader, walk := zipEntryMemory(t, n)
	t.Logf("%d entries: zip reader %.0f B/entry, walk peak %.0f B/entry", n, reader, walk)
	if reader > 300 {
		t.Errorf("zip reader keeps %.0f bytes an entry, want under 300", reader)
	}
	if walk > reader+16 {
		t.Errorf("a walk keeps %.0f bytes an entry, the zip reader %.0f: the walk adds per entry", walk, reader)
	}
}

// BenchmarkZipManyEntries reports the memory per entry of a zip of one
// million entries (see TestZipManyEntries).
func BenchmarkZipManyEntries(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		reader, walk := zipEntryMemory(b, n)
		b.ReportMetric(reader, "reader-B/entry")
		b.ReportMetric(walk, "walk-B/entry")
	}
}
