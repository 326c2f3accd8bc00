package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: the load transaction (sqlsink.LoadTx) and the ledger's
// creation.

// createTable runs DDL on a connection of its own (it commits by itself)
// and says whether it created the table: a table created meanwhile by
// another load is no error. See ddl.go.
// The statements after the first (the index, comments) run only when it
// created the table; created is true once it did, even when they fail.
func (s *Sink) createTable(ctx context.Context, stmts []string) (created bool, err error) {
	taken := false
	err = s.ddl(ctx, stmts[:1], func(_ int, err error) bool {
		taken = oraCode(err) == errNameUsed
		return taken
	})
	if err != nil || taken {
		return false, err
	}
	return true, s.ddl(ctx, stmts[1:], nil)
}

func (s *Sink) ensureLedger(ctx context.Context) error {
	return s.ledger.Ensure(ctx, s.t.Schema, func(ctx context.Context) error {
		_, exists, err := columns(ctx, s.db, s.t, sink.LedgerTable)
		if err != nil || exists {
			if err == nil {
				err = s.migrateLedger(ctx)
			}
			return err
		}
		_, err = s.createTable(ctx, []string{sqlsink.LedgerDDL(s.t, false)})
		return err
	})
}

// migrateLedger adds the digest column to a ledger made before it; a
// ledger that does not exist, or that another session migrated meanwhile
// (ORA-01430), is fine.
func (s *Sink) migrateLedger(ctx context.Context) error {
	cols, _, err := columns(ctx, s.db, s.t, sink.LedgerTable)
	if err != nil {
		return err
	}
	plain := make([]schema.Column, len(cols))
	for i, c := range cols {
		plain[i] = c.Column
	}
	return sqlsink.MigrateLedger(ctx, plain, func(ctx context.Context) error {
		_, err := s.db.ExecContext(ctx, sqlsink.LedgerMigrateSQL(s.t, false))
		return err
	}, func(err error) bool { return oraCode(err) == errColumnExists })
}

// placeholderSHA256 marks the ledger row a load inserts for a new key
// before it loads; it never commits.
const placeholderSHA256 = "loading"

// loadTx is one Load's transaction.
type loadTx struct {
	s           *Sink
	tx          *sql.Tx
	placeholder bool // the key's ledger row is this load's placeholder
	prepared    bool // PrepareTable has run
	created     bool // PrepareTable created the table
	scales      []sql.NullInt64
	lob         []bool // per job column: the table's column is a LOB
}

func (l *loadTx) exec(ctx context.Context, query string, args ...any) error {
	_, err := l.tx.ExecContext(ctx, query, args...)
	return err
}

// lockLedgerSQL returns the ledger SELECT that locks the key's row.
func lockLedgerSQL(t sqlsink.Target) string { return sqlsink.LedgerSelectSQL(t) + " FOR UPDATE" }

func (l *loadTx) LockLedger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	for range 3 {
		e, ok, err := ledger(ctx, l.tx, lockLedgerSQL(l.s.t)+waitClause(l.s.lockTimeout), key)
		if err != nil || ok {
			return e, ok, l.s.lockTimeoutErr("the ledger row of "+key, err)
		}
		// No row to lock: insert one. A concurrent load of the key
		// waits here on the primary key and gets ORA-00001 once this
		// one commits; it then finds the committed row above.
		wctx, cancel := context.WithTimeout(ctx, l.s.lockWait())
		err = sqlsink.PutLedger(wctx, l.s.t, sink.LedgerEntry{
			Key: key, Table: "-", SHA256: placeholderSHA256, LoadedAt: time.Now().UTC(),
		}, false, bindTime, l.exec)
		cancel()
		if err != nil && wctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return sink.LedgerEntry{}, false, fmt.Errorf("%w: another load of %s: waited %s: %w", ErrLockTimeout, key, l.s.lockWait(), err)
		}
		if err == nil {
			l.placeholder = true
			return sink.LedgerEntry{}, false, nil
		}
		if oraCode(err) != errUniqueViolation {
			return sink.LedgerEntry{}, false, err
		}
	}
	return sink.LedgerEntry{}, false, errors.New("the ledger row of the key keeps changing")
}

