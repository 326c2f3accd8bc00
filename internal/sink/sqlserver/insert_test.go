package sqlserver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// TestInsert drives loadTx.Insert over a fake driver: the bulk copy
// statement, one Exec per row with the converted values, the closing Exec
// whose count must match, a failing source and a cancelled context.
func TestInsert(t *testing.T) {
	job := sink.LoadJob{Key: "a.csv", OneTable: true, Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "d", Type: schema.Decimal}, {Name: "ts", Type: schema.Timestamp}}}}
	ts := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
	recs := func(n int) [][]any {
		r := make([][]any, n)
		for i := range r {
			r[i] = []any{fmt.Sprintf("%d.50", i), ts}
		}
		return r
	}
	tests := []struct {
		Name     string
		Src      *sinktest.Source
		Affected int64
		Cancel   bool
		WantRows int
		WantErr  string
	}{
		{Name: "Rows", Src: sinktest.NewSource(recs(3)...), Affected: -1, WantRows: 3},
		{Name: "Many", Src: sinktest.NewSource(recs(3000)...), Affected: -1, WantRows: 3000},
		{Name: "Empty", Src: sinktest.NewSource(), Affected: -1},
		{Name: "CountDiffers", Src: sinktest.NewSource(recs(3)...), Affected: 2, WantErr: "the server took 2 rows of 3 sent"},
		{Name: "SourceFails", Src: &sinktest.Source{Records: recs(3), FailAt: 2}, Affected: -1, WantErr: sinktest.ErrInjected.Error()},
		{Name: "Rounds", Src: sinktest.NewSource([]any{"0." + strings.Repeat("0", 19) + "1", ts}), Affected: -1, WantErr: "would be rounded"},
		{Name: "Cancelled", Src: sinktest.NewSource(recs(3000)...), Affected: -1, Cancel: true, WantErr: context.Canceled.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			f := &fakeConnector{affected: tt.Affected}
			db := sql.OpenDB(f)
			defer db.Close()
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.Cancel {
				tt.Src.OnNext = func(n int) {
					if n == 1500 {
						cancel()
					}
				}
			}
			l := &loadTx{s: &Sink{target: tg, schema: "dbo"}, tx: tx, cols: createdColumns(job)}
			n, err := l.Insert(ctx, job, tt.Src)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("Insert: %d, %v; want %q", n, err, tt.WantErr)
				}
				if tt.Cancel && len(f.args) >= 3000 {
					t.Errorf("cancelled at record 1500, yet %d rows were sent", len(f.args))
				}
				return
			}
			if err != nil || n != int64(tt.WantRows) {
				t.Fatalf("Insert = %d, %v; want %d", n, err, tt.WantRows)
			}
			if want := copyInSQL(tg, job); len(f.execs) == 0 || f.execs[0] != want {
				t.Fatalf("first statement %q, want %q", f.execs, want)
			}
			if len(f.args) != tt.WantRows {
				t.Fatalf("%d rows sent, want %d", len(f.args), tt.WantRows)
			}
			if tt.WantRows > 0 {
				if got := fmt.Sprint(f.args[1]); got != fmt.Sprint([]any{"a.csv", "1.50", ts}) {
					t.Errorf("row 2 sent as %s", got)
				}
			}
		})
	}
}
