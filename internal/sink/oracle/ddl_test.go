package oracle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sijms/go-ora/v2/network"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

func TestWaitSeconds(t *testing.T) {
	tests := []struct {
		In   time.Duration
		Want int
	}{
		{0, 300},
		{-time.Second, 300},
		{time.Millisecond, 1},
		{1500 * time.Millisecond, 2},
		{time.Minute, 60},
		{1000 * time.Hour, 1_000_000},
	}
	for _, tt := range tests {
		if got := waitSeconds(tt.In); got != tt.Want {
			t.Errorf("waitSeconds(%v) = %d, want %d", tt.In, got, tt.Want)
		}
	}
	if got := ddlTimeoutSQL(waitSeconds(90 * time.Second)); got != "ALTER SESSION SET DDL_LOCK_TIMEOUT = 90" {
		t.Errorf("ddlTimeoutSQL = %q", got)
	}
}

// TestEnsureIndex checks the one-table index: created with a DDL lock
// timeout when USER_IND_COLUMNS has none, taken from a concurrent load
// that created it first, and checked once per table.
func TestEnsureIndex(t *testing.T) {
	create := `CREATE INDEX "LOADER"."DATA_SOURCE_KEY" ON "LOADER"."DATA" ("SOURCE_KEY")`
	timeout := "ALTER SESSION SET DDL_LOCK_TIMEOUT = 30"
	tests := []struct {
		Name      string
		Have      int64 // indexes found
		CreateErr error
		WantExecs []string
		WantErr   error
	}{
		{Name: "Present", Have: 1},
		{Name: "Missing", WantExecs: []string{timeout, create}},
		{Name: "RacedName", CreateErr: &network.OracleError{ErrCode: errNameUsed}, WantExecs: []string{timeout, create}},
		{Name: "RacedColumns", CreateErr: &network.OracleError{ErrCode: errAlreadyIndexed}, WantExecs: []string{timeout, create}},
		{Name: "Busy", CreateErr: &network.OracleError{ErrCode: errResourceBusy}, WantExecs: []string{timeout, create}, WantErr: ErrLockTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			d := &dictDriver{
				rows: map[string][][]driver.Value{indexSQL: {{tt.Have}}},
				errs: map[string]error{create: tt.CreateErr},
			}
			s := &Sink{db: sql.OpenDB(d), t: testTarget, lockTimeout: 30 * time.Second}
			defer s.db.Close()
			err := s.ensureIndex(context.Background(), "data")
			if tt.WantErr != nil {
				if !errors.Is(err, tt.WantErr) {
					t.Fatalf("ensureIndex error = %v, want %v", err, tt.WantErr)
				}
			} else if err != nil {
				t.Fatalf("ensureIndex: %v", err)
			}
			if got := d.Execs(); !slices.Equal(got, tt.WantExecs) {
				t.Errorf("statements %q, want %q", got, tt.WantExecs)
			}
			if tt.WantErr != nil {
				return
			}
			// Known now: no second look.
			d.rows = nil
			if err := s.ensureIndex(context.Background(), "data"); err != nil {
				t.Errorf("second ensureIndex: %v", err)
			}
		})
	}
}

