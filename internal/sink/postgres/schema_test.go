package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// testSchema creates a schema of its own for the test and returns the
// test DSN with that schema as its search path.
func testSchema(t *testing.T) (dsn string, opts sink.Options, schemaName string, admin *pgx.Conn) {
	t.Helper()
	base, opts := testDSN(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	schemaName = fmt.Sprintf("siftload_schema_%d", rand.Uint64()%1e12)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schemaName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schemaName+" CASCADE")
		admin.Close(context.Background())
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "options=-csearch_path%3D" + schemaName, opts, schemaName, admin
}

// TestStatementsUseResolvedSchema gives the sink's connection a TEMP
// table with the load's table name, which a bare name finds before the
// search path's schema (pg_temp, like pg_catalog, is searched first), and
// checks that the rows go to the resolved schema's table.
func TestStatementsUseResolvedSchema(t *testing.T) {
	dsn, opts, schemaName, admin := testSchema(t)
	ctx := context.Background()
	f, err := Factory{}.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.(*Sink)
	c, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.target.Schema != schemaName {
		t.Fatalf("resolved schema %q, want %q", c.target.Schema, schemaName)
	}
	if _, err := c.Exec(ctx, `CREATE TEMP TABLE "line" ("id" bigint)`); err != nil {
		t.Fatal(err)
	}
	c.Release() // the load reuses it
	cols := []schema.Column{{Name: "id", Type: schema.Integer}}
	job := sink.LoadJob{Key: "line.csv", Source: "a.zip!/line.csv", SHA256: "ab", Rows: 2, Table: schema.Table{Name: "line", Columns: cols}}
	for range 2 { // a load, then a replace: DELETE too
		job.SHA256 += "c"
		if _, err := s.Load(ctx, job, sinktest.NewSource([]any{int64(1)}, []any{int64(2)})); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := admin.QueryRow(ctx, `SELECT COUNT(*) FROM `+schemaName+`."line"`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%s.line has %d rows (%v), want 2", schemaName, n, err)
	}
	c, err = s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if err := c.QueryRow(ctx, `SELECT COUNT(*) FROM pg_temp."line"`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the TEMP table took %d rows (%v), want 0", n, err)
	}
}

// TestCatalogTableRefused loads into pg_description straight through the
// sink: it is refused, and the catalog keeps its rows.
func TestCatalogTableRefused(t *testing.T) {
	dsn, opts, _, admin := testSchema(t)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := admin.QueryRow(ctx, "SELECT COUNT(*) FROM pg_catalog.pg_description").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	s, err := Factory{}.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CheckTable("pg_description"); !errors.Is(err, sink.ErrReservedName) {
		t.Errorf("CheckTable(pg_description) = %v, want ErrReservedName", err)
	}
	cols := []schema.Column{{Name: "objoid", Type: schema.Integer}}
	job := sink.LoadJob{Key: "pg_description.csv", Source: "a.zip!/pg_description.csv", SHA256: "ab", Rows: 1, Table: schema.Table{Name: "pg_description", Columns: cols}}
	if _, err := s.Load(ctx, job, sinktest.NewSource([]any{int64(1)})); !errors.Is(err, sink.ErrReservedName) {
		t.Errorf("Load into pg_description: error = %v, want ErrReservedName", err)
	}
	if after := count(); after != before {
		t.Errorf("pg_catalog.pg_description had %d rows, now %d", before, after)
	}
}
