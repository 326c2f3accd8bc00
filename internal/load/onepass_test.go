package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/postgres"
	"github.com/siftload/siftload/internal/testenv"
)

// twoPassSink hides a sink's ColumnType, so that the import infers a new
// table's types over the whole file before it loads: today's rule, which
// the one-pass load must match.
type twoPassSink struct{ sink.Sink }

func (s twoPassSink) Limits() schema.Limits { return sink.LimitsOf(s.Sink) }

// lateCSV returns a file of columns i, n, d, e whose first records, more
// than sampleBytes of them, hold integers (e empty), followed by late.
func lateCSV(late string) ([]byte, int64) {
	var b bytes.Buffer
	b.WriteString("i,n,d,e\n")
	rows := int64(0)
	for b.Len() < 2*sampleBytes {
		fmt.Fprintf(&b, "%d,%d,%d,\n", rows, rows*7, rows*3)
		rows++
	}
	b.WriteString(late)
	return b.Bytes(), rows + int64(strings.Count(late, "\n"))
}

// onePassCase is a file testOnePass loads both ways.
type onePassCase struct {
	Name      string
	Late      string
	Data      func() ([]byte, int64) // the file and its records; nil: lateCSV(Late)
	AllText   bool
	MaxBad    int64
	WantTypes []schema.Type
	WantTable []schema.Type // as the sink's Columns reads them back; nil: WantTypes
	WantOpens int64         // of the one-pass load
}

var onePassTests = []onePassCase{{
	Name:      "Common",
	WantTypes: []schema.Type{schema.Integer, schema.Integer, schema.Integer, schema.Text},
	WantOpens: 1,
}, {
	Name:      "AllText",
	Late:      "1,1.5,x,5\n",
	AllText:   true,
	WantTypes: []schema.Type{schema.Text, schema.Text, schema.Text, schema.Text},
	WantOpens: 1,
}, {
	Name:      "LateDecimal",
	Late:      "1,1.5,2,\n",
	WantTypes: []schema.Type{schema.Integer, schema.Decimal, schema.Integer, schema.Text},
	WantOpens: 2,
}, {
	// Every value fits the guessed types; the whole file's types are
	// wider all the same (e was empty in the sample, so Text).
	Name:      "LateInEmptyColumn",
	Late:      "1,2,3,5\n",
	WantTypes: []schema.Type{schema.Integer, schema.Integer, schema.Integer, schema.Integer},
	WantOpens: 2,
}, {
	// More records than MaxBadRows would be refused by the guessed
	// types; only the short record is a reject of the whole file's.
	Name:      "ManyLateWithReject",
	Late:      "1,1.5,x,\n2,2.5,y,\n3,3.5,z,\n4,4\n5,5.5,w,\n",
	MaxBad:    1,
	WantTypes: []schema.Type{schema.Integer, schema.Decimal, schema.Text, schema.Text},
	WantOpens: 2,
}}

