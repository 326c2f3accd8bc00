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
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
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

func testLoad(t *testing.T, h *harness) {
	table, key := h.table(t, "load"), h.key("load")
	recs := idNameRecords(1, 3)
	src := NewSource(recs...)
	before := time.Now().UTC().Add(-time.Second)
	res := mustLoad(t, h.s, job(key, table, sha("v1"), 3, idName), src, sink.StatusLoaded)
	after := time.Now().UTC().Add(time.Second)
	if res.Rows != 3 || res.Rejected != 0 || res.PrevRows != 0 {
		t.Errorf("result = %+v, want 3 rows, 0 rejected, 0 previous", res)
	}
	h.checkRows(t, table, idName, recs)
	e, ok := mustLedger(t, h.s, key)
	if !ok {
		t.Fatalf("ledger has no row for %s", key)
	}
	want := sink.LedgerEntry{Key: key, Table: table, Source: "archive.zip!/" + key, SHA256: sha("v1"), Rows: 3, Rejected: 0, Version: "sinktest"}
	gotAt := e.LoadedAt
	e.LoadedAt = time.Time{}
	if e != want {
		t.Errorf("ledger row:\ngot  %+v\nwant %+v", e, want)
	}
	if gotAt.Before(before) || gotAt.After(after) || gotAt.Location() != time.UTC {
		t.Errorf("ledger loaded_at = %v, want UTC between %v and %v", gotAt, before, after)
	}
	if _, ok := mustLedger(t, h.s, h.key("never-loaded")); ok {
		t.Errorf("ledger has a row for a key never loaded")
	}
}

func testSkip(t *testing.T, h *harness) {
	table, key := h.table(t, "skip"), h.key("skip")
	recs := idNameRecords(1, 3)
	j := job(key, table, sha("v1"), 3, idName)
	mustLoad(t, h.s, j, NewSource(recs...), sink.StatusLoaded)
	before, _ := mustLedger(t, h.s, key)
	src := NewSource(idNameRecords(100, 3)...)
	res := mustLoad(t, h.s, j, src, sink.StatusSkipped)
	if res.Rows != 0 {
		t.Errorf("skipped load: Rows = %d, want 0", res.Rows)
	}
	if src.Calls() != 0 {
		t.Errorf("skipped load read the source (%d calls to Next)", src.Calls())
	}
	h.checkRows(t, table, idName, recs)
	if after, _ := mustLedger(t, h.s, key); after != before {
		t.Errorf("ledger row changed by a skipped load:\n%+v\n%+v", before, after)
	}
}

func testReplace(t *testing.T, h *harness) {
	table, key := h.table(t, "replace"), h.key("replace")
	mustLoad(t, h.s, job(key, table, sha("v1"), 3, idName), NewSource(idNameRecords(1, 3)...), sink.StatusLoaded)
	recs := idNameRecords(10, 4)
	res := mustLoad(t, h.s, job(key, table, sha("v2"), 4, idName), NewSource(recs...), sink.StatusReplaced)
	if res.Rows != 4 || res.PrevRows != 3 {
		t.Errorf("result = %+v, want 4 rows, 3 previous", res)
	}
	h.checkRows(t, table, idName, recs)
	if e, _ := mustLedger(t, h.s, key); e.SHA256 != sha("v2") || e.Rows != 4 {
		t.Errorf("ledger row = %+v, want sha v2 and 4 rows", e)
	}
}

func testBadRecordNewTable(t *testing.T, h *harness) {
	for _, failAt := range []int{1, 2, 4} { // first record, mid-stream, at the end (a sha mismatch)
		t.Run(fmt.Sprintf("at%d", failAt), func(t *testing.T) {
			table, key := h.table(t, fmt.Sprintf("badnew%d", failAt)), h.key(fmt.Sprintf("badnew%d", failAt))
			src := NewSource(idNameRecords(1, 3)...)
			src.FailAt = failAt
			_, err := h.s.Load(t.Context(), job(key, table, sha("v1"), 3, idName), src)
			if !errors.Is(err, ErrInjected) {
				t.Fatalf("Load error = %v, want ErrInjected", err)
			}
			h.checkGone(t, table)
			if _, ok := mustLedger(t, h.s, key); ok {
				t.Errorf("ledger has a row after a failed load")
			}
		})
	}
}

