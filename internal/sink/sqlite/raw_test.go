package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// TestRawConn checks that the insert's fast path reaches the driver's
// connection: after an upgrade of modernc.org/sqlite that renames its
// fields, loads would still be right but slow (see raw.go).
func TestRawConn(t *testing.T) {
	ctx := context.Background()
	s, err := Factory{}.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.(*Sink).db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var ok bool
	if err := conn.Raw(func(dc any) error { _, ok = rawOf(dc); return nil }); err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("rawOf cannot reach the SQLite handle of the driver's connection: the insert takes database/sql's slow path")
	}
	for _, v := range []any{nil, 1, &struct{ db uintptr }{}, &struct{ db, tls uintptr }{1, 1}} {
		if _, ok := rawOf(v); ok {
			t.Errorf("rawOf(%T) = ok", v)
		}
	}
}

// rawCases are records whose values the fast path and database/sql must
// store alike: empty text (not NULL), a NUL byte, the int64 limits, text
// beyond a batch's first arena, dates and times.
func rawCases(n int) ([]schema.Column, [][]any) {
	cols := []schema.Column{
		{Name: "i", Type: schema.Integer}, {Name: "d", Type: schema.Decimal}, {Name: "t", Type: schema.Text},
		{Name: "day", Type: schema.Date}, {Name: "ts", Type: schema.Timestamp}, {Name: "tz", Type: schema.TimestampTZ},
	}
	at := time.Date(2023, 2, 26, 10, 4, 5, 120_000_000, time.UTC)
	zone := time.FixedZone("", 2*3600)
	texts := []any{"", "a\x00b", "ü", strings.Repeat("x", 100_000), nil, "plain"}
	ints := []any{int64(math.MinInt64), int64(math.MaxInt64), int64(0), nil}
	var recs [][]any
	for i := range n {
		recs = append(recs, []any{
			ints[i%len(ints)], []any{"1.50", "-0.5", nil}[i%3], texts[i%len(texts)],
			[]any{time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC), nil}[i%2],
			at.Add(time.Duration(i) * time.Second), at.In(zone).Add(time.Duration(i) * time.Millisecond),
		})
	}
	return cols, recs
}

// TestRawInsertSameAsSQL loads the same records by the fast path and by
// database/sql, in full batches and a tail, and compares every stored
// value with its SQLite storage class.
func TestRawInsertSameAsSQL(t *testing.T) {
	ctx := context.Background()
	s, err := Factory{}.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 2*batchRows(6) + 7
	cols, recs := rawCases(n)
	dump := func(table string) []string {
		q := fmt.Sprintf(`SELECT quote(i)||typeof(i), quote(d)||typeof(d), quote(t)||typeof(t), quote(day)||typeof(day), quote(ts)||typeof(ts), quote(tz)||typeof(tz) FROM main.%q ORDER BY rowid`, table)
		rows, err := s.(*Sink).db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			v := make([]any, 6)
			p := make([]any, 6)
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(v...))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var got [2][]string
	var digest [2]string
	for i, raw := range []bool{true, false} {
		useRaw = raw
		table := fmt.Sprintf("raw_%v", raw)
		job := sink.LoadJob{Key: table + ".csv", Source: "a.zip!/x.csv", SHA256: "ab", Rows: int64(n), Table: schema.Table{Name: table, Columns: cols}}
		res, err := s.Load(ctx, job, sinktest.NewSource(recs...))
		useRaw = true
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != int64(n) {
			t.Fatalf("raw=%v: loaded %d rows, want %d", raw, res.Rows, n)
		}
		got[i] = dump(table)
		e, _, err := s.Ledger(ctx, job.Key)
		if err != nil {
			t.Fatal(err)
		}
		digest[i] = e.Digest
	}
	if len(got[0]) != n || len(got[1]) != n {
		t.Fatalf("read back %d and %d rows, want %d", len(got[0]), len(got[1]), n)
	}
	for r := range got[0] {
		if got[0][r] != got[1][r] {
			t.Errorf("row %d: fast path stored\n%.200s\ndatabase/sql\n%.200s", r+1, got[0][r], got[1][r])
		}
	}
	if digest[0] != digest[1] {
		t.Errorf("ledger digest %s by the fast path, %s by database/sql", digest[0], digest[1])
	}
	// The empty text is text, not NULL.
	if !strings.Contains(got[0][0], "''text") {
		t.Errorf("row 1 = %.200s, want the empty text ''", got[0][0])
	}
}

// TestSinktestSQLPath runs the sink's contract on the database/sql path
// that a driver without a reachable handle takes.
func TestSinktestSQLPath(t *testing.T) {
	useRaw = false
	defer func() { useRaw = true }()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sinktest.db")
	sinktest.Run(t, Factory{}, dsn, sink.Options{})
}

// BenchmarkInsert loads 100,000 synthetic records by the fast path and
// by database/sql: compare their ns/op and allocs/op.
func BenchmarkInsert(b *testing.B) {
	for _, raw := range []bool{true, false} {
		name := "raw"
		if !raw {
			name = "database-sql"
		}
		b.Run(name, func(b *testing.B) {
			useRaw = raw
			defer func() { useRaw = true }()
			dsn := "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
			sinktest.Bench(b, Factory{}, dsn, sink.Options{}, 100_000)
		})
	}
}

// countingSource is n records of one Integer value; the record failAt
// (1-based; 0: none) fails. It counts its calls of Next, from any
// goroutine.
type countingSource struct {
	n, failAt int64
	i         int64
	nexts     atomic.Int64
	err       error
}

