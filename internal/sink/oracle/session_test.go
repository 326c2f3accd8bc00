package oracle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sijms/go-ora/v2/network"
)

// dictDriver answers the queries of checkSession from fixed results, as a
// database would: rows per query text, or an error.
type dictDriver struct {
	rows    map[string][][]driver.Value
	nameLen int64 // ORA_MAX_NAME_LEN_SUPPORTED; 0: the block fails (11g)
	// errs fails a query or statement; block makes a statement wait
	// for its context, as a lock does, then fail as go-ora's break does.
	errs  map[string]error
	block map[string]bool

	mu    sync.Mutex
	execs []string // the statements run, in order
}

func (d *dictDriver) Execs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.execs)
}

func (d *dictDriver) Connect(context.Context) (driver.Conn, error) { return dictConn{d}, nil }
func (d *dictDriver) Driver() driver.Driver                        { return nil }

type dictConn struct{ d *dictDriver }

func (dictConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (dictConn) Close() error                        { return nil }
func (dictConn) Begin() (driver.Tx, error)           { return dictTx{}, nil }

type dictTx struct{}

func (dictTx) Commit() error   { return nil }
func (dictTx) Rollback() error { return nil }
func (dictConn) CheckNamedValue(*driver.NamedValue) error {
	return nil
}

func (c dictConn) QueryContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Rows, error) {
	if err := c.d.errs[query]; err != nil {
		return nil, err
	}
	rows, ok := c.d.rows[query]
	if !ok {
		return nil, &network.OracleError{ErrCode: 942, ErrMsg: "ORA-00942: table or view does not exist: " + query}
	}
	return &dictRows{rows: rows}, nil
}

func (c dictConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if query != nameLenSQL {
		c.d.mu.Lock()
		c.d.execs = append(c.d.execs, query)
		c.d.mu.Unlock()
		if c.d.block[query] {
			<-ctx.Done()
			return nil, &network.OracleError{ErrCode: errUserCancelled, ErrMsg: "ORA-01013: user requested cancel of current operation"}
		}
		if err := c.d.errs[query]; err != nil {
			return nil, err
		}
		return driver.RowsAffected(1), nil
	}
	if c.d.nameLen == 0 {
		return nil, &network.OracleError{ErrCode: 6550, ErrMsg: "ORA-06550: PLS-00201: identifier 'ORA_MAX_NAME_LEN_SUPPORTED' must be declared"}
	}
	*args[0].Value.(sql.Out).Dest.(*int64) = c.d.nameLen
	return driver.RowsAffected(0), nil
}

type dictRows struct {
	rows [][]driver.Value
	i    int
}

func (r *dictRows) Columns() []string {
	if len(r.rows) == 0 {
		return []string{"A", "B"}
	}
	return make([]string, len(r.rows[0]))
}
func (r *dictRows) Close() error { return nil }
func (r *dictRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}

func TestCheckSession(t *testing.T) {
	charset := func(cs, ncs string) [][]driver.Value {
		return [][]driver.Value{{"NLS_CHARACTERSET", cs}, {"NLS_NCHAR_CHARACTERSET", ncs}}
	}
	tests := []struct {
		Name     string
		Charset  [][]driver.Value
		Protocol string
		NameLen  int64
		Remote   bool
		Insecure bool
		WantErr  string
		WantName int
	}{
		{Name: "UTF8", Charset: charset("AL32UTF8", "AL16UTF16"), Protocol: "tcps", NameLen: 128, Remote: true, WantName: 128},
		{Name: "Latin1", Charset: charset("WE8ISO8859P1", "AL16UTF16"), Protocol: "tcps", NameLen: 128, WantErr: "character set is WE8ISO8859P1"},
		{Name: "OldUTF8", Charset: charset("UTF8", "UTF8"), Protocol: "tcp", NameLen: 128, WantErr: "character set is UTF8"},
		{Name: "Redirected", Charset: charset("AL32UTF8", "AL16UTF16"), Protocol: "tcp", NameLen: 128, Remote: true, WantErr: `runs over "tcp", not TLS`},
		{Name: "RedirectedAllowed", Charset: charset("AL32UTF8", "AL16UTF16"), Protocol: "tcp", NameLen: 128, Remote: true, Insecure: true, WantName: 128},
		{Name: "Loopback", Charset: charset("AL32UTF8", "AL16UTF16"), Protocol: "tcp", NameLen: 128, WantName: 128},
		{Name: "Compatible12.1", Charset: charset("AL32UTF8", "AL16UTF16"), Protocol: "TCPS", NameLen: 30, Remote: true, WantName: 30},
		{Name: "Oracle11", Charset: charset("AL32UTF8", "AL16UTF16"), Protocol: "tcps", Remote: true, WantName: 30},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			d := &dictDriver{nameLen: tt.NameLen, rows: map[string][][]driver.Value{
				charsetSQL:  tt.Charset,
				protocolSQL: {{tt.Protocol}},
			}}
			db := sql.OpenDB(d)
			defer db.Close()
			si, err := checkSession(context.Background(), db, tt.Remote, tt.Insecure)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("checkSession error = %v, want one with %q", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("checkSession: %v", err)
			}
			if si.maxName != tt.WantName {
				t.Errorf("identifier limit = %d, want %d", si.maxName, tt.WantName)
			}
		})
	}
}

// TestPoolKeepsSessions checks that the sessions of 8 workers stay open
// between loads (database/sql keeps 2 by default and logs the others off).
func TestPoolKeepsSessions(t *testing.T) {
	db := sql.OpenDB(&dictDriver{})
	defer db.Close()
	configurePool(db)
	ctx := context.Background()
	var conns []*sql.Conn
	for range 8 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	if st := db.Stats(); st.Idle != 8 || st.MaxIdleClosed != 0 {
		t.Errorf("after 8 loads: %d idle sessions, %d closed; want 8 kept", st.Idle, st.MaxIdleClosed)
	}
}

func TestRemote(t *testing.T) {
	tests := []struct {
		DSN  string
		Want bool
	}{
		{"oracle://u@127.0.0.1:1521/XE", false},
		{"oracle://u@localhost/XE", false},
		{"oracle://u@db.example:2484/XE?SSL=enable", true},
		{"oracle://u@127.0.0.1:1521/XE?SERVER=db2.example:1521", true},
	}
	for _, tt := range tests {
		c, err := ParseDSN(tt.DSN)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.remote(); got != tt.Want {
			t.Errorf("remote(%s) = %v, want %v", tt.DSN, got, tt.Want)
		}
	}
}
