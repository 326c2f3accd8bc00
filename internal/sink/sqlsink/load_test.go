package sqlsink

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// txDriver is a database/sql driver that records what happens to its
// connections and transactions, as "begin", "commit", "rollback",
// "rollback under a cancelled context" and "close".
type txDriver struct {
	mu         sync.Mutex
	events     []string
	rolledBack chan struct{} // closed at the first rollback
}

func (d *txDriver) record(ev string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, ev)
	if strings.HasPrefix(ev, "rollback") {
		select {
		case <-d.rolledBack:
		default:
			close(d.rolledBack)
		}
	}
}

func (d *txDriver) Events() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.events, ", ")
}

func (d *txDriver) Connect(context.Context) (driver.Conn, error) { return &txConn{d: d}, nil }
func (d *txDriver) Driver() driver.Driver                        { return nil }

type txConn struct{ d *txDriver }

func (c *txConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (c *txConn) Close() error                        { c.d.record("close"); return nil }
func (c *txConn) Begin() (driver.Tx, error)           { return nil, errors.New("use BeginTx") }
func (c *txConn) BeginTx(ctx context.Context, _ driver.TxOptions) (driver.Tx, error) {
	c.d.record("begin")
	return &txTx{d: c.d, ctx: ctx}, nil
}

// txTx is bound to the context it was begun with, as go-ora's
// transactions are: their Commit and Rollback are cancelled with it.
type txTx struct {
	d   *txDriver
	ctx context.Context
}

func (t *txTx) Commit() error { t.d.record("commit"); return nil }
func (t *txTx) Rollback() error {
	if t.ctx.Err() != nil {
		t.d.record("rollback under a cancelled context")
		return t.ctx.Err()
	}
	t.d.record("rollback")
	return nil
}

// cancelTx is a LoadTx whose Insert runs insert.
type cancelTx struct {
	insert func(ctx context.Context) (int64, error)
}

func (cancelTx) LockLedger(context.Context, string) (sink.LedgerEntry, bool, error) {
	return sink.LedgerEntry{}, false, nil
}
func (cancelTx) OtherKey(context.Context, string, string) (string, bool, error) {
	return "", false, nil
}
func (cancelTx) PrepareTable(context.Context, sink.LoadJob) error { return nil }
func (cancelTx) LockTable(context.Context, sink.LoadJob) error    { return nil }
func (cancelTx) DeleteRows(context.Context, sink.LoadJob) error   { return nil }
func (l cancelTx) Insert(ctx context.Context, _ sink.LoadJob, _ sink.RecordSource) (int64, error) {
	return l.insert(ctx)
}
func (cancelTx) PutLedger(context.Context, sink.LedgerEntry, bool) error { return nil }

type noRecords struct{}

func (noRecords) Next() bool             { return false }
func (noRecords) Values() ([]any, error) { return nil, nil }
func (noRecords) Err() error             { return nil }
func (noRecords) Rejected() int64        { return 0 }

// TestLoadSQLCancel checks that a cancelled or failed load is rolled back
// by an explicit call whose context is live, before the connection is
// closed, and that the connection is kept (a discarded go-ora connection
// logs off, and Oracle commits a session's open transaction at logoff).
func TestLoadSQLCancel(t *testing.T) {
	job := sink.LoadJob{Key: "k", SHA256: "s", Rows: 2, Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "a"}}}}
	tests := []struct {
		Name string
		// Insert gets the load's cancel function and the driver.
		Insert     func(ctx context.Context, cancel context.CancelFunc, d *txDriver) (int64, error)
		WantEvents string
		WantErr    error
	}{{
		Name: "CancelDuringInsert",
		Insert: func(ctx context.Context, cancel context.CancelFunc, d *txDriver) (int64, error) {
			cancel()
			// Give database/sql the chance to roll back on its own, as
			// it does for a transaction begun under ctx.
			select {
			case <-d.rolledBack:
			case <-time.After(200 * time.Millisecond):
			}
			return 1, ctx.Err()
		},
		WantEvents: "begin, rollback",
		WantErr:    context.Canceled,
	}, {
		Name: "CancelAfterInsert",
		Insert: func(ctx context.Context, cancel context.CancelFunc, d *txDriver) (int64, error) {
			cancel()
			select {
			case <-d.rolledBack:
			case <-time.After(200 * time.Millisecond):
			}
			return 2, nil
		},
		WantEvents: "begin, rollback",
		WantErr:    context.Canceled,
	}, {
		Name: "InsertFails",
		Insert: func(context.Context, context.CancelFunc, *txDriver) (int64, error) {
			return 0, errors.New("ORA-12899")
		},
		WantEvents: "begin, rollback",
	}, {
		Name: "Commit",
		Insert: func(context.Context, context.CancelFunc, *txDriver) (int64, error) {
			return 2, nil
		},
		WantEvents: "begin, commit",
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			d := &txDriver{rolledBack: make(chan struct{})}
			db := sql.OpenDB(d)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := LoadSQL(ctx, db, job, noRecords{}, func(*sql.Tx) LoadTx {
				return cancelTx{insert: func(ctx context.Context) (int64, error) { return tt.Insert(ctx, cancel, d) }}
			})
			if tt.WantEvents == "begin, commit" && err != nil {
				t.Fatalf("LoadSQL: %v", err)
			}
			if tt.WantEvents != "begin, commit" && err == nil {
				t.Fatal("LoadSQL: no error")
			}
			if tt.WantErr != nil && !errors.Is(err, tt.WantErr) {
				t.Errorf("LoadSQL error = %v, want %v", err, tt.WantErr)
			}
			// Let a connection database/sql discards be closed.
			time.Sleep(10 * time.Millisecond)
			if got := d.Events(); got != tt.WantEvents {
				t.Errorf("before db.Close: events %q, want %q", got, tt.WantEvents)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if got, want := d.Events(), tt.WantEvents+", close"; got != want {
				t.Errorf("after db.Close: events %q, want %q", got, want)
			}
		})
	}
}