func bindTime(t time.Time) any { return go_ora.TimeStamp(t) }

// lockTableSQL locks a table against every other writer until the
// transaction ends.
func lockTableSQL(t sqlsink.Target, table string) string {
	return "LOCK TABLE " + t.Table(table) + " IN EXCLUSIVE MODE"
}

// LockTable creates job's table when it does not exist (DDL commits by
// itself, see the package comment), then locks it until the load ends.
func (l *loadTx) LockTable(ctx context.Context, job sink.LoadJob) error {
	if err := l.PrepareTable(ctx, job); err != nil {
		return err
	}
	err := l.exec(ctx, lockTableSQL(l.s.t, job.Table.Name)+waitClause(l.s.lockTimeout))
	return l.s.lockTimeoutErr("table "+job.Table.Name, err)
}

func (l *loadTx) OtherKey(ctx context.Context, table, key string) (string, bool, error) {
	return sqlsink.OtherKey(ctx, l.s.t, sqlsink.QueryRow(l.tx), table, key)
}

func (l *loadTx) PrepareTable(ctx context.Context, job sink.LoadJob) error {
	if l.prepared {
		return nil
	}
	// One load of this Sink at a time creates tables and indexes.
	l.s.ddlMu.Lock()
	defer l.s.ddlMu.Unlock()
	cols, exists, err := columns(ctx, l.tx, l.s.t, job.Table.Name)
	if err != nil {
		return fmt.Errorf("columns of %s: %w", job.Table.Name, err)
	}
	if !exists {
		stmts, err := sqlsink.CreateTableSQL(l.s.t, generousWidths(job.Table), job.OneTable)
		if err != nil {
			return err
		}
		stmts = append(stmts, commentSQL(l.s.t, job.Table.Name, schema.ColumnNamesOf(job.Table.Columns))...)
		if l.created, err = l.s.createTable(ctx, stmts); err != nil {
			return fmt.Errorf("create table %s: %w", job.Table.Name, err)
		}
		if cols, _, err = columns(ctx, l.tx, l.s.t, job.Table.Name); err != nil {
			return fmt.Errorf("columns of %s: %w", job.Table.Name, err)
		}
	}
	if err := sqlsink.CheckExisting(job, plain(cols)); err != nil {
		return err
	}
	if job.OneTable {
		if err := l.s.ensureIndex(ctx, job.Table.Name); err != nil {
			return err
		}
	}
	l.lob = lobColumns(job, cols)
	l.scales = scaleLimits(job, cols)
	l.prepared = true
	return nil
}

// lobColumns says which of job's columns are LOBs in the table.
func lobColumns(job sink.LoadJob, cols []column) []bool {
	isLob := make(map[string]bool, len(cols))
	for _, c := range cols {
		isLob[c.Name] = c.lob
	}
	lob := make([]bool, len(job.Table.Columns))
	for i, jc := range job.Table.Columns {
		lob[i] = isLob[jc.Name]
	}
	return lob
}

func (l *loadTx) DeleteRows(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.DeleteRows(ctx, l.s.t, job, l.exec)
}

func (l *loadTx) Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	q := sqlsink.InsertSQL(l.s.t, job.Table.Name, sqlsink.InsertColumns(job), 1)
	// Parsed once per load (go-ora re-executes a prepared cursor).
	stmt, err := l.tx.PrepareContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("prepare insert: %w", err)
	}
	defer stmt.Close()
	exec := func(ctx context.Context, args []any) (int64, error) {
		r, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		return r.RowsAffected()
	}
	w := &writer{insert: exec, sql: l.exec, scales: l.scales}
	return insertBatches(ctx, job, src, l.lob, l.s.batch, w)
}

// PutLedger updates the key's row when update or when LockLedger inserted
// a placeholder for it.
func (l *loadTx) PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error {
	return sqlsink.PutLedger(ctx, l.s.t, e, update || l.placeholder, bindTime, l.exec)
}
