package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // to read the loaded database back

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/postgres"
	"github.com/siftload/siftload/internal/sink/sqlite"
	"github.com/siftload/siftload/internal/testenv"
)

// memFiles serves files from memory as sources and returns their plan.
func memFiles(files map[string][]byte, rows map[string]int64) ([]plan.Entry, OpenFunc) {
	var entries []plan.Entry
	for k, data := range files {
		sum := sha256.Sum256(data)
		entries = append(entries, plan.Entry{Candidate: plan.Candidate{
			Key: k, Source: k, Rows: rows[k], Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		}})
	}
	open := func(_ context.Context, _, source string, fn func(io.Reader) error) error {
		return fn(bytes.NewReader(files[source]))
	}
	return entries, open
}

// runOne imports one file into s and returns its outcome and rejects.
func runOne(t *testing.T, s sink.Sink, key string, data []byte, rows int64, cfg Config) (Outcome, []plan.Reject) {
	t.Helper()
	o, rejects, err := tryOne(s, key, data, rows, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, rejects
}

// tryOne is runOne returning an error of Run as a whole.
func tryOne(s sink.Sink, key string, data []byte, rows int64, cfg Config) (Outcome, []plan.Reject, error) {
	entries, open := memFiles(map[string][]byte{key: data}, map[string]int64{key: rows})
	cfg.Files.Open = open
	var outs []Outcome
	var rejects []plan.Reject
	cfg.Hooks.Report = func(o Outcome) { outs = append(outs, o) }
	cfg.Hooks.Rejects = func(r []plan.Reject) error { rejects = append(rejects, r...); return nil }
	_, err := NewImporter(s, cfg).Run(context.Background(), entries)
	if err != nil && !errors.Is(err, ErrFailed) {
		return Outcome{Table: schema.TableName(key)}, nil, fmt.Errorf("run: %w", err)
	}
	if len(outs) != 1 {
		return Outcome{}, nil, fmt.Errorf("%d outcomes, want 1", len(outs))
	}
	return outs[0], rejects, nil
}

func openSQLite(t *testing.T) (sink.Sink, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := sqlite.Factory{}.Open(context.Background(), "sqlite:"+path, sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// TestTooManyColumns loads a file of 100,000 columns: it is refused at
// its header, with the number and the limit, before any table exists.
// (Matching that many columns took quadratic time before.)
func TestTooManyColumns(t *testing.T) {
	t.Parallel()
	const n = 100_000
	var b bytes.Buffer
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "c%d", i%10) // duplicates too: naming them was quadratic
	}
	b.WriteString("\n")
	b.WriteString(strings.Repeat("1,", n-1) + "1\n")
	for _, tc := range []struct {
		name     string
		oneTable string
	}{{"PerKey", ""}, {"OneTable", "all"}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openSQLite(t)
			// One-table mode refuses the plan as a whole (its columns
			// are inferred first); one table per key fails the key.
			o, _, err := tryOne(s, "wide.csv", b.Bytes(), 1, Config{Tables: Tables{One: tc.oneTable}})
			if err != nil {
				o.Action, o.Err, o.Table = Failed, err, "all"
			}
			if o.Action != Failed || !errors.Is(o.Err, schema.ErrTooManyColumns) {
				t.Fatalf("outcome %s, %v; want failed with ErrTooManyColumns", o.Action, o.Err)
			}
			want := n
			if tc.oneTable != "" {
				want++ // source_key
			}
			if msg := o.Err.Error(); !strings.Contains(msg, fmt.Sprintf("%d columns", want)) || !strings.Contains(msg, "at most 2000") {
				t.Errorf("error %q does not give the number of columns and the limit", msg)
			}
			if _, exists, err := s.Columns(context.Background(), o.Table); err != nil || exists {
				t.Errorf("table %s exists (%v) after the refusal", o.Table, err)
			}
		})
	}
}

// BenchmarkDiffColumns matches 100,000 column names (quadratic before).
func BenchmarkDiffColumns(b *testing.B) {
	names := make([]string, 100_000)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := diffColumns(names, names); d != "" {
			b.Fatal(d)
		}
	}
}

// nulFile has a NUL byte in the text of its second record.
var nulFile = []byte("id,note\n1,plain\n2,a\x00b\n3,\"\"\n")

// TestNULRecordPostgres: PostgreSQL's text cannot hold a NUL byte, so the
// record holding one is a bad record named by its number: it goes to the
// rejects within --max-bad-rows and fails the file, naming it, beyond.
func TestNULRecordPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv("SIFTLOAD_TEST_POSTGRES_URL")
	if dsn == "" {
		testenv.Skip(t, "SIFTLOAD_TEST_POSTGRES_URL is not set")
	}
	ctx := context.Background()
	s, err := postgres.Factory{}.Open(ctx, dsn, sink.Options{Password: os.Getenv("SIFTLOAD_TEST_POSTGRES_PASSWORD")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	suffix := fmt.Sprintf("%d", os.Getpid())
	for _, tc := range []struct {
		name   string
		maxBad int64
	}{{"Fails", 0}, {"Rejected", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			key := "nul_" + strings.ToLower(tc.name) + "_" + suffix + ".csv"
			o, rejects := runOne(t, s, key, nulFile, 3, Config{Parsing: Parsing{MaxBadRows: tc.maxBad}})
			t.Cleanup(func() { dropPostgres(t, dsn, o.Table, key) })
			if tc.maxBad == 0 {
				pe := problem.As(o.Err)
				if o.Action != Failed || pe == nil || pe.Record != 2 || !strings.Contains(o.Err.Error(), "NUL") {
					t.Fatalf("outcome %s, %v; want failed at record 2 for the NUL byte", o.Action, o.Err)
				}
				return
			}
			if o.Action != Loaded || o.Rows != 2 || o.Rejected != 1 {
				t.Fatalf("outcome %s, %d rows, %d rejected, %v; want loaded, 2 rows, 1 rejected", o.Action, o.Rows, o.Rejected, o.Err)
			}
			if len(rejects) != 1 || rejects[0].Record != 2 || !strings.Contains(rejects[0].Reason, "NUL") {
				t.Errorf("rejects = %+v, want record 2 for its NUL byte", rejects)
			}
		})
	}
}

// dropPostgres drops table and the ledger row of key.
func dropPostgres(t *testing.T, dsn, table, key string) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("drop %s: %v", table, err)
		return
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize()); err != nil {
		t.Errorf("drop %s: %v", table, err)
	}
	if _, err := c.Exec(ctx, "DELETE FROM "+sink.LedgerTable+" WHERE file_key = $1", key); err != nil {
		t.Errorf("drop %s: ledger: %v", table, err)
	}
}

// TestNULRecordSQLite: SQLite stores the same record, NUL byte and all,
// and reads it back byte for byte.
func TestNULRecordSQLite(t *testing.T) {
	t.Parallel()
	s, path := openSQLite(t)
	o, rejects := runOne(t, s, "nul.csv", nulFile, 3, Config{})
	if o.Action != Loaded || o.Rows != 3 || len(rejects) != 0 {
		t.Fatalf("outcome %s, %d rows, %v, rejects %v; want 3 rows loaded", o.Action, o.Rows, o.Err, rejects)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRow(`SELECT note FROM nul WHERE id = 2`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "a\x00b" {
		t.Errorf("note = %q, want %q", got, "a\x00b")
	}
}
