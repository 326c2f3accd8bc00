package mysql

import (
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// Live tests of what only a real server shows, beyond sinktest's suite.

func liveSink(t *testing.T) *Sink {
	t.Helper()
	dsn, opts := testDSN(t)
	s, err := Factory{}.Open(t.Context(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.(*Sink)
}

func liveJob(key, table string, rows int, cols ...schema.Column) sink.LoadJob {
	return sink.LoadJob{Key: key, Source: "test", SHA256: strings.Repeat("ab", 32), Rows: int64(rows), Table: schema.Table{Name: table, Columns: cols}}
}

// TestLiveBytes loads text that LOAD DATA's format escapes, and reads it
// back byte for byte.
func TestLiveBytes(t *testing.T) {
	s := liveSink(t)
	vals := []string{"nul\x00byte", `back\slash`, `\N`, "tab\there", "crlf\r\n", "\\", "trailing space ", "Ü🙂"}
	recs := make([][]any, len(vals))
	for i, v := range vals {
		recs[i] = []any{int64(i), v}
	}
	job := liveJob("bytes.csv", "bytes", len(recs), schema.Column{Name: "i", Type: schema.Integer}, schema.Column{Name: "v"})
	if _, err := s.Load(t.Context(), job, sinktest.NewSource(recs...)); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Rows(t.Context(), "bytes", []string{"i", "v"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(vals) {
		t.Fatalf("%d rows, want %d", len(rows), len(vals))
	}
	for _, r := range rows {
		i := r[0].(int64)
		if r[1] != vals[i] {
			t.Errorf("row %d: %q, want %q", i, r[1], vals[i])
		}
	}
}

// TestLiveNeverRounds loads values that an existing table's columns would
// cut or round: each load fails and leaves the table as it was.
func TestLiveNeverRounds(t *testing.T) {
	s := liveSink(t)
	if _, err := s.db.ExecContext(t.Context(), "CREATE TABLE narrow (d DECIMAL(10,2), v VARCHAR(3), i BIGINT)"); err != nil {
		t.Fatal(err)
	}
	cols := []schema.Column{{Name: "d", Type: schema.Decimal}, {Name: "v"}, {Name: "i", Type: schema.Integer}}
	tests := []struct {
		Name    string
		Rec     []any
		WantErr string
	}{
		{Name: "Fits", Rec: []any{"12.50", "abc", int64(1)}},
		{Name: "Scale", Rec: []any{"1.234", "abc", int64(1)}, WantErr: "does not fit DECIMAL(10,2)"},
		{Name: "Precision", Rec: []any{"123456789", "abc", int64(1)}, WantErr: "does not fit DECIMAL(10,2)"},
		{Name: "TextCut", Rec: []any{"1", "abcd", int64(1)}, WantErr: "the server changed or refused values"},
	}
	for i, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			job := liveJob("narrow.csv", "narrow", 1, cols...)
			job.SHA256 = strings.Repeat("0", 63) + string(rune('a'+i))
			_, err := s.Load(t.Context(), job, sinktest.NewSource(tt.Rec))
			if tt.WantErr == "" && err != nil || tt.WantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.WantErr)) {
				t.Fatalf("load: %v, want %q", err, tt.WantErr)
			}
			rows, err := s.Rows(t.Context(), "narrow", []string{"d", "v"})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0][0] != "12.50" || rows[0][1] != "abc" {
				t.Errorf("rows %v, want the first load's [[12.50 abc]]", rows)
			}
		})
	}
}

// TestLiveRowSize: a table InnoDB would refuse is refused before anything
// is written, and the largest one the check lets through is created.
func TestLiveRowSize(t *testing.T) {
	s := liveSink(t)
	cols := func(n int) []schema.Column {
		c := make([]schema.Column, n)
		for i := range c {
			c[i] = schema.Column{Name: "c" + itoa(i)}
		}
		return c
	}
	_, err := s.Load(t.Context(), liveJob("wide.csv", "wide", 1, cols(384)...), sinktest.NewSource(make([]any, 384)))
	if err == nil || !strings.Contains(err.Error(), "InnoDB takes at most 8126") {
		t.Fatalf("384 text columns: %v, want the row-size error", err)
	}
	if _, ok, err := s.Columns(t.Context(), "wide"); ok || err != nil {
		t.Errorf("table wide exists (%v, %v) after a refused load", ok, err)
	}
	if _, err := s.Load(t.Context(), liveJob("wide.csv", "wide", 1, cols(383)...), sinktest.NewSource(make([]any, 383))); err != nil {
		t.Errorf("383 text columns: %v", err)
	}
}

// TestLiveUnknownDatabase: a database that does not exist is named, with
// how to create it.
func TestLiveUnknownDatabase(t *testing.T) {
	dsn, opts := testDSN(t)
	_, err := Factory{}.Open(t.Context(), dsn+"_missing", opts)
	if err == nil || !strings.Contains(err.Error(), "CREATE DATABASE") {
		t.Errorf("Open of a missing database: %v, want the hint to create it", err)
	}
}

// TestLiveColumnsExactName: the columns of table "t" are not those of a
// table "T" (a guard: MariaDB 10.11 with lower_case_table_names=0 compares
// information_schema's names by case anyway).
func TestLiveColumnsExactName(t *testing.T) {
	s := liveSink(t)
	if _, err := s.db.ExecContext(t.Context(), "CREATE TABLE `T` (x BIGINT)"); err != nil {
		t.Fatal(err)
	}
	if cols, ok, err := s.Columns(t.Context(), "t"); ok || err != nil {
		t.Errorf("Columns(t) = %v, %v, %v; want no table", cols, ok, err)
	}
	if _, ok, err := s.Columns(t.Context(), "T"); !ok || err != nil {
		t.Errorf("Columns(T) = %v, %v; want the table", ok, err)
	}
}

// TestLiveLedgerMigration: a ledger made before the digest column (here:
// the column dropped) gets it back when a new sink first reads the
// ledger, whose rows stay; a second sink finds it migrated.
func TestLiveLedgerMigration(t *testing.T) {
	dsn, opts := testDSN(t)
	open := func() *Sink {
		s, err := Factory{}.Open(t.Context(), dsn, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s.(*Sink)
	}
	s := open()
	job := liveJob("a.csv", "a", 1, schema.Column{Name: "v"})
	if _, err := s.Load(t.Context(), job, sinktest.NewSource([]any{"x"})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(t.Context(), "ALTER TABLE "+s.target.Table(sink.LedgerTable)+" DROP COLUMN `"+sqlsink.ColDigest+"`"); err != nil {
		t.Fatal(err)
	}
	hasDigest := func(s *Sink) bool {
		cols, _, err := columns(t.Context(), s.db, s.schema, sink.LedgerTable)
		if err != nil {
			t.Fatal(err)
		}
		return !sqlsink.LedgerLacksDigest(cols)
	}
	if hasDigest(s) {
		t.Fatal("the digest column is still there")
	}
	for i := range 2 {
		s := open()
		es, err := s.LedgerEntries(t.Context())
		if err != nil || len(es) != 1 || es[0].Key != "a.csv" || es[0].Rows != 1 {
			t.Fatalf("sink %d: LedgerEntries = %+v, %v; want a.csv's row", i, es, err)
		}
		if !hasDigest(s) {
			t.Fatalf("sink %d: the ledger lacks the digest column after LedgerEntries", i)
		}
	}
}
