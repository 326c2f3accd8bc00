package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// TestTempTableDoesNotCaptureLoad gives the sink's only connection a TEMP
// table with the name of the load's table: SQLite looks bare names up in
// temp first, so only "main"-qualified statements load into the file.
func TestTempTableDoesNotCaptureLoad(t *testing.T) {
	ctx := context.Background()
	s, err := Factory{}.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.(*Sink).db
	db.SetMaxOpenConns(1) // the TEMP table is the connection's
	if _, err := db.ExecContext(ctx, `CREATE TEMP TABLE "line" ("id" INTEGER)`); err != nil {
		t.Fatal(err)
	}
	cols := []schema.Column{{Name: "id", Type: schema.Integer}}
	job := sink.LoadJob{Key: "line.csv", Source: "a.zip!/line.csv", SHA256: "ab", Rows: 2, Table: schema.Table{Name: "line", Columns: cols}}
	if _, err := s.Load(ctx, job, sinktest.NewSource([]any{int64(1)}, []any{int64(2)})); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		Table string
		Want  int
	}{{`temp."line"`, 0}, {`main."line"`, 2}} {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tt.Table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != tt.Want {
			t.Errorf("%s has %d rows, want %d", tt.Table, n, tt.Want)
		}
	}
}

func TestReservedNames(t *testing.T) {
	for _, name := range []string{"sqlite_master", "SQLITE_x", "siftload_ledger"} {
		if err := (&Sink{}).CheckTable(name); err == nil {
			t.Errorf("CheckTable(%s) = nil, want an error", name)
		}
	}
	if err := (&Sink{}).CheckTable("x_sqlite_master"); err != nil {
		t.Errorf("CheckTable(x_sqlite_master) = %v", err)
	}
}
