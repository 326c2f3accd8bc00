package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// TestLockHeldByOtherProgram holds the database's write lock as another
// program would, and loads: the sink says what it waits for, gives up
// after the lock timeout of its Options (not SQLite's 10 minutes), and
// says why.
func TestLockHeldByOtherProgram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	var (
		mu   sync.Mutex
		told []string
	)
	s, err := Factory{}.Open(t.Context(), "sqlite:"+path, sink.Options{
		LockTimeout: 300 * time.Millisecond,
		Waiting: func(what string) {
			mu.Lock()
			told = append(told, what)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	if _, err := other.Exec("BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer other.Exec("ROLLBACK")

	cols := []schema.Column{{Name: "id", Type: schema.Integer}}
	job := sink.LoadJob{Key: "a.csv", Source: "x.zip!/a.csv", SHA256: fmt.Sprintf("%064x", 1), Rows: 1,
		Table: schema.Table{Name: "a", Columns: cols}, Version: "test"}
	start := time.Now()
	_, err = s.Load(t.Context(), job, sinktest.NewSource([]any{int64(1)}))
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "another program held the write lock of "+path) || !strings.Contains(err.Error(), "300ms") {
		t.Errorf("Load = %v, want the lock timeout named", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Load waited %s for a lock timeout of 300ms", elapsed)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || !strings.Contains(told[0], "write lock of "+path) {
		t.Errorf("Waiting was told %q, want once the write lock of %s", told, path)
	}
}
