package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sijms/go-ora/v2/network"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// fakeTx stands in for Oracle's side of the INSERT for the batch control
// flow only: it keeps the inserted rows (the ids of column 0), refuses the
// ids in refuse with ORA-12899 in batch-error mode (the other rows of the
// array stay inserted, as Oracle does), and keeps one savepoint.
type fakeTx struct {
	rows      []int64
	savepoint int // len(rows) at the savepoint; -1: none
	refuse    map[int64]bool
	other     error // returned for an INSERT holding otherAt
	otherAt   int64
	stmts     []string
}

func (f *fakeTx) insert(_ context.Context, args []any) (int64, error) {
	ids := args[0].([]sql.NullInt64)
	var first error
	var n int64
	for _, id := range ids {
		switch {
		case f.other != nil && id.Int64 == f.otherAt:
			return 0, f.other
		case f.refuse[id.Int64]:
			if first == nil {
				first = &network.OracleError{ErrCode: 12899, ErrMsg: fmt.Sprintf("ORA-12899: value too large for column \"S\" (id %d)", id.Int64)}
			}
		default:
			f.rows = append(f.rows, id.Int64)
			n++
		}
	}
	if first != nil {
		return n, first
	}
	return n, nil
}

func (f *fakeTx) sql(_ context.Context, query string, _ ...any) error {
	f.stmts = append(f.stmts, query)
	switch query {
	case savepointSQL:
		f.savepoint = len(f.rows)
	case rollbackToSQL:
		if f.savepoint < 0 {
			return errors.New("ORA-01086: savepoint never established")
		}
		f.rows = f.rows[:f.savepoint]
	default:
		return fmt.Errorf("unexpected statement %q", query)
	}
	return nil
}

// rejectSource is a sinktest.Source whose record n is numbered 10+2n (as
// if a header and skipped lines came first), and which sets aside up to
// max records through sink.RecordRejecter.
type rejectSource struct {
	*sinktest.Source
	n        int64 // current record, 1-based
	max      int
	rejected []int64
}

func (s *rejectSource) Next() bool {
	ok := s.Source.Next()
	if ok {
		s.n++
	}
	return ok
}
func (s *rejectSource) Record() int64 { return 10 + 2*s.n }
func (s *rejectSource) Reject(record int64, reason error) error {
	if len(s.rejected) >= s.max {
		return fmt.Errorf("record %d: %w", record, reason)
	}
	s.rejected = append(s.rejected, record)
	return nil
}
func (s *rejectSource) Rejected() int64 { return int64(len(s.rejected)) }

var _ sink.RecordRejecter = (*rejectSource)(nil)

func TestBisect(t *testing.T) {
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "s", Type: schema.Text}}}}
	records := func(n int) [][]any {
		recs := make([][]any, n)
		for i := range recs {
			recs[i] = []any{int64(i + 1), "v"}
		}
		return recs
	}
	record := func(id int64) int64 { return 10 + 2*id } // rejectSource's number of id
	tests := []struct {
		Name      string
		Rows      int
		Refuse    []int64
		MaxReject int  // -1: the source is no RecordRejecter
		Other     bool // a non-row error at the last refused id
		WantErr   string
		WantRej   []int64 // records set aside
	}{
		{Name: "Clean", Rows: 2500},
		{Name: "OneBad", Rows: 2500, Refuse: []int64{1234}, MaxReject: 5, WantRej: []int64{record(1234)}},
		{Name: "Several", Rows: 2500, Refuse: []int64{1, 2, 999, 1000, 1001, 2500}, MaxReject: 6, WantRej: []int64{record(1), record(2), record(999), record(1000), record(1001), record(2500)}},
		{Name: "TooMany", Rows: 2500, Refuse: []int64{5, 7}, MaxReject: 1, WantErr: fmt.Sprintf("record %d: the database refused it: ORA-12899", record(7))},
		{Name: "NotAllowed", Rows: 2500, Refuse: []int64{1500}, MaxReject: 0, WantErr: fmt.Sprintf("record %d: the database refused it: ORA-12899", record(1500))},
		{Name: "NoRecordNumbers", Rows: 2500, Refuse: []int64{1500}, MaxReject: -1, WantErr: "row 1500: ORA-12899"},
		{Name: "OtherError", Rows: 2500, Refuse: []int64{1500}, MaxReject: 5, Other: true, WantErr: "ORA-03113"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			f := &fakeTx{savepoint: -1, refuse: make(map[int64]bool)}
			for _, id := range tt.Refuse {
				f.refuse[id] = true
			}
			if tt.Other {
				f.other, f.otherAt = &network.OracleError{ErrCode: 3113, ErrMsg: "ORA-03113: end-of-file on communication channel"}, tt.Refuse[len(tt.Refuse)-1]
			}
			base := sinktest.NewSource(records(tt.Rows)...)
			var src sink.RecordSource = base
			rs := &rejectSource{Source: base, max: tt.MaxReject}
			if tt.MaxReject >= 0 {
				src = rs
			}
			n, err := insertBatches(context.Background(), job, src, nil, 1000, &writer{insert: f.insert, sql: f.sql})
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("insertBatches error = %v, want one with %q", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("insertBatches: %v", err)
			}
			// Every row but the refused ones, once, in order.
			var want []int64
			for id := int64(1); id <= int64(tt.Rows); id++ {
				if !f.refuse[id] {
					want = append(want, id)
				}
			}
			if !slices.Equal(f.rows, want) {
				t.Errorf("inserted %d rows, want %d (each good row once)", len(f.rows), len(want))
			}
			if n != int64(len(want)) {
				t.Errorf("insertBatches = %d, want %d", n, len(want))
			}
			if !reflect.DeepEqual(rs.rejected, tt.WantRej) {
				t.Errorf("rejected records %v, want %v", rs.rejected, tt.WantRej)
			}
			if got := strings.Count(strings.Join(f.stmts, ";"), savepointSQL); got < 3 {
				t.Errorf("%d savepoints for 3 batches", got)
			}
		})
	}
}