func testBadRecordReplace(t *testing.T, h *harness) {
	table, key := h.table(t, "badreplace"), h.key("badreplace")
	recs := idNameRecords(1, 3)
	mustLoad(t, h.s, job(key, table, sha("v1"), 3, idName), NewSource(recs...), sink.StatusLoaded)
	before, _ := mustLedger(t, h.s, key)
	src := NewSource(idNameRecords(10, 5)...)
	src.FailAt = 3
	_, err := h.s.Load(t.Context(), job(key, table, sha("v2"), 5, idName), src)
	if !errors.Is(err, ErrInjected) {
		t.Fatalf("Load error = %v, want ErrInjected", err)
	}
	h.checkRows(t, table, idName, recs)
	if after, _ := mustLedger(t, h.s, key); after != before {
		t.Errorf("ledger row changed by a failed load:\n%+v\n%+v", before, after)
	}
}

func testCancel(t *testing.T, h *harness) {
	table, key := h.table(t, "cancel"), h.key("cancel")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	recs := idNameRecords(1, 2000)
	src := NewSource(recs...)
	src.OnNext = func(n int) {
		if n == 1500 {
			cancel()
		}
	}
	_, err := h.s.Load(ctx, job(key, table, sha("v1"), len(recs), idName), src)
	if err == nil {
		t.Fatalf("Load with a cancelled context succeeded")
	}
	h.checkGone(t, table)
	if _, ok := mustLedger(t, h.s, key); ok {
		t.Errorf("ledger has a row after a cancelled load")
	}
}

// testCancelRepeated cancels loads of new keys at many points, inside a
// batch and on batch edges, then opens the database again and checks that
// none of them left a row or a ledger row: a cancelled load must roll back
// before its connection closes (Oracle commits a session's open
// transaction when it logs off).
func testCancelRepeated(t *testing.T, h *harness) {
	table := h.table(t, "cancelrep")
	recs := idNameRecords(1, 3000)
	var keys []string
	for i, at := range []int{1, 2, 999, 1000, 1001, 1500, 2000, 2001, 2999, 3000} {
		key := h.key(fmt.Sprintf("cancelrep%d", i))
		keys = append(keys, key)
		ctx, cancel := context.WithCancel(t.Context())
		src := NewSource(recs...)
		src.OnNext = func(n int) {
			if n == at {
				cancel()
			}
		}
		if _, err := h.s.Load(ctx, job(key, table, sha(key), len(recs), idName), src); err == nil {
			t.Errorf("load cancelled at record %d succeeded", at)
		}
		cancel()
	}
	s := open(t, h.f, h.dsn, h.opts)
	if _, exists, err := s.Columns(t.Context(), table); err != nil {
		t.Fatal(err)
	} else if exists {
		rows, err := s.(Inspector).Rows(t.Context(), table, []string{"id"})
		if err != nil || len(rows) != 0 {
			t.Errorf("%d rows committed by cancelled loads (%v)", len(rows), err)
		}
	}
	for _, key := range keys {
		if _, ok := mustLedger(t, s, key); ok {
			t.Errorf("ledger row of %s after a cancelled load", key)
		}
	}
}

func testRowCount(t *testing.T, h *harness) {
	for _, tc := range []struct {
		name string
		rows int
	}{{"more", 4}, {"fewer", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			table, key := h.table(t, "rowcount_"+tc.name), h.key("rowcount_"+tc.name)
			_, err := h.s.Load(t.Context(), job(key, table, sha("v1"), tc.rows, idName), NewSource(idNameRecords(1, 3)...))
			if !errors.Is(err, sink.ErrRowCount) {
				t.Fatalf("Load error = %v, want ErrRowCount", err)
			}
			h.checkGone(t, table)
			if _, ok := mustLedger(t, h.s, key); ok {
				t.Errorf("ledger has a row after a failed load")
			}
		})
	}
}

func testRejected(t *testing.T, h *harness) {
	table, key := h.table(t, "rejected"), h.key("rejected")
	recs := idNameRecords(1, 3)
	src := NewSource(recs...)
	src.Reject = 2
	res := mustLoad(t, h.s, job(key, table, sha("v1"), 5, idName), src, sink.StatusLoaded)
	if res.Rows != 3 || res.Rejected != 2 {
		t.Errorf("result = %+v, want 3 rows and 2 rejected", res)
	}
	if e, _ := mustLedger(t, h.s, key); e.Rows != 3 || e.Rejected != 2 {
		t.Errorf("ledger row = %+v, want 3 rows and 2 rejected", e)
	}
	h.checkRows(t, table, idName, recs)
}