// testOnePass loads each case's file twice into s, as key one_NAME by the
// one-pass load and as two_NAME with the types inferred first, and checks
// they agree: outcome, columns, rejects, ledger rows and digest. extra
// cases follow onePassTests.
func testOnePass(t *testing.T, s sink.Sink, prefix string, cleanup func(table, key string), extra ...onePassCase) {
	if _, ok := s.(sink.ColumnTyper); !ok {
		t.Fatalf("%T is no sink.ColumnTyper", s)
	}
	ctx := context.Background()
	for _, tt := range slices.Concat(onePassTests, extra) {
		t.Run(tt.Name, func(t *testing.T) {
			data, rows := lateCSV(tt.Late)
			if tt.Data != nil {
				data, rows = tt.Data()
			}
			wantTable := tt.WantTable
			if wantTable == nil {
				wantTable = tt.WantTypes
			}
			var opens atomic.Int64
			var progress atomic.Int64
			load := func(s sink.Sink, key string) (Outcome, []plan.Reject, sink.LedgerEntry) {
				t.Helper()
				entries, open := memFiles(map[string][]byte{key: data}, map[string]int64{key: rows})
				cfg := Config{Parsing: Parsing{AllText: tt.AllText, MaxBadRows: tt.MaxBad}}
				cfg.Files.Open = func(ctx context.Context, base, source string, fn func(io.Reader) error) error {
					opens.Add(1)
					return open(ctx, base, source, fn)
				}
				var outs []Outcome
				var rejects []plan.Reject
				cfg.Hooks.Report = func(o Outcome) { outs = append(outs, o) }
				cfg.Hooks.Rejects = func(r []plan.Reject) error { rejects = append(rejects, r...); return nil }
				cfg.Hooks.Progress = func(n int64) { progress.Add(n) }
				_, err := NewImporter(s, cfg).Run(ctx, entries)
				if len(outs) != 1 {
					t.Fatalf("import %s: %d outcomes, want 1 (%v)", key, len(outs), err)
				}
				if err != nil {
					t.Fatalf("import %s: %v: %v", key, err, outs[0].Err)
				}
				for i := range rejects {
					rejects[i].Source = "" // the key differs
				}
				t.Cleanup(func() { cleanup(outs[0].Table, key) })
				le, ok, err := s.Ledger(ctx, key)
				if err != nil || !ok {
					t.Fatalf("ledger of %s: %v, %v", key, ok, err)
				}
				return outs[0], rejects, le
			}
			name := prefix + strings.ToLower(tt.Name)
			one, oneRejects, oneLedger := load(s, "one_"+name)
			if got := opens.Load(); got != tt.WantOpens {
				t.Errorf("one-pass load opened the file %d times, want %d", got, tt.WantOpens)
			}
			if got := progress.Load(); got != one.Rows {
				t.Errorf("progress counted %d rows, want %d", got, one.Rows)
			}
			two, twoRejects, twoLedger := load(twoPassSink{s}, "two_"+name)

			var types []schema.Type
			for _, c := range one.Columns {
				types = append(types, c.Type)
			}
			if !slices.Equal(types, tt.WantTypes) {
				t.Errorf("types = %v, want %v", types, tt.WantTypes)
			}
			if !slices.Equal(one.Columns, two.Columns) {
				t.Errorf("one-pass columns %v, two-pass %v", one.Columns, two.Columns)
			}
			for _, table := range []string{one.Table, two.Table} {
				cols, ok, err := s.Columns(ctx, table)
				if err != nil || !ok {
					t.Fatalf("columns of %s: %v, %v", table, ok, err)
				}
				var got []schema.Type
				for _, c := range cols {
					got = append(got, c.Type)
				}
				if !slices.Equal(got, wantTable) {
					t.Errorf("table %s has types %v, want %v", table, got, wantTable)
				}
			}
			if one.Action != Loaded || one.Rows != two.Rows || one.Rejected != two.Rejected {
				t.Errorf("one-pass %s %d rows %d rejected, two-pass %s %d rows %d rejected", one.Action, one.Rows, one.Rejected, two.Action, two.Rows, two.Rejected)
			}
			if fmt.Sprint(oneRejects) != fmt.Sprint(twoRejects) {
				t.Errorf("one-pass rejects %v, two-pass %v", oneRejects, twoRejects)
			}
			if oneLedger.Rows != twoLedger.Rows || oneLedger.Rejected != twoLedger.Rejected || oneLedger.Digest != twoLedger.Digest || oneLedger.Digest == "" {
				t.Errorf("ledger: one-pass %d rows %d rejected digest %q, two-pass %d %d %q",
					oneLedger.Rows, oneLedger.Rejected, oneLedger.Digest, twoLedger.Rows, twoLedger.Rejected, twoLedger.Digest)
			}
		})
	}
}

func TestOnePassSQLite(t *testing.T) {
	t.Parallel()
	s, _ := openSQLite(t)
	testOnePass(t, s, "", func(string, string) {})
}

func TestOnePassPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv("SIFTLOAD_TEST_POSTGRES_URL")
	if dsn == "" {
		testenv.Skip(t, "SIFTLOAD_TEST_POSTGRES_URL is not set")
	}
	s, err := postgres.Factory{}.Open(context.Background(), dsn, sink.Options{Password: os.Getenv("SIFTLOAD_TEST_POSTGRES_PASSWORD")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	testOnePass(t, s, fmt.Sprintf("p%d_", os.Getpid()), func(table, key string) { dropPostgres(t, dsn, table, key) })
}

// TestOnePassChangedSource: a file whose bytes are not the plan's fails,
// whether it loads in one pass or is read again with wider types, and
// leaves no table.
func TestOnePassChangedSource(t *testing.T) {
	t.Parallel()
	testOnePassChangedSource(t, func(t *testing.T) sink.Sink { s, _ := openSQLite(t); return s })
}

func testOnePassChangedSource(t *testing.T, open func(*testing.T) sink.Sink) {
	for _, tt := range []struct {
		Name string
		Late string
	}{
		{Name: "OnePass"},
		{Name: "Widened", Late: "1,1.5,2,\n"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			s := open(t)
			data, rows := lateCSV(tt.Late)
			entries, _ := memFiles(map[string][]byte{"k.csv": data}, map[string]int64{"k.csv": rows})
			changed := bytes.Replace(data, []byte("\n5,35,15,\n"), []byte("\n5,36,15,\n"), 1)
			var outs []Outcome
			cfg := Config{Hooks: Hooks{Report: func(o Outcome) { outs = append(outs, o) }}}
			cfg.Files.Open = func(_ context.Context, _, _ string, fn func(io.Reader) error) error {
				return fn(bytes.NewReader(changed))
			}
			if _, err := NewImporter(s, cfg).Run(context.Background(), entries); !errors.Is(err, ErrFailed) {
				t.Fatalf("import: %v, want %v", err, ErrFailed)
			}
			if len(outs) != 1 || outs[0].Action != Failed || !strings.Contains(outs[0].Err.Error(), "sha256") {
				t.Fatalf("outcomes %+v, want one failed for its sha256", outs)
			}
			if _, ok, err := s.Columns(context.Background(), "k"); ok || err != nil {
				t.Errorf("table k exists (%v, %v), want none", ok, err)
			}
		})
	}
}
