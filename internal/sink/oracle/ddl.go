package oracle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// DDL and lock waits.
//
// Oracle's DDL commits by itself, so it runs on a connection of its own,
// outside the load's transaction, after ALTER SESSION SET DDL_LOCK_TIMEOUT:
// a CREATE INDEX or DROP TABLE that meets another session's lock on the
// table waits for it up to the lock timeout instead of failing at once
// with ORA-00054 (the default timeout is 0).
//
// One-table mode. The first load of a process to reach a new table
// creates it and its index on source_key while the process's other loads
// wait (a mutex of the Sink), and no load of the process inserts before
// the index is there: USER_IND_COLUMNS is checked and a missing index
// created (a crash between the two DDL statements leaves a table without
// one) once per table and process. A load of another process that loses
// the race to create the table (ORA-00955) or the index (ORA-00955,
// ORA-01408) takes the winner's.
//
// A first load that fails drops the table it created, once its own
// transaction has rolled back, when the table is not shared (outside
// one-table mode), holds no row and the ledger names no key for it; the
// DROP does not wait: a table another load has taken meanwhile stays.
//
// Every lock wait of a load is bounded by the lock timeout
// (sink.Options.LockTimeout): the key's ledger row (SELECT ... FOR UPDATE
// WAIT n), the placeholder insert of a new key that another load is
// loading (a statement context with that deadline), and DDL.
const (
	errResourceBusy    = 54    // ORA-00054: resource busy and NOWAIT or timeout expired
	errAlreadyIndexed  = 1408  // ORA-01408: such column list already indexed
	errWaitTimeout     = 30006 // ORA-30006: resource busy; acquire with WAIT timeout expired
	errUserCancelled   = 1013  // ORA-01013: user requested cancel of current operation
	maxDDLLockTimeout  = 1_000_000
	defaultLockTimeout = sink.DefaultLockTimeout
)

// waitSeconds returns d in whole seconds for Oracle's WAIT and
// DDL_LOCK_TIMEOUT: rounded up, at least 1, at most 1,000,000.
func waitSeconds(d time.Duration) int {
	if d <= 0 {
		d = defaultLockTimeout
	}
	s := int((d + time.Second - 1) / time.Second)
	return min(max(s, 1), maxDDLLockTimeout)
}

// ddlTimeoutSQL sets the session's DDL lock timeout in seconds (0: no
// wait).
func ddlTimeoutSQL(seconds int) string {
	return "ALTER SESSION SET DDL_LOCK_TIMEOUT = " + strconv.Itoa(seconds)
}

// waitClause bounds the wait of a SELECT ... FOR UPDATE.
func waitClause(d time.Duration) string {
	return " WAIT " + strconv.Itoa(waitSeconds(d))
}

// ErrLockTimeout is returned when a load waited longer than the lock
// timeout for another load's lock.
var ErrLockTimeout = errors.New("oracle: lock wait timed out")

// lockTimeoutErr wraps err in ErrLockTimeout when it is a lock wait that
// timed out.
func (s *Sink) lockTimeoutErr(what string, err error) error {
	switch oraCode(err) {
	case errWaitTimeout, errResourceBusy:
		return fmt.Errorf("%w: %s: waited %s: %w", ErrLockTimeout, what, s.lockWait(), err)
	}
	return err
}

func (s *Sink) lockWait() time.Duration {
	if s.lockTimeout > 0 {
		return s.lockTimeout
	}
	return defaultLockTimeout
}

// ddl runs stmts in order on a connection of its own with the lock
// timeout as DDL lock timeout. skip, when not nil, says whether an error of statement i
// means the remaining statements are done already (another load ran them):
// ddl then returns nil.
func (s *Sink) ddl(ctx context.Context, stmts []string, skip func(i int, err error) bool) error {
	return s.ddlWait(ctx, waitSeconds(s.lockTimeout), stmts, skip)
}