func testDowngrade(t *testing.T, h *harness) {
	table, key := h.table(t, "downgrade"), h.key("downgrade")
	full := idNameRecords(1, 5)
	mustLoad(t, h.s, job(key, table, sha("v1"), 5, idName), NewSource(full...), sink.StatusLoaded)
	short := idNameRecords(10, 3)
	src := NewSource(short...)
	_, err := h.s.Load(t.Context(), job(key, table, sha("v2"), 3, idName), src)
	if !errors.Is(err, sink.ErrDowngrade) {
		t.Fatalf("Load error = %v, want ErrDowngrade", err)
	}
	if src.Calls() != 0 {
		t.Errorf("refused downgrade read the source")
	}
	h.checkRows(t, table, idName, full)
	j := job(key, table, sha("v2"), 3, idName)
	j.AllowDowngrade = true
	res := mustLoad(t, h.s, j, NewSource(short...), sink.StatusReplaced)
	if res.PrevRows != 5 || res.Rows != 3 {
		t.Errorf("result = %+v, want 3 rows, 5 previous", res)
	}
	h.checkRows(t, table, idName, short)
}

func withKey(key string, recs [][]any) [][]any {
	out := make([][]any, len(recs))
	for i, r := range recs {
		out[i] = append([]any{key}, r...)
	}
	return out
}

func testOneTable(t *testing.T, h *harness) {
	table := h.table(t, "onetable")
	ka, kb := h.key("one/a"), h.key("one/b")
	ja, jb := job(ka, table, sha("a1"), 2, idName), job(kb, table, sha("b1"), 3, idName)
	ja.OneTable, jb.OneTable = true, true
	ra, rb := idNameRecords(1, 2), idNameRecords(100, 3)
	mustLoad(t, h.s, ja, NewSource(ra...), sink.StatusLoaded)
	mustLoad(t, h.s, jb, NewSource(rb...), sink.StatusLoaded)
	withSK := append([]schema.Column{{Name: sink.SourceKeyColumn, Type: schema.Text}}, idName...)
	h.checkRows(t, table, withSK, append(withKey(ka, ra), withKey(kb, rb)...))

	cols, ok, err := h.s.Columns(t.Context(), table)
	if err != nil || !ok {
		t.Fatalf("Columns(%s) = %v, %v", table, ok, err)
	}
	if names := schema.ColumnNamesOf(cols); !slices.Equal(names, []string{sink.SourceKeyColumn, "id", "name"}) {
		t.Errorf("columns of a one-table table = %q, want source_key first", names)
	}

	ja2 := job(ka, table, sha("a2"), 3, idName)
	ja2.OneTable = true
	ra2 := idNameRecords(50, 3)
	res := mustLoad(t, h.s, ja2, NewSource(ra2...), sink.StatusReplaced)
	if res.PrevRows != 2 {
		t.Errorf("PrevRows = %d, want 2", res.PrevRows)
	}
	h.checkRows(t, table, withSK, append(withKey(ka, ra2), withKey(kb, rb)...))

	// A failed replace of b leaves both keys' rows.
	jb2 := job(kb, table, sha("b2"), 3, idName)
	jb2.OneTable = true
	bad := NewSource(idNameRecords(200, 3)...)
	bad.FailAt = 2
	if _, err := h.s.Load(t.Context(), jb2, bad); !errors.Is(err, ErrInjected) {
		t.Fatalf("Load error = %v, want ErrInjected", err)
	}
	h.checkRows(t, table, withSK, append(withKey(ka, ra2), withKey(kb, rb)...))
}

func testTableTaken(t *testing.T, h *harness) {
	table := h.table(t, "taken")
	mustLoad(t, h.s, job(h.key("taken1"), table, sha("v1"), 2, idName), NewSource(idNameRecords(1, 2)...), sink.StatusLoaded)
	src := NewSource(idNameRecords(10, 2)...)
	_, err := h.s.Load(t.Context(), job(h.key("taken2"), table, sha("v1"), 2, idName), src)
	if !errors.Is(err, sink.ErrTableTaken) {
		t.Fatalf("Load of a second key into a one-key table: error = %v, want ErrTableTaken", err)
	}
	h.checkRows(t, table, idName, idNameRecords(1, 2))
}

