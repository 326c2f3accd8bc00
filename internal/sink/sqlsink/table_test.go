package sqlsink

import (
	"context"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// tableTx is a TableTx over a table held in memory that records the calls
// PrepareTable makes.
type tableTx struct {
	cols     []schema.Column // the table's; nil: none
	leftover bool
	calls    []string
}

func (t *tableTx) TableColumns(context.Context, sink.LoadJob) ([]schema.Column, error) {
	t.calls = append(t.calls, "columns")
	return t.cols, nil
}

func (t *tableTx) LockTable(context.Context, sink.LoadJob) error {
	t.calls = append(t.calls, "lock")
	return nil
}

func (t *tableTx) CreateTable(_ context.Context, job sink.LoadJob) error {
	t.calls = append(t.calls, "create")
	t.cols = job.Table.Columns
	return nil
}

// leftoverTx is a tableTx that is a LeftoverTx.
type leftoverTx struct{ tableTx }

func (t *leftoverTx) Leftover(context.Context, sink.LoadJob) (bool, error) {
	t.calls = append(t.calls, "leftover?")
	return t.leftover, nil
}

func (t *leftoverTx) DropTable(context.Context, sink.LoadJob) error {
	t.calls = append(t.calls, "drop")
	t.cols = nil
	return nil
}

func TestPrepareTable(t *testing.T) {
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "a", Type: schema.Integer}}}}
	other := []schema.Column{{Name: "b"}}
	for _, tt := range []struct {
		Name     string
		Cols     []schema.Column
		OneTable bool
		Leftover bool
		Dropper  bool // a LeftoverTx
		Want     string
		WantErr  string
	}{
		{Name: "Missing", Want: "columns lock columns create"},
		{Name: "Exists", Cols: job.Table.Columns, Want: "columns"},
		{Name: "OtherColumns", Cols: other, Want: "columns", WantErr: "has no column a"},
		{Name: "ExistsNoLeftover", Cols: other, Dropper: true, Want: "columns leftover?", WantErr: "has no column a"},
		{Name: "Leftover", Cols: other, Dropper: true, Leftover: true, Want: "columns leftover? drop create"},
		// In one-table mode no load holds the table's lock: a table is
		// never taken for a left-over.
		{Name: "LeftoverOneTable", Cols: append(other, schema.Column{Name: sink.SourceKeyColumn}), OneTable: true, Dropper: true, Leftover: true, Want: "columns", WantErr: "has no column a"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			j := job
			j.OneTable = tt.OneTable
			base := tableTx{cols: tt.Cols, leftover: tt.Leftover}
			var tx TableTx = &base
			calls := func() []string { return base.calls }
			if tt.Dropper {
				lt := &leftoverTx{base}
				tx, calls = lt, func() []string { return lt.calls }
			}
			err := PrepareTable(context.Background(), tx, j)
			if tt.WantErr == "" && err != nil || tt.WantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.WantErr)) {
				t.Fatalf("PrepareTable: %v, want %q", err, tt.WantErr)
			}
			if got := strings.Join(calls(), " "); got != tt.Want {
				t.Errorf("calls %q, want %q", got, tt.Want)
			}
		})
	}
}
