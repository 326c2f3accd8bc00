package mysql

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// Live tests of the tables a load that did not commit leaves (see
// sink.ColumnTyper): a killed load's table is marked, reported absent and
// replaced; an empty table that a user made or that the ledger names is
// kept.

// tableTypes returns the DATA_TYPE of table's columns, none when there is
// no table, reading information_schema directly (not through Columns).
func tableTypes(t *testing.T, s *Sink, table string) []string {
	t.Helper()
	_, types, err := columns(t.Context(), s.db, s.schema, table)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(types)) {
		out = append(out, name+" "+types[name].dataType)
	}
	return out
}

// stallSource yields its records after the first only once release is
// closed, and tells blocked when it waits.
type stallSource struct {
	recs             [][]any
	i                int
	blocked, release chan struct{}
}

func (s *stallSource) Next() bool {
	if s.i == 1 {
		close(s.blocked)
		<-s.release
	}
	s.i++
	return s.i <= len(s.recs)
}
func (s *stallSource) Values() ([]any, error) { return s.recs[s.i-1], nil }
func (s *stallSource) Err() error             { return nil }
func (s *stallSource) Rejected() int64        { return 0 }

// killLoad kills the connection that runs LOAD DATA into s's database, as
// a crash of the importing process would end it.
func killLoad(t *testing.T, s *Sink) {
	t.Helper()
	var id int64
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.db.QueryRowContext(t.Context(), "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'LOAD DATA%'", s.schema).Scan(&id)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no LOAD DATA under way: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := s.db.ExecContext(t.Context(), "KILL CONNECTION ?", id); err != nil {
		t.Fatalf("kill %d: %v", id, err)
	}
}

// TestLiveLeftoverOfKilledLoad: a load whose connection dies after it
// created its table (a killed import) cannot drop it; the table left is
// marked, empty and named by no ledger row, so Columns reports none and
// the next load creates the table with its own types.
func TestLiveLeftoverOfKilledLoad(t *testing.T) {
	s := liveSink(t)
	narrow := liveJob("k.csv", "k", 3, schema.Column{Name: "i", Type: schema.Integer}, schema.Column{Name: "v", Type: schema.Integer})
	src := &stallSource{recs: [][]any{{int64(1), int64(1)}, {int64(2), int64(2)}, {int64(3), int64(3)}}, blocked: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := s.Load(context.Background(), narrow, src)
		done <- err
	}()
	<-src.blocked
	killLoad(t, s)
	close(src.release)
	if err := <-done; err == nil {
		t.Fatal("the killed load succeeded")
	}
	if got := tableTypes(t, s, "k"); !slices.Equal(got, []string{"i bigint", "v bigint"}) {
		t.Fatalf("the killed load left table k of %v, want its narrow table (the drop cannot run on a dead connection)", got)
	}
	if _, ok, err := s.Columns(t.Context(), "k"); ok || err != nil {
		t.Fatalf("Columns(k) of the left-over = %v, %v; want no table", ok, err)
	}
	if _, ok, err := s.Ledger(t.Context(), "k.csv"); ok || err != nil {
		t.Fatalf("ledger of k.csv = %v, %v; want none", ok, err)
	}

	wide := narrow
	wide.SHA256 = strings.Repeat("cd", 32)
	wide.Table.Columns = []schema.Column{{Name: "i", Type: schema.Integer}, {Name: "v"}}
	if _, err := s.Load(t.Context(), wide, sinktest.NewSource([]any{int64(1), "x"}, []any{int64(2), "y"}, []any{int64(3), "z"})); err != nil {
		t.Fatalf("load after the left-over: %v", err)
	}
	if got := tableTypes(t, s, "k"); !slices.Equal(got, []string{"i bigint", "v longtext"}) {
		t.Errorf("table k has %v, want the new load's types", got)
	}
	rows, err := s.Rows(t.Context(), "k", []string{"v"})
	if err != nil || len(rows) != 3 {
		t.Errorf("rows of k: %v, %v; want 3", rows, err)
	}
}

// TestLiveLeftoverKept: empty tables that are no left-over stay, with
// their types: one a user made (unmarked), and one whose load committed
// (a header-only file: the ledger names it).
func TestLiveLeftoverKept(t *testing.T) {
	s := liveSink(t)
	ctx := t.Context()
	if _, err := s.db.ExecContext(ctx, "CREATE TABLE `user_made` (`i` BIGINT, `v` BIGINT)"); err != nil {
		t.Fatal(err)
	}
	header := liveJob("header.csv", "header", 0, schema.Column{Name: "i", Type: schema.Integer}, schema.Column{Name: "v", Type: schema.Integer})
	if _, err := s.Load(ctx, header, sinktest.NewSource()); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"user_made", "header"} {
		if _, ok, err := s.Columns(ctx, table); !ok || err != nil {
			t.Fatalf("Columns(%s) = %v, %v; want the table", table, ok, err)
		}
		job := liveJob(table+".csv", table, 1, schema.Column{Name: "i", Type: schema.Integer}, schema.Column{Name: "v"})
		job.SHA256 = strings.Repeat("ef", 32)
		_, err := s.Load(ctx, job, sinktest.NewSource([]any{int64(1), "12"}))
		if err != nil {
			t.Fatalf("load into %s: %v", table, err)
		}
		if got := tableTypes(t, s, table); !slices.Equal(got, []string{"i bigint", "v bigint"}) {
			t.Errorf("table %s has %v, want its own types kept", table, got)
		}
	}
}

// TestLiveFailedLoadDropsTable: a first load that fails (a value its
// guessed column refuses) drops the table it created, so that the
// import's second load creates it with the wider types.
func TestLiveFailedLoadDropsTable(t *testing.T) {
	s := liveSink(t)
	job := liveJob("d.csv", "d", 2, schema.Column{Name: "d", Type: schema.Decimal, MaxLen: 3})
	long := "1234567890123456789012345678901234567.5"
	_, err := s.Load(t.Context(), job, sinktest.NewSource([]any{"1.5"}, []any{long}))
	if err == nil || !strings.Contains(err.Error(), "does not fit DECIMAL(65,30)") {
		t.Fatalf("load: %v, want the decimal refused", err)
	}
	if got := tableTypes(t, s, "d"); got != nil {
		t.Fatalf("table d left with %v", got)
	}
	if s.ColumnType(schema.Decimal, len(long)) == s.ColumnType(schema.Decimal, 3) {
		t.Fatalf("ColumnType does not tell a %d-byte decimal from a short one", len(long))
	}
	job.Table.Columns[0].MaxLen = len(long)
	if _, err := s.Load(t.Context(), job, sinktest.NewSource([]any{"1.5"}, []any{long})); err != nil {
		t.Fatalf("load with the wider type: %v", err)
	}
	var le sink.LedgerEntry
	if le, _, err = s.Ledger(t.Context(), "d.csv"); err != nil || le.Rows != 2 {
		t.Errorf("ledger %+v, %v; want 2 rows", le, err)
	}
}
