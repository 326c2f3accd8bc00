package sinktest

import (
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// testListCount checks sink.Lister and sink.Counter: the ledger lists
// every loaded key sorted, and a key's rows are counted in its table
// (per key in one-table mode), ok=false for a table that does not exist.
func testListCount(t *testing.T, h *harness) {
	l, ok := h.s.(sink.Lister)
	if !ok {
		t.Fatalf("%T does not implement sink.Lister", h.s)
	}
	c, ok := h.s.(sink.Counter)
	if !ok {
		t.Fatalf("%T does not implement sink.Counter", h.s)
	}
	table, one := h.table(t, "listcount"), h.table(t, "listcountone")
	kb, ka, k1, k2 := h.key("list/b"), h.key("list/a"), h.key("list/one1"), h.key("list/one2")
	mustLoad(t, h.s, job(kb, table, sha("b"), 3, idName), NewSource(idNameRecords(1, 3)...), sink.StatusLoaded)
	j1, j2 := job(k1, one, sha("1"), 2, idName), job(k2, one, sha("2"), 4, idName)
	j1.OneTable, j2.OneTable = true, true
	mustLoad(t, h.s, j1, NewSource(idNameRecords(1, 2)...), sink.StatusLoaded)
	mustLoad(t, h.s, j2, NewSource(idNameRecords(1, 4)...), sink.StatusLoaded)

	es, err := l.LedgerEntries(t.Context())
	if err != nil {
		t.Fatalf("LedgerEntries: %v", err)
	}
	got := map[string]sink.LedgerEntry{}
	prev := ""
	for _, e := range es {
		if e.Key < prev {
			t.Errorf("LedgerEntries not sorted: %s after %s", e.Key, prev)
		}
		prev = e.Key
		got[e.Key] = e
	}
	for key, want := range map[string]struct {
		table string
		rows  int64
	}{kb: {table, 3}, k1: {one, 2}, k2: {one, 4}} {
		e, ok := got[key]
		if !ok || e.Table != want.table || e.Rows != want.rows {
			t.Errorf("LedgerEntries row of %s = %+v (found %v), want table %s, %d rows", key, e, ok, want.table, want.rows)
		}
	}
	if _, ok := got[ka]; ok {
		t.Errorf("LedgerEntries lists %s, never loaded", ka)
	}
	checkDigest(t, h, table, kb, false, 3)
	checkDigest(t, h, one, k1, true, 2)
	checkDigest(t, h, one, k2, true, 4)

	for _, tc := range []struct {
		Name     string
		Table    string
		Key      string
		OneTable bool
		Want     int64
		WantOK   bool
	}{
		{"Table", table, kb, false, 3, true},
		{"OneTableFirst", one, k1, true, 2, true},
		{"OneTableSecond", one, k2, true, 4, true},
		{"OneTableNoKey", one, ka, true, 0, true},
		{"NoTable", h.table(t, "listcountnone"), ka, false, 0, false},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			n, ok, err := c.CountRows(t.Context(), tc.Table, tc.Key, tc.OneTable)
			if err != nil || n != tc.Want || ok != tc.WantOK {
				t.Errorf("CountRows(%s, %s, %v) = %d, %v, %v; want %d, %v, nil", tc.Table, tc.Key, tc.OneTable, n, ok, err, tc.Want, tc.WantOK)
			}
		})
	}
}

// digestOf returns the digest of recs, values of cols.
func digestOf(t *testing.T, cols []schema.Column, recs [][]any) string {
	t.Helper()
	var d sink.Digest
	for _, r := range recs {
		if err := d.Add(cols, r); err != nil {
			t.Fatal(err)
		}
	}
	return d.String()
}

// checkDigest checks that the rows of key read back from table have the
// count and the digest the ledger recorded at load time.
func checkDigest(t *testing.T, h *harness, table, key string, oneTable bool, rows int) {
	t.Helper()
	dg, ok := h.s.(sink.Digester)
	if !ok {
		t.Fatalf("%T does not implement sink.Digester", h.s)
	}
	e, found := mustLedger(t, h.s, key)
	if !found {
		t.Fatalf("ledger has no row for %s", key)
	}
	n, d, ok, err := dg.DigestRows(t.Context(), table, key, oneTable)
	if err != nil || !ok {
		t.Fatalf("DigestRows(%s, %s) = %v, %v", table, key, ok, err)
	}
	if n != int64(rows) || d != e.Digest || d == sink.EmptyDigest && rows > 0 {
		t.Errorf("DigestRows(%s, %s) = %d rows, digest %s; want %d rows, the ledger's digest %s", table, key, n, d, rows, e.Digest)
	}
}
