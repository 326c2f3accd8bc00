// Package sinktest is the conformance suite every sink's test runs: Run
// checks the contract of package sink against a real database (load, the
// re-run no-op, replace, a bad record or a cancelled load leaving no trace,
// the row count check, downgrades, one-table mode, typed values, reserved
// words and two concurrent loads of one key).
//
// The suite looks into the database through Inspector, which every sink
// implements beside sink.Sink. Tables get a random suffix, so runs against
// a shared server do not collide, and are dropped (with their ledger rows)
// when the test ends.
package sinktest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// Inspector lets the suite look into a sink's database. It is not part of
// the sink contract: each sink implements it in a _test.go file
// (inspect_test.go), so that it exists only in the sink's own tests.
type Inspector interface {
	// Rows returns every row of table's columns cols, in any order, with
	// the values the driver reads (the suite compares them by type:
	// numbers as numbers, timestamps to the microsecond).
	Rows(ctx context.Context, table string, cols []string) ([][]any, error)
	// Drop drops table when it exists and deletes its ledger rows.
	Drop(ctx context.Context, table string) error
	// DDLCommits reports whether CREATE TABLE commits by itself (Oracle),
	// so that a failed first load may leave its table, empty.
	DDLCommits() bool
}

// Run runs the suite against the database named by dsn.
func Run(t *testing.T, f sink.Factory, dsn string, opts sink.Options) {
	s := open(t, f, dsn, opts)
	if _, ok := s.(Inspector); !ok {
		t.Fatalf("%T does not implement sinktest.Inspector", s)
	}
	h := &harness{f: f, dsn: dsn, opts: opts, s: s, suffix: randomSuffix(t)}
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"Load", testLoad},
		{"Skip", testSkip},
		{"Replace", testReplace},
		{"BadRecordNewTable", testBadRecordNewTable},
		{"BadRecordReplace", testBadRecordReplace},
		{"Cancel", testCancel},
		{"CancelRepeated", testCancelRepeated},
		{"RowCount", testRowCount},
		{"Rejected", testRejected},
		{"Downgrade", testDowngrade},
		{"OneTable", testOneTable},
		{"TableTaken", testTableTaken},
		{"TableTakenConcurrently", testTableTakenConcurrently},
		{"Types", testTypes},
		{"RoundTrip", testRoundTrip},
		{"Columns", testColumns},
		{"ReservedWords", testReservedWords},
		{"ManyRows", testManyRows},
		{"Empty", testEmpty},
		{"Concurrent", testConcurrent},
		{"Redact", testRedact},
		{"ListCount", testListCount},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

type harness struct {
	f      sink.Factory
	dsn    string
	opts   sink.Options
	s      sink.Sink
	suffix string
}

func (h *harness) in() Inspector { return h.s.(Inspector) }

func open(tb testing.TB, f sink.Factory, dsn string, opts sink.Options) sink.Sink {
	tb.Helper()
	s, err := f.Open(tb.Context(), dsn, opts)
	if err != nil {
		tb.Fatalf("open %s: %v", f.Redact(dsn), err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return s
}

func randomSuffix(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// table returns a fresh table name for name and drops it when the test
// ends.
func (h *harness) table(t *testing.T, name string) string {
	t.Helper()
	table := "st_" + h.suffix + "_" + strings.ToLower(name)
	if len(table) > schema.MaxNameLen {
		table = table[:schema.MaxNameLen]
	}
	drop(t, h.in(), table)
	return table
}

func drop(tb testing.TB, in Inspector, table string) {
	tb.Helper()
	tb.Cleanup(func() {
		// tb.Context() is done before cleanups run.
		if err := in.Drop(context.Background(), table); err != nil {
			tb.Errorf("drop %s: %v", table, err)
		}
	})
}

// key returns a ledger key unique to this run.
func (h *harness) key(name string) string {
	return "sinktest/" + h.suffix + "/" + name + ".csv"
}

// idName is the table most subtests use.
var idName = []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "name", Type: schema.Text, MaxLen: 20}}

func idNameRecords(from, n int) [][]any {
	recs := make([][]any, n)
	for i := range recs {
		recs[i] = []any{int64(from + i), fmt.Sprintf("name %d", from+i)}
	}
	return recs
}

func job(key, table, sha string, rows int, cols []schema.Column) sink.LoadJob {
	return sink.LoadJob{
		Key:     key,
		Source:  "archive.zip!/" + key,
		SHA256:  sha,
		Rows:    int64(rows),
		Table:   schema.Table{Name: table, Columns: cols},
		Version: "sinktest",
	}
}

func sha(s string) string { return fmt.Sprintf("%064x", s) }

func mustLoad(t *testing.T, s sink.Sink, j sink.LoadJob, src sink.RecordSource, want sink.Status) sink.Result {
	t.Helper()
	res, err := s.Load(t.Context(), j, src)
	if err != nil {
		t.Fatalf("Load(%s): %v", j.Key, err)
	}
	if res.Status != want {
		t.Fatalf("Load(%s) status = %v, want %v", j.Key, res.Status, want)
	}
	return res
}

func mustLedger(t *testing.T, s sink.Sink, key string) (sink.LedgerEntry, bool) {
	t.Helper()
	e, ok, err := s.Ledger(t.Context(), key)
	if err != nil {
		t.Fatalf("Ledger(%s): %v", key, err)
	}
	return e, ok
}

// checkRows compares table's rows with want, in any order; cols give the
// column names and types, want's values are typed as package schema says.
func (h *harness) checkRows(t *testing.T, table string, cols []schema.Column, want [][]any) {
	t.Helper()
	got, err := h.in().Rows(t.Context(), table, schema.ColumnNamesOf(cols))
	if err != nil {
		t.Fatalf("Rows(%s): %v", table, err)
	}
	gotN, wantN := normalizeRows(t, cols, got), normalizeRows(t, cols, want)
	if !slices.Equal(gotN, wantN) {
		t.Fatalf("rows of %s:\ngot  %d: %s\nwant %d: %s", table, len(gotN), abbrev(gotN), len(wantN), abbrev(wantN))
	}
}

func abbrev(rows []string) string {
	if len(rows) > 8 {
		return strings.Join(rows[:8], "\n") + fmt.Sprintf("\n... (%d more)", len(rows)-8)
	}
	return strings.Join(rows, "\n")
}

func normalizeRows(t *testing.T, cols []schema.Column, rows [][]any) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, r := range rows {
		if len(r) != len(cols) {
			t.Fatalf("row %d has %d values for %d columns", i, len(r), len(cols))
		}
		parts := make([]string, len(r))
		for j, v := range r {
			s, err := normalize(cols[j].Type, v)
			if err != nil {
				t.Fatalf("row %d column %s: %v", i, cols[j].Name, err)
			}
			parts[j] = s
		}
		out[i] = strings.Join(parts, " | ")
	}
	slices.Sort(out)
	return out
}

