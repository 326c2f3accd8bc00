package load

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/postgres"
	"github.com/siftload/siftload/internal/sitegen"
	"github.com/siftload/siftload/internal/testenv"
)

// BenchmarkRunPostgres imports a generated site's plan (8 keys of 20,000
// rows, as BenchmarkRunSQLite) into a new schema of the test server per
// iteration, typed and --all-text. Profile the client with
//
//	go test ./internal/load -run '^$' -bench RunPostgres -cpuprofile cpu.out
func BenchmarkRunPostgres(b *testing.B) {
	dsn := os.Getenv("SIFTLOAD_TEST_POSTGRES_URL")
	if dsn == "" {
		testenv.Skip(b, "SIFTLOAD_TEST_POSTGRES_URL is not set")
	}
	opts := sink.Options{Password: os.Getenv("SIFTLOAD_TEST_POSTGRES_PASSWORD")}
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
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, allText := range []bool{false, true} {
		name := "typed"
		if allText {
			name = "all-text"
		}
		b.Run(name, func(b *testing.B) {
			var w archive.Walker
			open := func(ctx context.Context, base, source string, fn func(io.Reader) error) error {
				return w.Open(ctx, base, source, fn)
			}
			cfg := Config{Parsing: Parsing{AllText: allText}, Concurrency: Concurrency{Workers: 1}, Files: Files{Open: open}}
			b.SetBytes(size)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				schemaName := fmt.Sprintf("bench_run_pg_%d_%d", os.Getpid(), i)
				b.StopTimer()
				if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schemaName); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				s, err := postgres.Factory{}.Open(ctx, dsn+sep+"options=-csearch_path%3D"+schemaName, opts)
				if err != nil {
					b.Fatal(err)
				}
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
				b.StopTimer()
				if _, err := admin.Exec(ctx, "DROP SCHEMA "+schemaName+" CASCADE"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
