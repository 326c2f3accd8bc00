package sinktest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// The cases of the suite, one function each; Run lists them.

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
	want := sink.LedgerEntry{Key: key, Table: table, Source: "archive.zip!/" + key, SHA256: sha("v1"), Rows: 3, Rejected: 0, Version: "sinktest", Digest: digestOf(t, idName, recs)}
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
	checkDigest(t, h, table, key, false, len(typedRecords))
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
