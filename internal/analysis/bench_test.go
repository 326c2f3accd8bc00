package analysis

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zip"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/sitegen"
)

// benchSite generates a site of about 30 MB of CSV (zip and tar.gz
// snapshots) in a temporary directory and returns its directory.
func benchSite(b *testing.B, p sitegen.Params) string {
	b.Helper()
	p.Dir = filepath.Join(b.TempDir(), "site")
	if _, err := sitegen.Generate(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	return p.Dir
}

// benchZip returns the bytes of the zip of a generated site of one
// snapshot, and the same zip with its members stored (not compressed).
func benchZip(b *testing.B, p sitegen.Params) (deflated, stored []byte) {
	b.Helper()
	dir := benchSite(b, p)
	var name string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".zip") {
			name = p
		}
		return err
	})
	if err != nil || name == "" {
		b.Fatalf("no zip in %s: %v", dir, err)
	}
	deflated, err = os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(deflated), int64(len(deflated)))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		r, err := f.Open()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return deflated, buf.Bytes()
}

// BenchmarkMeasure is the whole analysis of one in-memory zip: every data
// member inflated (klauspost/compress, as archive's walk reads them),
// hashed, counted and measured, one member after the other. "stored" is
// the same zip without compression: what the pipeline costs beyond
// inflate.
func BenchmarkMeasure(b *testing.B) {
	deflated, stored := benchZip(b, sitegen.Params{Snapshots: 1, Keys: 20, Rows: 20000, Columns: 8, Seed: 1})
	rows, _ := metric.Lookup(metric.Default)
	maxTS, _ := metric.Lookup("max:ts")
	for _, bc := range []struct {
		name string
		zip  []byte
		m    metric.Metric
	}{
		{"deflate", deflated, rows},
		{"stored", stored, rows},
		{"deflate/max-ts", deflated, maxTS},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			opts := Options{Metric: bc.m}
			zr, err := zip.NewReader(bytes.NewReader(bc.zip), int64(len(bc.zip)))
			if err != nil {
				b.Fatal(err)
			}
			var size int64
			for _, f := range zr.File {
				if strings.HasSuffix(f.Name, ".csv") {
					size += int64(f.UncompressedSize64)
				}
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range zr.File {
					if !strings.HasSuffix(f.Name, ".csv") {
						continue
					}
					e := archive.Entry{Source: f.Name, Key: f.Name, Size: int64(f.UncompressedSize64),
						Open: func() (io.ReadCloser, error) { return f.Open() }}
					c, _, err := measure(ctx, e, opts)
					if err != nil {
						b.Fatal(err)
					}
					if c.Rows == 0 {
						b.Fatalf("%s: no rows", f.Name)
					}
				}
			}
		})
	}
}

// BenchmarkMeasureBig is the analysis of one zip member of 128 MiB read
// as a plain copy, on one core, and read a few chunks ahead (copyAhead):
// the inflate on one core, the hash and count on another.
func BenchmarkMeasureBig(b *testing.B) {
	deflated, _ := benchZip(b, sitegen.Params{Snapshots: 1, Keys: 1, Rows: 1000, Columns: 8, Seed: 1, OneBig: 128 << 20})
	zr, err := zip.NewReader(bytes.NewReader(deflated), int64(len(deflated)))
	if err != nil {
		b.Fatal(err)
	}
	var f *zip.File
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, ".csv") {
			f = zf
		}
	}
	m, _ := metric.Lookup(metric.Default)
	defer func(n int64) { aheadMinSize = n }(aheadMinSize)
	for _, bc := range []struct {
		name     string
		aheadMin int64
	}{{"copy", math.MaxInt64}, {"ahead", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			aheadMinSize = bc.aheadMin
			e := archive.Entry{Source: f.Name, Key: f.Name, Size: int64(f.UncompressedSize64)}
			b.SetBytes(e.Size)
			b.ReportAllocs()
			for b.Loop() {
				e.Open = func() (io.ReadCloser, error) { return f.Open() }
				if _, _, err := measure(context.Background(), e, Options{Metric: m}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRun is Run on a generated site of about 30 MB of CSV in 12
// snapshots (zip, every 4th a tar.gz), with one worker and with one per
// CPU. Profile it with
//
//	go test ./internal/analysis -run '^$' -bench Run/workers=1 -cpuprofile cpu.out
func BenchmarkRun(b *testing.B) {
	dir := benchSite(b, sitegen.Params{Snapshots: 12, Keys: 10, Rows: 8000, Columns: 8, Seed: 1, TarEvery: 4})
	ctx := context.Background()
	inputs, err := archive.Expand(ctx, []string{dir})
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			opts := Options{Workers: workers}
			run := func() *Result {
				res, err := Run(ctx, inputs, opts)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Problems) > 0 {
					b.Fatalf("problems: %v", res.Problems[0])
				}
				return res
			}
			b.SetBytes(run().Stats.DataBytes) // and warms the page cache
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
	}
}
