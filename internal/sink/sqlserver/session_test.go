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
	fail  error
}

func (f *fakeConnector) Connect(context.Context) (driver.Conn, error) { return &fakeConn{f: f}, nil }
func (f *fakeConnector) Driver() driver.Driver                        { return nil }

type fakeConn struct{ f *fakeConnector }

func (c *fakeConn) Prepare(q string) (driver.Stmt, error) { return &fakeStmt{c: c, q: q}, nil }
func (c *fakeConn) Close() error                          { return nil }
func (c *fakeConn) Begin() (driver.Tx, error)             { return nil, errors.New("no transactions") }

type fakeStmt struct {
	c *fakeConn
	q string
}

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec([]driver.Value) (driver.Result, error) {
	s.c.f.mu.Lock()
	defer s.c.f.mu.Unlock()
	s.c.f.execs = append(s.c.f.execs, s.q)
	return driver.RowsAffected(0), s.c.f.fail
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