// TestBatchFull checks the limits of a batch: rows, bytes and LOB
// columns.
func TestBatchFull(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	tests := []struct {
		Name  string
		LOB   bool
		Value string
		Want  []int // batch sizes of 1000 rows
	}{
		{Name: "Rows", Value: "v", Want: []int{300, 300, 300, 100}},
		{Name: "Bytes", Value: long},
		{Name: "LOB", LOB: true, Value: "v", Want: []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "s", Type: schema.Text}}}}
			recs := make([][]any, 1000)
			for i := range recs {
				recs[i] = []any{int64(i + 1), tt.Value}
			}
			var r recorder
			if _, err := insertBatches(context.Background(), job, sinktest.NewSource(recs...), []bool{false, tt.LOB}, 300, &writer{insert: r.exec}); err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for _, c := range r.calls {
				sizes = append(sizes, reflect.ValueOf(c[0]).Len())
			}
			want := tt.Want
			if tt.Name == "Bytes" {
				// 100 kB values: a batch ends once it holds 4 MiB.
				per := maxBatchBytes/(100_000+22) + 1
				want = nil
				for left := 1000; left > 0; left -= per {
					want = append(want, min(per, left))
				}
			}
			if !slices.Equal(sizes, want) {
				t.Errorf("batch sizes %v, want %v", sizes, want)
			}
		})
	}
}

func TestDecimalPlaces(t *testing.T) {
	tests := []struct {
		Input string
		Want  int
	}{
		{"1.25", 2}, {"-1.250", 2}, {"7", 0}, {"1200", -2}, {"0", zeroPlaces}, {"0.000", zeroPlaces},
		{"0.001", 3}, {"-100.5", 1}, {"10", -1},
	}
	for _, tt := range tests {
		if got := decimalPlaces(tt.Input); got != tt.Want {
			t.Errorf("decimalPlaces(%q) = %d, want %d", tt.Input, got, tt.Want)
		}
	}
}

// TestScaleRefused checks that a decimal with more decimal places than a
// DBA's NUMBER(p,s) column keeps is not sent (Oracle would round it): it
// goes to the rejects with its record number, or fails the load.
func TestScaleRefused(t *testing.T) {
	cols := []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "amount", Type: schema.Decimal}, {Name: "hundreds", Type: schema.Decimal}}
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: cols}}
	scales := []sql.NullInt64{{}, {Int64: 2, Valid: true}, {Int64: -2, Valid: true}}
	recs := [][]any{
		{int64(1), "12.5", "1200"},
		{int64(2), "12.345", "100"}, // 3 places in NUMBER(p,2)
		{int64(3), nil, nil},
		{int64(4), "-0.01", "1250"}, // 1250 in NUMBER(p,-2)
		{int64(5), "99.99", "0"},
	}
	f := &fakeTx{savepoint: -1}
	rs := &rejectSource{Source: sinktest.NewSource(recs...), max: 5}
	n, err := insertBatches(context.Background(), job, rs, nil, 1000, &writer{insert: f.insert, sql: f.sql, scales: scales})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.rows, []int64{1, 3, 5}) || n != 3 {
		t.Errorf("inserted %v (%d), want [1 3 5]", f.rows, n)
	}
	if want := []int64{10 + 2*2, 10 + 2*4}; !slices.Equal(rs.rejected, want) {
		t.Errorf("rejected records %v, want %v", rs.rejected, want)
	}
	// Without a RecordRejecter the load fails, naming the value.
	_, err = insertBatches(context.Background(), job, sinktest.NewSource(recs...), nil, 1000, &writer{insert: (&fakeTx{savepoint: -1}).insert, scales: scales})
	if err == nil || !strings.Contains(err.Error(), "12.345 has 3 decimal places") {
		t.Errorf("error = %v, want one about 12.345's decimal places", err)
	}
}

func TestTimestampPrecisionRefused(t *testing.T) {
	cols := []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "at", Type: schema.Timestamp}}
	scales := []sql.NullInt64{{}, {Int64: 3, Valid: true}}
	base := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		Nanos   int
		WantErr bool
	}{{0, false}, {120_000_000, false}, {123_000_000, false}, {123_400_000, true}, {1, true}}
	for _, tt := range tests {
		err := checkScales(cols, scales, []any{int64(1), base.Add(time.Duration(tt.Nanos))})
		if (err != nil) != tt.WantErr {
			t.Errorf("%d ns in TIMESTAMP(3): error %v, want one: %v", tt.Nanos, err, tt.WantErr)
		}
	}
}
