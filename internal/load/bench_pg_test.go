package load

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/postgres"
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
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	benchImport(b, func(b *testing.B, i int) (sink.Sink, func()) {
		schemaName := fmt.Sprintf("bench_run_pg_%d_%d", os.Getpid(), i)
		if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schemaName); err != nil {
			b.Fatal(err)
		}
		s, err := postgres.Factory{}.Open(ctx, dsn+sep+"options=-csearch_path%3D"+schemaName, opts)
		if err != nil {
			b.Fatal(err)
		}
		return s, func() {
			if _, err := admin.Exec(ctx, "DROP SCHEMA "+schemaName+" CASCADE"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