func (s *countingSource) Next() bool {
	s.nexts.Add(1)
	if s.i >= s.n || s.err != nil {
		return false
	}
	s.i++
	return true
}

func (s *countingSource) Values() ([]any, error) {
	if s.i == s.failAt {
		s.err = errors.New("bad value")
		return nil, s.err
	}
	return []any{s.i}, nil
}

func (s *countingSource) Err() error      { return s.err }
func (s *countingSource) Rejected() int64 { return 0 }

// TestInsertBatchesPipeline checks the reader goroutine of insertBatches:
// every record once and in order, an exec error that stops the reader
// before insertBatches returns, and a source error after the batches
// before it ran.
func TestInsertBatchesPipeline(t *testing.T) {
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "i", Type: schema.Integer}}}}
	const per = 10
	t.Run("all", func(t *testing.T) {
		src := &countingSource{n: 1005}
		var next int64 = 1
		n, err := insertBatches(t.Context(), job, src, per, func(args []any, rows int) (int64, error) {
			if len(args) != rows {
				t.Fatalf("%d args for %d rows", len(args), rows)
			}
			for _, a := range args {
				if a.(int64) != next {
					t.Fatalf("value %v, want %d", a, next)
				}
				next++
			}
			return int64(rows), nil
		})
		if err != nil || n != 1005 || next != 1006 {
			t.Fatalf("inserted %d (next %d), %v; want 1005", n, next, err)
		}
	})
	t.Run("exec fails", func(t *testing.T) {
		src := &countingSource{n: 1_000_000}
		batches := 0
		n, err := insertBatches(t.Context(), job, src, per, func(args []any, rows int) (int64, error) {
			if batches++; batches == 3 {
				return 0, errors.New("disk full")
			}
			return int64(rows), nil
		})
		if n != 20 || err == nil || err.Error() != "insert rows 21 to 30: disk full" {
			t.Fatalf("inserted %d, %v; want 20 and the third batch's error", n, err)
		}
		after := src.nexts.Load()
		time.Sleep(20 * time.Millisecond)
		if got := src.nexts.Load(); got != after || after > 1000 {
			t.Fatalf("the source was read %d times, then %d: the reader did not stop", after, got)
		}
	})
	t.Run("source fails", func(t *testing.T) {
		src := &countingSource{n: 1000, failAt: 35}
		var ran int64
		n, err := insertBatches(t.Context(), job, src, per, func(args []any, rows int) (int64, error) {
			ran += int64(rows)
			return int64(rows), nil
		})
		if n != 30 || ran != 30 || err == nil || err.Error() != "record 35: bad value" {
			t.Fatalf("inserted %d (ran %d), %v; want 30 and record 35's error", n, ran, err)
		}
	})
}

// TestPageSize checks that a new database gets pages of 16 KiB (see
// driverDSN) and that an existing one keeps its own.
func TestPageSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pageSize := func(path string) int {
		s, err := Factory{}.Open(ctx, "sqlite:"+path, sink.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var n int
		if err := s.(*Sink).db.QueryRowContext(ctx, "PRAGMA main.page_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := pageSize(filepath.Join(dir, "new.db")); n != 16384 {
		t.Errorf("a new database has pages of %d bytes, want 16384", n)
	}
	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA page_size = 4096; CREATE TABLE x (a INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if n := pageSize(old); n != 4096 {
		t.Errorf("an existing database of 4096-byte pages has %d now", n)
	}
}

// cancelSource cancels its load's context when record at is read.
type cancelSource struct {
	sink.RecordSource
	n, at  int
	cancel context.CancelFunc
}

func (s *cancelSource) Next() bool {
	if s.n++; s.n == s.at {
		s.cancel()
	}
	return s.RecordSource.Next()
}

// TestCancelledInsert cancels loads in the middle of their insert: each
// fails and leaves neither rows nor a ledger row, and the next load on
// the same connection, whose insert statements the cancellation must not
// interrupt, loads.
func TestCancelledInsert(t *testing.T) {
	ctx := context.Background()
	s, err := Factory{}.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.(*Sink).db.SetMaxOpenConns(1) // every load on one connection
	cols := []schema.Column{{Name: "i", Type: schema.Integer}, {Name: "t", Type: schema.Text}}
	var recs [][]any
	for i := range 3000 {
		recs = append(recs, []any{int64(i), fmt.Sprint("text ", i)})
	}
	for i := range 20 {
		table := fmt.Sprintf("c%d", i)
		job := sink.LoadJob{Key: table + ".csv", Source: "a.zip!/x.csv", SHA256: "ab", Rows: int64(len(recs)), Table: schema.Table{Name: table, Columns: cols}}
		cctx, cancel := context.WithCancel(ctx)
		_, err := s.Load(cctx, job, &cancelSource{RecordSource: sinktest.NewSource(recs...), at: 150 + 100*i, cancel: cancel})
		cancel()
		if err == nil {
			t.Fatalf("load %d: cancelled, and no error", i)
		}
		if _, ok, err := s.Ledger(ctx, job.Key); ok || err != nil {
			t.Fatalf("load %d: cancelled, and the ledger has it (%v)", i, err)
		}
		if _, ok, err := s.Columns(ctx, table); ok || err != nil {
			t.Fatalf("load %d: cancelled, and its table is there (%v)", i, err)
		}
		job.Key, job.Table.Name = "ok"+job.Key, "ok"+table
		if res, err := s.Load(ctx, job, sinktest.NewSource(recs...)); err != nil || res.Rows != int64(len(recs)) {
			t.Fatalf("load after cancelled load %d: %d rows, %v", i, res.Rows, err)
		}
	}
}
