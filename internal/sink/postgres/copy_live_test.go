package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// liveColumns has one column of each type siftload creates.
var liveColumns = []schema.Column{
	{Name: "n", Type: schema.Integer}, {Name: "d", Type: schema.Decimal}, {Name: "day", Type: schema.Date},
	{Name: "ts", Type: schema.Timestamp}, {Name: "tz", Type: schema.TimestampTZ}, {Name: "s", Type: schema.Text},
}

func liveRecords() [][]any {
	plus2 := time.FixedZone("", 2*3600)
	recs := [][]any{
		{int64(-9223372036854775808), "-0.0001", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 999999000, plus2), time.Date(2023, 1, 2, 10, 0, 0, 0, plus2), ""},
		{nil, nil, nil, nil, nil, nil},
		{int64(42), "12.50", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 1000, time.UTC), time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC), "héllo, \"wörld\"\n\\N"},
	}
	for i := range 3000 { // more than one CopyData message
		recs = append(recs, []any{int64(i), fmt.Sprintf("%d.%03d", i-1500, i%1000), time.Date(2020, 1, 1+i%400, 0, 0, 0, 0, time.UTC),
			time.Date(2020, 1, 1, 0, 0, i, i*1000, time.UTC), time.Date(2020, 1, 1, 0, 0, i, 0, plus2), strings.Repeat("x", i%50)})
	}
	return recs
}

// TestCopyStreamAsPgx loads the same records through the COPY stream and
// through pgx's CopyFrom, in both table modes, and compares the tables'
// text and the ledger's digests.
func TestCopyStreamAsPgx(t *testing.T) {
	dsn, opts, schemaName, admin := testSchema(t)
	ctx := context.Background()
	s, err := Factory{}.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs := liveRecords()
	dump := func(table string) string {
		var out string
		q := fmt.Sprintf(`SELECT string_agg(t::text, E'\n' ORDER BY t::text) FROM %s.%s t`, schemaName, table)
		if err := admin.QueryRow(ctx, q).Scan(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, one := range []bool{false, true} {
		var dumps, digests [2]string
		for i, pgxOnly := range []bool{false, true} {
			table := fmt.Sprintf("t_%v_%v", one, pgxOnly)
			job := sink.LoadJob{Key: table + ".csv", Source: "a.zip!/x.csv", SHA256: "ab", Rows: int64(len(recs)),
				Table: schema.Table{Name: table, Columns: liveColumns}, OneTable: one}
			pgxCopyOnly = pgxOnly
			res, err := s.Load(ctx, job, sinktest.NewSource(recs...))
			pgxCopyOnly = false
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != int64(len(recs)) {
				t.Fatalf("%s: %d rows, want %d", table, res.Rows, len(recs))
			}
			e, _, err := s.Ledger(ctx, job.Key)
			if err != nil {
				t.Fatal(err)
			}
			dumps[i], digests[i] = strings.ReplaceAll(dump(table), job.Key, "KEY"), e.Digest
		}
		if dumps[0] != dumps[1] {
			t.Errorf("one-table %v: the stream's table differs from pgx's:\n%.2000s\n---\n%.2000s", one, dumps[0], dumps[1])
		}
		if digests[0] != digests[1] || digests[0] == "" {
			t.Errorf("one-table %v: digests %q and %q", one, digests[0], digests[1])
		}
	}
}

// TestCopyOtherTypes loads into an existing table whose columns have
// types the stream does not write (pgx's CopyFrom loads it), and one whose
// column refuses a value: the load fails and leaves nothing.
func TestCopyOtherTypes(t *testing.T) {
	dsn, opts, schemaName, admin := testSchema(t)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s.other (i integer, v varchar(5), f double precision, ts timestamp(0))`, schemaName)); err != nil {
		t.Fatal(err)
	}
	s, err := Factory{}.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cols, _, err := s.Columns(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	job := sink.LoadJob{Key: "other.csv", Source: "a.zip!/other.csv", SHA256: "ab", Rows: 2, Table: schema.Table{Name: "other", Columns: cols}}
	at := time.Date(2023, 1, 2, 10, 0, 1, 0, time.UTC)
	if _, err := s.Load(ctx, job, sinktest.NewSource([]any{int64(7), "abc", "1.25", at}, []any{nil, nil, nil, nil})); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := admin.QueryRow(ctx, fmt.Sprintf(`SELECT string_agg(t::text, ';' ORDER BY t::text) FROM %s.other t`, schemaName)).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := `(,,,);(7,abc,1.25,"2023-01-02 10:00:01")`; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	job.SHA256, job.Rows = "cd", 1
	if _, err := s.Load(ctx, job, sinktest.NewSource([]any{int64(8), "toolong", "1", at})); err == nil {
		t.Error("varchar(5) took 7 characters")
	}
}