// ddlWait is ddl with a DDL lock timeout of seconds.
func (s *Sink) ddlWait(ctx context.Context, seconds int, stmts []string, skip func(i int, err error) bool) error {
	if len(stmts) == 0 {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, ddlTimeoutSQL(seconds)); err != nil {
		return fmt.Errorf("set DDL lock timeout: %w", err)
	}
	for i, st := range stmts {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			if skip != nil && skip(i, err) {
				return nil
			}
			return s.lockTimeoutErr("DDL", err)
		}
	}
	return nil
}

// indexSQL reads whether table has an index whose first column is
// SourceKeyColumn.
const indexSQL = `SELECT COUNT(*) FROM USER_IND_COLUMNS WHERE TABLE_NAME = :1 AND COLUMN_NAME = :2 AND COLUMN_POSITION = 1`

// ensureIndex creates the one-table index on SourceKeyColumn of table
// when it is missing, once per table and Sink; the caller holds s.ddlMu.
func (s *Sink) ensureIndex(ctx context.Context, table string) error {
	if s.indexed[table] {
		return nil
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, indexSQL, storedIn(s.t, table), storedIn(s.t, sink.SourceKeyColumn)).Scan(&n); err != nil {
		return fmt.Errorf("index of %s: %w", table, err)
	}
	if n == 0 {
		stmt, err := indexStmt(s.t, table)
		if err != nil {
			return err
		}
		err = s.ddl(ctx, []string{stmt}, func(_ int, err error) bool {
			c := oraCode(err)
			return c == errNameUsed || c == errAlreadyIndexed
		})
		if err != nil {
			return fmt.Errorf("create index on %s: %w", table, err)
		}
	}
	if s.indexed == nil {
		s.indexed = make(map[string]bool)
	}
	s.indexed[table] = true
	return nil
}

// indexStmt returns the CREATE INDEX of CreateTableSQL's one-table index.
func indexStmt(t sqlsink.Target, table string) (string, error) {
	stmts, err := sqlsink.CreateTableSQL(t, schemaOneColumn(table), true)
	if err != nil {
		return "", err
	}
	return stmts[len(stmts)-1], nil
}

// schemaOneColumn is a table of one column, enough for CreateTableSQL's
// index statement.
func schemaOneColumn(table string) schema.Table {
	return schema.Table{Name: table, Columns: []schema.Column{{Name: "c", Type: schema.Text}}}
}

// dropIfUnused drops table, which a failed first load of key created,
// when it holds no row and the ledger names no other key for it.
func (s *Sink) dropIfUnused(ctx context.Context, table, key string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sqlsink.RollbackTimeout)
	defer cancel()
	var rows int64
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+s.t.Table(table)+" WHERE ROWNUM = 1").Scan(&rows)
	if err != nil || rows > 0 {
		return err
	}
	if _, owned, err := sqlsink.OtherKey(ctx, s.t, sqlsink.QueryRow(s.db), table, key); owned || err != nil {
		return err // a key owns the table, or the ledger cannot be read
	}
	// A load that took the table meanwhile holds a lock on it: DROP
	// does not wait for it (ORA-00054) and leaves the table to it.
	return s.ddlWait(ctx, 0, []string{"DROP TABLE " + s.t.Table(table) + " PURGE"}, func(_ int, err error) bool {
		c := oraCode(err)
		return c == errNoTable || c == errResourceBusy
	})
}

// generousWidths returns t with every text column that fits a VARCHAR2
// sized to VARCHAR2's limit, 4000 characters (4000 bytes, whichever comes
// first, with MAX_STRING_SIZE=STANDARD): a later, longer version of the
// file then fits without widening the column, which would be DDL and
// commit the load's transaction. The declared length costs nothing:
// Oracle stores a value's bytes only. A column whose first version has a
// longer value is a CLOB already.
func generousWidths(t schema.Table) schema.Table {
	cols := slices.Clone(t.Columns)
	for i, c := range cols {
		if c.Type == schema.Text && c.MaxLen <= maxVarchar {
			cols[i].MaxLen = maxVarchar
		}
	}
	t.Columns = cols
	return t
}
