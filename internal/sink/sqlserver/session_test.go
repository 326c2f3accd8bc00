package sqlserver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"slices"
	"sync"
	"testing"
)

// fakeConnector makes fakeConns that record what they execute.
type fakeConnector struct {
	mu    sync.Mutex
	execs []string
	args  [][]driver.Value // of each Exec with arguments
	fail  error
	// affected is what an Exec without arguments reports (the end of a
	// bulk copy); -1: the rows Exec'd with arguments so far.
	affected int64
}

func (f *fakeConnector) Connect(context.Context) (driver.Conn, error) { return &fakeConn{f: f}, nil }
func (f *fakeConnector) Driver() driver.Driver                        { return nil }

type fakeConn struct{ f *fakeConnector }

func (c *fakeConn) Prepare(q string) (driver.Stmt, error) { return &fakeStmt{c: c, q: q}, nil }
func (c *fakeConn) Close() error                          { return nil }
func (c *fakeConn) Begin() (driver.Tx, error)             { return fakeTx{}, nil }

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

type fakeStmt struct {
	c *fakeConn
	q string
}

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.c.f.mu.Lock()
	defer s.c.f.mu.Unlock()
	f := s.c.f
	f.execs = append(f.execs, s.q)
	if len(args) > 0 {
		f.args = append(f.args, slices.Clone(args))
		return driver.RowsAffected(1), f.fail
	}
	n := f.affected
	if n < 0 {
		n = int64(len(f.args))
	}
	return driver.RowsAffected(n), f.fail
}
func (s *fakeStmt) Query([]driver.Value) (driver.Rows, error) { return nil, errors.New("no rows") }

// TestSessionConnector: every new connection runs the session's SET
// statements before database/sql uses it, and one that fails them is not
// used.
func TestSessionConnector(t *testing.T) {
	f := &fakeConnector{}
	db := sql.OpenDB(sessionConnector{Connector: f, init: "SET X ON"})
	defer db.Close()
	c1, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c2, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c1.Close()
	c2.Close()
	if want := []string{"SET X ON", "SET X ON"}; !slices.Equal(f.execs, want) {
		t.Errorf("executed %q on two connections, want %q", f.execs, want)
	}
	f.fail = errors.New("no permission")
	db2 := sql.OpenDB(sessionConnector{Connector: f, init: "SET X ON"})
	defer db2.Close()
	if _, err := db2.Conn(t.Context()); !errors.Is(err, f.fail) {
		t.Errorf("Conn with a failing session set-up: %v, want %v", err, f.fail)
	}
}