// normalize renders v, read from a database or written by a test, so that
// equal values of type typ render the same.
func normalize(typ schema.Type, v any) (string, error) {
	if v == nil {
		return "NULL", nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if st, ok := v.(fmt.Stringer); ok {
		if _, isTime := v.(time.Time); !isTime {
			v = st.String()
		}
	}
	switch typ {
	case schema.Integer:
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10), nil
		case int:
			return strconv.Itoa(x), nil
		case int32:
			return strconv.FormatInt(int64(x), 10), nil
		case float64:
			if x != float64(int64(x)) {
				return "", fmt.Errorf("integer column holds %v", x)
			}
			return strconv.FormatInt(int64(x), 10), nil
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			return strconv.FormatInt(n, 10), err
		}
	case schema.Decimal:
		r := new(big.Rat)
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case int64:
			s = strconv.FormatInt(x, 10)
		case int:
			s = strconv.Itoa(x)
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			return "", fmt.Errorf("decimal column holds a %T", v)
		}
		s = strings.Replace(strings.TrimSpace(s), "-.", "-0.", 1)
		if strings.HasPrefix(s, ".") {
			s = "0" + s
		}
		if _, ok := r.SetString(s); !ok {
			return "", fmt.Errorf("decimal column holds %q", s)
		}
		return r.RatString(), nil
	case schema.Timestamp:
		switch x := v.(type) {
		case time.Time:
			return x.Truncate(time.Microsecond).Format("2006-01-02 15:04:05.000000"), nil
		case string:
			tm, err := sqlsink.ParseTime(x)
			if err != nil {
				return "", err
			}
			return tm.Truncate(time.Microsecond).Format("2006-01-02 15:04:05.000000"), nil
		}
	default:
		if s, ok := v.(string); ok {
			return strconv.Quote(s), nil
		}
	}
	return "", fmt.Errorf("%s column holds a %T (%v)", typ, v, v)
}

// checkGone checks that a failed first load of table left nothing: no
// table, or an empty one where DDL commits by itself.
func (h *harness) checkGone(t *testing.T, table string) {
	t.Helper()
	_, exists, err := h.s.Columns(t.Context(), table)
	if err != nil {
		t.Fatalf("Columns(%s): %v", table, err)
	}
	if !exists {
		return
	}
	if !h.in().DDLCommits() {
		t.Fatalf("table %s exists after a failed first load", table)
	}
	h.checkRows(t, table, idName, nil)
}

// ScanRows reads every row of rows, n columns each, for an Inspector's
// Rows: []byte values become strings, and conv (when not nil) maps the
// driver's other types. It closes rows.
func ScanRows(rows *sql.Rows, n int, conv func(any) any) ([][]any, error) {
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			} else if conv != nil {
				vals[i] = conv(v)
			}
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}