// TestLockLedgerWaits checks that a load waits for another load's lock on
// the key's ledger row, or for its placeholder row, no longer than the
// lock timeout.
func TestLockLedgerWaits(t *testing.T) {
	lock := lockLedgerSQL(testTarget) + " WAIT 1"
	insert := sqlsink.LedgerInsertSQL(testTarget)
	tests := []struct {
		Name    string
		Rows    [][]driver.Value // the ledger row found
		LockErr error
		Block   bool // the placeholder insert waits for a lock
		WantErr error
		WantOK  bool
	}{
		{Name: "Found", Rows: [][]driver.Value{{"k", "t", "s", "sha", int64(1), int64(0), time.Now(), "v", "d"}}, WantOK: true},
		{Name: "RowLocked", LockErr: &network.OracleError{ErrCode: errWaitTimeout, ErrMsg: "ORA-30006: resource busy; acquire with WAIT timeout expired"}, WantErr: ErrLockTimeout},
		{Name: "NewKey", Rows: [][]driver.Value{}},
		{Name: "NewKeyLoading", Rows: [][]driver.Value{}, Block: true, WantErr: ErrLockTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			d := &dictDriver{
				rows:  map[string][][]driver.Value{lock: tt.Rows},
				errs:  map[string]error{lock: tt.LockErr},
				block: map[string]bool{insert: tt.Block},
			}
			s := &Sink{db: sql.OpenDB(d), t: testTarget, lockTimeout: 50 * time.Millisecond}
			defer s.db.Close()
			tx, err := s.db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			l := &loadTx{s: s, tx: tx}
			start := time.Now()
			_, ok, err := l.LockLedger(context.Background(), "k")
			if tt.WantErr != nil {
				if !errors.Is(err, tt.WantErr) {
					t.Fatalf("LockLedger error = %v, want %v", err, tt.WantErr)
				}
				if time.Since(start) > 10*time.Second {
					t.Errorf("LockLedger waited %v", time.Since(start))
				}
				return
			}
			if err != nil || ok != tt.WantOK {
				t.Fatalf("LockLedger = %v, %v; want %v", ok, err, tt.WantOK)
			}
			if !tt.WantOK && !l.placeholder {
				t.Errorf("a new key got no placeholder row")
			}
			if strings.Contains(strings.Join(d.Execs(), ";"), "WAIT") {
				t.Errorf("statements %q", d.Execs())
			}
		})
	}
}

// TestDropIfUnused checks that the table of a failed first load is
// dropped only when it is empty and no other key owns it.
func TestDropIfUnused(t *testing.T) {
	count := `SELECT COUNT(*) FROM "LOADER"."T" WHERE ROWNUM = 1`
	other := sqlsink.OtherKeySQL(testTarget)
	drop := `DROP TABLE "LOADER"."T" PURGE`
	tests := []struct {
		Name     string
		Rows     int64
		Other    [][]driver.Value
		Busy     bool // another load holds a lock on the table
		WantDrop bool // DROP is tried
	}{
		{Name: "Unused", Other: [][]driver.Value{}, WantDrop: true},
		{Name: "HasRows", Rows: 1, Other: [][]driver.Value{}},
		{Name: "OtherKey", Other: [][]driver.Value{{"other.csv"}}},
		{Name: "InUse", Other: [][]driver.Value{}, Busy: true, WantDrop: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			d := &dictDriver{rows: map[string][][]driver.Value{count: {{tt.Rows}}, other: tt.Other}}
			if tt.Busy {
				d.errs = map[string]error{drop: &network.OracleError{ErrCode: errResourceBusy}}
			}
			s := &Sink{db: sql.OpenDB(d), t: testTarget}
			defer s.db.Close()
			if err := s.dropIfUnused(context.Background(), "t", "k"); err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(d.Execs(), drop); got != tt.WantDrop {
				t.Errorf("dropped %v, want %v (statements %q)", got, tt.WantDrop, d.Execs())
			}
			if tt.WantDrop && !slices.Contains(d.Execs(), ddlTimeoutSQL(0)) {
				t.Errorf("DROP waits for locks: statements %q", d.Execs())
			}
		})
	}
}