// testTableTakenConcurrently loads two keys into one table at once, over
// two connections, the first one inside its transaction when the second
// starts: the second must fail with ErrTableTaken and the table hold the
// first key's rows only, never both.
func testTableTakenConcurrently(t *testing.T, h *harness) {
	other := open(t, h.f, h.dsn, h.opts)
	table := h.table(t, "taken_concurrently")
	recs := idNameRecords(1, 300)
	a := NewSource(recs...)
	b := NewSource(idNameRecords(1000, 300)...)
	started := make(chan struct{})
	a.OnNext = func(n int) {
		if n == 1 {
			close(started)
			time.Sleep(300 * time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() {
		_, errA = h.s.Load(t.Context(), job(h.key("taken_concurrently_L"), table, sha("v1"), len(recs), idName), a)
	})
	wg.Go(func() {
		<-started
		_, errB = other.Load(t.Context(), job(h.key("taken_concurrently_l"), table, sha("v2"), 300, idName), b)
	})
	wg.Wait()
	if errA != nil {
		t.Fatalf("first Load: %v", errA)
	}
	if !errors.Is(errB, sink.ErrTableTaken) {
		t.Errorf("second Load of another key into the table: error = %v, want ErrTableTaken", errB)
	}
	h.checkRows(t, table, idName, recs)
}

var typedCols = []schema.Column{
	{Name: "i", Type: schema.Integer},
	{Name: "d", Type: schema.Decimal},
	{Name: "ts", Type: schema.Timestamp},
	{Name: "s", Type: schema.Text, MaxLen: 40},
}

var typedRecords = [][]any{
	{int64(1), "12.50", time.Date(2024, 2, 29, 13, 45, 56, 123456000, time.UTC), `it's "quoted"; -- not SQL`},
	{int64(-9223372036854775808), "-0.001", time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), "ünïcødé ✓ 日本語"},
	{int64(9223372036854775807), "123456789012.345", time.Date(2038, 1, 19, 3, 14, 8, 1000, time.UTC), "line\nbreak\ttab, comma"},
	{int64(0), "0", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), `back\slash`},
	{nil, nil, nil, nil},
}

func testTypes(t *testing.T, h *harness) {
	table, key := h.table(t, "types"), h.key("types")
	mustLoad(t, h.s, job(key, table, sha("v1"), len(typedRecords), typedCols), NewSource(typedRecords...), sink.StatusLoaded)
	h.checkRows(t, table, typedCols, typedRecords)
}

func testColumns(t *testing.T, h *harness) {
	table, key := h.table(t, "columns"), h.key("columns")
	if cols, ok, err := h.s.Columns(t.Context(), table); err != nil || ok || cols != nil {
		t.Fatalf("Columns of a missing table = %v, %v, %v; want nil, false, nil", cols, ok, err)
	}
	mustLoad(t, h.s, job(key, table, sha("v1"), 1, typedCols), NewSource(typedRecords[0]), sink.StatusLoaded)
	cols, ok, err := h.s.Columns(t.Context(), table)
	if err != nil || !ok {
		t.Fatalf("Columns(%s) = %v, %v", table, ok, err)
	}
	if len(cols) != len(typedCols) {
		t.Fatalf("Columns(%s) = %+v, want %+v", table, cols, typedCols)
	}
	for i, c := range cols {
		if c.Name != typedCols[i].Name || c.Type != typedCols[i].Type {
			t.Errorf("column %d = %s %s, want %s %s", i, c.Name, c.Type, typedCols[i].Name, typedCols[i].Type)
		}
	}
}

func testReservedWords(t *testing.T, h *harness) {
	table, key := h.table(t, "reserved"), h.key("reserved")
	cols := []schema.Column{
		{Name: "select", Type: schema.Integer},
		{Name: "order", Type: schema.Text, MaxLen: 10},
		{Name: "rows", Type: schema.Decimal},
		{Name: "key", Type: schema.Text, MaxLen: 10},
		{Name: "table", Type: schema.Timestamp},
		{Name: "group", Type: schema.Text, MaxLen: 10},
	}
	recs := [][]any{
		{int64(1), "asc", "1.5", "k", time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC), "g"},
		{int64(2), nil, "-2", "k2", nil, "by"},
	}
	j := job(key, table, sha("v1"), 2, cols)
	mustLoad(t, h.s, j, NewSource(recs...), sink.StatusLoaded)
	h.checkRows(t, table, cols, recs)
	got, _, err := h.s.Columns(t.Context(), table)
	if err != nil {
		t.Fatal(err)
	}
	if names := schema.ColumnNamesOf(got); !slices.Equal(names, schema.ColumnNamesOf(cols)) {
		t.Errorf("columns = %q, want %q", names, schema.ColumnNamesOf(cols))
	}
	// Replacing deletes by the quoted names too.
	j.SHA256 = sha("v2")
	mustLoad(t, h.s, j, NewSource(recs...), sink.StatusReplaced)
	h.checkRows(t, table, cols, recs)
}

