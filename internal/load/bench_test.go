package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/zip"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlite"
	"github.com/siftload/siftload/internal/sitegen"
)

// benchSite generates a site in a temporary directory and returns its
// directory.
func benchSite(b *testing.B, p sitegen.Params) string {
	b.Helper()
	p.Dir = filepath.Join(b.TempDir(), "site")
	if _, err := sitegen.Generate(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	return p.Dir
}

// benchCSV returns one generated CSV file of 100,000 rows (about 6.5 MB:
// timestamps, ids, decimals, quoted text with commas and the odd newline).
func benchCSV(b *testing.B) []byte {
	b.Helper()
	dir := benchSite(b, sitegen.Params{Snapshots: 1, Keys: 1, Rows: 100_000, Columns: 8, Seed: 1})
	var data []byte
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".zip") {
			return err
		}
		zr, err := zip.OpenReader(p)
		if err != nil {
			return err
		}
		defer zr.Close()
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, ".csv") {
				r, err := f.Open()
				if err != nil {
					return err
				}
				data, err = io.ReadAll(r)
				r.Close()
				return err
			}
		}
		return nil
	})
	if err != nil || data == nil {
		b.Fatalf("no CSV in %s: %v", dir, err)
	}
	return data
}

// BenchmarkSource is the load pipeline's CSV-parse and convert path: a big
// CSV through the record source (sha256 tee, record.Reader, converter)
// into a consumer that discards the values, with the types inferred from
// the file and with --all-text. Type inference, the first pass over a new
// table's file, is BenchmarkInferColumns.
func BenchmarkSource(b *testing.B) {
	data := benchCSV(b)
	sum := sha256.Sum256(data)
	for _, allText := range []bool{false, true} {
		name := "typed"
		if allText {
			name = "all-text"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			im := NewImporter(nil, Config{Parsing: Parsing{AllText: allText}, Files: Files{Open: func(_ context.Context, _, _ string, fn func(io.Reader) error) error {
				return fn(bytes.NewReader(data))
			}}})
			j := &job{Entry: plan.Entry{Candidate: plan.Candidate{Key: "data/LINE01.csv", Source: "bench", SHA256: hex.EncodeToString(sum[:])}}, table: "data_line01"}
			cols, err := im.inferColumns(ctx, j)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var rows int64
			for b.Loop() {
				src, err := im.newSource(newVerifier(bytes.NewReader(data), j.SHA256), j, cols, false, nil)
				if err != nil {
					b.Fatal(err)
				}
				rows = 0
				for src.Next() {
					if _, err := src.Values(); err != nil {
						b.Fatal(err)
					}
					rows++
				}
				if err := src.Err(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkInferColumns is the first pass of a new table's load: the
// whole file through record.Reader and schema.Inferrer.
func BenchmarkInferColumns(b *testing.B) {
	data := benchCSV(b)
	ctx := context.Background()
	im := NewImporter(nil, Config{Files: Files{Open: func(_ context.Context, _, _ string, fn func(io.Reader) error) error {
		return fn(bytes.NewReader(data))
	}}})
	j := &job{Entry: plan.Entry{Candidate: plan.Candidate{Key: "data/LINE01.csv", Source: "bench"}}, table: "data_line01"}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := im.inferColumns(ctx, j); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunSQLite is the whole import of a plan into a new SQLite
// database: 8 keys of 20,000 rows each read from their zip, parsed,
// converted, inserted and verified. Profile it with
//
//	go test ./internal/load -run '^$' -bench RunSQLite -cpuprofile cpu.out
func BenchmarkRunSQLite(b *testing.B) {
	benchImport(b, func(b *testing.B, i int) (sink.Sink, func()) {
		dsn := "sqlite:" + filepath.Join(b.TempDir(), "bench"+strconv.Itoa(i)+".db")
		s, err := sqlite.Factory{}.Open(context.Background(), dsn, sink.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return s, nil
	})
}

// benchImport imports a generated plan (8 keys of 20,000 rows, 8
// columns, in one zip), typed and --all-text, into the sink that open
// gives for each iteration i; the clean-up it returns, if any, runs
// untimed after the sink is closed. Opening the sink is untimed too.
func benchImport(b *testing.B, open func(b *testing.B, i int) (sink.Sink, func())) {
	dir := benchSite(b, sitegen.Params{Snapshots: 1, Keys: 8, Rows: 20_000, Columns: 8, Seed: 1})
	ctx := context.Background()
	inputs, err := archive.Expand(ctx, []string{dir})
	if err != nil {
		b.Fatal(err)
	}
	m, _ := metric.Lookup(metric.Default)
	res, err := analysis.Run(ctx, inputs, analysis.Options{Workers: 1, Metric: m})
	if err != nil {
		b.Fatal(err)
	}
	entries := plan.Choose(res.Candidates, m.Compare)
	var rows, size int64
	for _, e := range entries {
		rows += e.Rows
		size += e.Bytes
	}
	for _, allText := range []bool{false, true} {
		name := "typed"
		if allText {
			name = "all-text"
		}
		b.Run(name, func(b *testing.B) {
			var w archive.Walker
			var opens atomic.Int64
			openSource := func(ctx context.Context, base, source string, fn func(io.Reader) error) error {
				opens.Add(1)
				return w.Open(ctx, base, source, fn)
			}
			cfg := Config{Parsing: Parsing{AllText: allText}, Concurrency: Concurrency{Workers: 1}, Files: Files{Open: openSource}}
			b.SetBytes(size)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				b.StopTimer()
				s, cleanup := open(b, i)
				b.StartTimer()
				sum, err := NewImporter(s, cfg).Run(ctx, entries)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Rows != rows {
					b.Fatalf("loaded %d rows, want %d", sum.Rows, rows)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				if cleanup != nil {
					b.StopTimer()
					cleanup()
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(opens.Load())/float64(b.N)/float64(len(entries)), "opens/key")
		})
	}
}