// TestGenerousWidths checks that a table this sink creates has room for
// a later, longer version of its file: text columns are VARCHAR2(4000
// CHAR) whatever the first version's longest value, or CLOB beyond 4000
// bytes; source_key keeps its indexable width.
func TestGenerousWidths(t *testing.T) {
	table := schema.Table{Name: "t", Columns: []schema.Column{
		{Name: "code", Type: schema.Text, MaxLen: 3},
		{Name: "note", Type: schema.Text, MaxLen: 4001},
		{Name: "n", Type: schema.Integer},
	}}
	stmts, err := sqlsink.CreateTableSQL(testTarget, generousWidths(table), true)
	if err != nil {
		t.Fatal(err)
	}
	want := `CREATE TABLE "LOADER"."T" ("SOURCE_KEY" VARCHAR2(1024 CHAR) NOT NULL, "CODE" VARCHAR2(4000 CHAR), "NOTE" CLOB, "N" NUMBER(19))`
	if stmts[0] != want {
		t.Errorf("got  %s\nwant %s", stmts[0], want)
	}
	if table.Columns[0].MaxLen != 3 {
		t.Errorf("generousWidths changed its argument")
	}
}

// testTarget is the owner the unit tests' statements name.
var testTarget = sqlsink.Target{Dialect: Dialect, Schema: "LOADER"}

// TestLockTableWaits checks that a load waits for another load's lock on
// its table no longer than the lock timeout.
func TestLockTableWaits(t *testing.T) {
	lock := lockTableSQL(testTarget, "t") + " WAIT 5"
	d := &dictDriver{
		rows: map[string][][]driver.Value{columnsSQL: {{"ID", "NUMBER", int64(0), nil}}},
		errs: map[string]error{lock: &network.OracleError{ErrCode: errWaitTimeout, ErrMsg: "ORA-30006: resource busy; acquire with WAIT timeout expired"}},
	}
	s := &Sink{db: sql.OpenDB(d), t: testTarget, lockTimeout: 5 * time.Second}
	defer s.db.Close()
	tx, err := s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	l := &loadTx{s: s, tx: tx}
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "id", Type: schema.Integer}}}}
	if err := l.LockTable(context.Background(), job); !errors.Is(err, ErrLockTimeout) {
		t.Errorf("LockTable error = %v, want ErrLockTimeout", err)
	}
	if !slices.Contains(d.Execs(), lock) {
		t.Errorf("statements %q, want %q", d.Execs(), lock)
	}
}

// TestCreateTable checks which load created a table: the one whose CREATE
// TABLE ran (it alone runs the index and comments, and drops the table
// when its load fails), not one that found it created meanwhile.
func TestCreateTable(t *testing.T) {
	stmts := []string{"CREATE TABLE x", "CREATE INDEX x_i", "COMMENT ON COLUMN x.c"}
	timeout := ddlTimeoutSQL(waitSeconds(time.Minute))
	tests := []struct {
		Name        string
		Errs        map[string]error
		WantCreated bool
		WantErr     bool
		WantExecs   []string
	}{
		{Name: "Created", WantCreated: true, WantExecs: []string{timeout, stmts[0], timeout, stmts[1], stmts[2]}},
		{Name: "Raced", Errs: map[string]error{stmts[0]: &network.OracleError{ErrCode: errNameUsed}}, WantExecs: []string{timeout, stmts[0]}},
		{Name: "IndexFails", Errs: map[string]error{stmts[1]: &network.OracleError{ErrCode: 1652}}, WantCreated: true, WantErr: true, WantExecs: []string{timeout, stmts[0], timeout, stmts[1]}},
		{Name: "CreateFails", Errs: map[string]error{stmts[0]: &network.OracleError{ErrCode: 1031}}, WantErr: true, WantExecs: []string{timeout, stmts[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			d := &dictDriver{errs: tt.Errs}
			s := &Sink{db: sql.OpenDB(d), t: testTarget, lockTimeout: time.Minute}
			defer s.db.Close()
			created, err := s.createTable(context.Background(), stmts)
			if created != tt.WantCreated || (err != nil) != tt.WantErr {
				t.Errorf("createTable = %v, %v; want %v, error %v", created, err, tt.WantCreated, tt.WantErr)
			}
			if got := d.Execs(); !slices.Equal(got, tt.WantExecs) {
				t.Errorf("statements %q, want %q", got, tt.WantExecs)
			}
		})
	}
}
