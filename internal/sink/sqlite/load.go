package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// loadTx is one Load's transaction.
type loadTx struct {
	tx *sql.Tx
}

func (l *loadTx) exec(ctx context.Context, query string, args ...any) error {
	_, err := l.tx.ExecContext(ctx, query, args...)
	return err
}

func (l *loadTx) LockLedger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	// BEGIN IMMEDIATE holds the write lock already; the ledger is created
	// by the first load, inside its transaction.
	if err := l.exec(ctx, sqlsink.LedgerDDL(target, true)); err != nil {
		return sink.LedgerEntry{}, false, err
	}
	return ledger(ctx, l.tx, key)
}

// LockTable has nothing to do: BEGIN IMMEDIATE holds the database's
// write lock, which every other load waits for.
func (l *loadTx) LockTable(context.Context, sink.LoadJob) error { return nil }

func (l *loadTx) OtherKey(ctx context.Context, table, key string) (string, bool, error) {
	return sqlsink.OtherKey(ctx, target, sqlsink.QueryRow(l.tx), table, key)
}

func (l *loadTx) PrepareTable(ctx context.Context, job sink.LoadJob) error {
	cols, exists, err := columns(ctx, l.tx, job.Table.Name)
	if err != nil {
		return fmt.Errorf("columns of %s: %w", job.Table.Name, err)
	}
	if exists {
		return sqlsink.CheckExisting(job, cols)
	}
	return sqlsink.CreateTable(ctx, target, job, l.exec)
}

func (l *loadTx) DeleteRows(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.DeleteRows(ctx, target, job, l.exec)
}

// bind returns the value SQLite stores for v in a column of type typ:
// dates and timestamps as text (see the package comment), everything else
// as it is.
func bind(typ schema.Type, v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	switch typ {
	case schema.Date:
		return formatDate(t)
	case schema.TimestampTZ:
		return formatTimeTZ(t)
	}
	return formatTime(t)
}

// batchRows returns the rows of one INSERT for ncols columns.
func batchRows(ncols int) int {
	return max(1, min(maxBatch, maxVars/max(1, ncols)))
}

func (l *loadTx) Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	cols := sqlsink.InsertColumns(job)
	per := batchRows(len(cols))
	full, err := l.tx.PrepareContext(ctx, sqlsink.InsertSQL(target, job.Table.Name, cols, per))
	if err != nil {
		return 0, fmt.Errorf("prepare insert: %w", err)
	}
	defer full.Close()
	args := make([]any, 0, per*len(cols))
	var inserted, pending int64
	exec := func(stmt *sql.Stmt) error {
		r, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("insert rows %d to %d: %w", inserted+1, inserted+pending, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		inserted += n
		args, pending = args[:0], 0
		return nil
	}
	want := len(job.Table.Columns)
	types := make([]schema.Type, want)
	for i, c := range job.Table.Columns {
		types[i] = c.Type
	}
	for src.Next() {
		vals, err := src.Values()
		if err != nil {
			return inserted, fmt.Errorf("record %d: %w", inserted+pending+1, err)
		}
		if len(vals) != want {
			return inserted, fmt.Errorf("record %d has %d values for %d columns", inserted+pending+1, len(vals), want)
		}
		if job.OneTable {
			args = append(args, job.Key)
		}
		for i, v := range vals {
			args = append(args, bind(types[i], v))
		}
		if pending++; pending == int64(per) {
			if err := exec(full); err != nil {
				return inserted, err
			}
			if err := ctx.Err(); err != nil {
				return inserted, err
			}
		}
	}
	if err := src.Err(); err != nil {
		return inserted, err
	}
	if pending > 0 {
		last, err := l.tx.PrepareContext(ctx, sqlsink.InsertSQL(target, job.Table.Name, cols, int(pending)))
		if err != nil {
			return inserted, fmt.Errorf("prepare insert: %w", err)
		}
		defer last.Close()
		if err := exec(last); err != nil {
			return inserted, err
		}
	}
	return inserted, nil
}

func (l *loadTx) PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error {
	return sqlsink.PutLedger(ctx, target, e, update, func(t time.Time) any { return formatTime(t) }, l.exec)
}
