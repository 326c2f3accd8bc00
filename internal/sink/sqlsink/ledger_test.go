package sqlsink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
)

// fakeRow scans its values into string destinations, or returns err.
type fakeRow struct {
	vals []string
	err  error
}

func (r fakeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	for i, d := range dest {
		*d.(*string) = r.vals[i]
	}
	return nil
}

func TestOtherKey(t *testing.T) {
	d := Target{Dialect: testDialect{maxIdent: 63}, Schema: "s"}
	boom := errors.New("boom")
	tests := []struct {
		Name      string
		Row       fakeRow
		Want      string
		WantOK    bool
		WantErr   error
		WantQuery string
	}{
		{Name: "Taken", Row: fakeRow{vals: []string{"b.csv"}}, Want: "b.csv", WantOK: true},
		{Name: "Free", Row: fakeRow{err: sql.ErrNoRows}},
		{Name: "FreeWrapped", Row: fakeRow{err: fmt.Errorf("pgx: %w", sql.ErrNoRows)}},
		{Name: "Error", Row: fakeRow{err: boom}, WantErr: boom},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			var gotQuery string
			var gotArgs []any
			q := func(_ context.Context, query string, args ...any) interface{ Scan(...any) error } {
				gotQuery, gotArgs = query, args
				return tt.Row
			}
			got, ok, err := OtherKey(t.Context(), d, q, "t", "a.csv")
			if got != tt.Want || ok != tt.WantOK || !errors.Is(err, tt.WantErr) || (tt.WantErr == nil && err != nil) {
				t.Errorf("OtherKey = %q, %v, %v; want %q, %v, %v", got, ok, err, tt.Want, tt.WantOK, tt.WantErr)
			}
			if gotQuery != OtherKeySQL(d) || fmt.Sprint(gotArgs) != "[t a.csv]" {
				t.Errorf("query %q %v, want %q [t a.csv]", gotQuery, gotArgs, OtherKeySQL(d))
			}
		})
	}
}

func TestLedgerRow(t *testing.T) {
	if _, ok, err := LedgerRow(fakeRow{err: fmt.Errorf("x: %w", sql.ErrNoRows)}.Scan); ok || err != nil {
		t.Errorf("no row: ok=%v err=%v, want false, nil", ok, err)
	}
	boom := errors.New("boom")
	if _, ok, err := LedgerRow(fakeRow{err: boom}.Scan); ok || !errors.Is(err, boom) {
		t.Errorf("error: ok=%v err=%v, want false, boom", ok, err)
	}
}

func TestLedgerOnce(t *testing.T) {
	var o LedgerOnce
	calls := map[string]int{}
	fail := errors.New("no grant")
	create := func(schema string, err error) func(context.Context) error {
		return func(context.Context) error { calls[schema]++; return err }
	}
	ctx := t.Context()
	if err := o.Ensure(ctx, "a", create("a", fail)); !errors.Is(err, fail) {
		t.Fatalf("failed create: %v, want %v", err, fail)
	}
	for range 3 {
		if err := o.Ensure(ctx, "a", create("a", nil)); err != nil {
			t.Fatal(err)
		}
		if err := o.Ensure(ctx, "b", create("b", nil)); err != nil {
			t.Fatal(err)
		}
	}
	// A failure is not remembered; a success is, per schema.
	if calls["a"] != 2 || calls["b"] != 1 {
		t.Errorf("create calls = %v, want a:2 b:1", calls)
	}
}