func testManyRows(t *testing.T, h *harness) {
	table, key := h.table(t, "many"), h.key("many")
	cols := SyntheticColumns
	recs := Synthetic(2345) // crosses every sink's batch size
	res := mustLoad(t, h.s, job(key, table, sha("v1"), len(recs), cols), NewSource(recs...), sink.StatusLoaded)
	if res.Rows != int64(len(recs)) {
		t.Errorf("Rows = %d, want %d", res.Rows, len(recs))
	}
	h.checkRows(t, table, cols, recs)
}

func testEmpty(t *testing.T, h *harness) {
	table, key := h.table(t, "empty"), h.key("empty")
	mustLoad(t, h.s, job(key, table, sha("v1"), 0, idName), NewSource(), sink.StatusLoaded)
	if _, ok, err := h.s.Columns(t.Context(), table); err != nil || !ok {
		t.Fatalf("Columns(%s) after loading a header-only file = %v, %v; want the table", table, ok, err)
	}
	h.checkRows(t, table, idName, nil)
	if e, ok := mustLedger(t, h.s, key); !ok || e.Rows != 0 {
		t.Errorf("ledger row = %+v, %v; want 0 rows", e, ok)
	}
}

// testConcurrent loads one job through two sinks (two connections, as two
// processes would) at once: one loads it, the other waits and skips it.
func testConcurrent(t *testing.T, h *harness) {
	other := open(t, h.f, h.dsn, h.opts)
	for _, mode := range []string{"staggered", "together"} {
		t.Run(mode, func(t *testing.T) {
			table, key := h.table(t, "concurrent_"+mode), h.key("concurrent_"+mode)
			recs := idNameRecords(1, 1200)
			j := job(key, table, sha("v1"), len(recs), idName)
			a, b := NewSource(recs...), NewSource(recs...)
			started := make(chan struct{})
			if mode == "staggered" {
				// a is inside its transaction, reading, when b starts.
				a.OnNext = func(n int) {
					if n == 1 {
						close(started)
						time.Sleep(200 * time.Millisecond)
					}
				}
			} else {
				close(started)
			}
			var wg sync.WaitGroup
			var resA, resB sink.Result
			var errA, errB error
			wg.Go(func() { resA, errA = h.s.Load(t.Context(), j, a) })
			wg.Go(func() {
				<-started
				resB, errB = other.Load(t.Context(), j, b)
			})
			wg.Wait()
			if errA != nil || errB != nil {
				t.Fatalf("Load errors: %v; %v", errA, errB)
			}
			statuses := []sink.Status{resA.Status, resB.Status}
			slices.Sort(statuses)
			if !slices.Equal(statuses, []sink.Status{sink.StatusLoaded, sink.StatusSkipped}) {
				t.Fatalf("statuses = %v, want one loaded and one skipped", statuses)
			}
			skipped := b
			if resA.Status == sink.StatusSkipped {
				skipped = a
			}
			if skipped.Calls() != 0 {
				t.Errorf("the skipped load read its source")
			}
			if mode == "staggered" && resB.Status != sink.StatusSkipped {
				t.Errorf("the load that started second was not the skipped one")
			}
			h.checkRows(t, table, idName, recs)
		})
	}
}

// testRedact puts a password into the DSN, where Open refuses it but a
// user may still type it, and checks that Redact removes it. A DSN that
// is no URL with a host (SQLite's) holds no secret to put it in.
func testRedact(t *testing.T, h *harness) {
	const secret = "sinktest-secret"
	if u, err := url.Parse(h.dsn); err == nil && u.Host != "" {
		u.User = url.UserPassword(u.User.Username(), secret)
		q := u.Query()
		q.Set("password", secret)
		u.RawQuery = q.Encode()
		if got := h.f.Redact(u.String()); strings.Contains(got, secret) {
			t.Errorf("Redact(%s) = %s, which shows the password", u.Redacted(), got)
		}
	}
	if h.f.Scheme() == "" {
		t.Errorf("Scheme() is empty")
	}
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
