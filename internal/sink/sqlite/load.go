package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
	lib "modernc.org/sqlite/lib"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// loadTx is one Load's transaction.
type loadTx struct {
	tx   *sql.Tx
	conn *sql.Conn // tx's connection, for the insert's fast path
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
	return max(1, min(maxBatch, batchVars/max(1, ncols), maxVars/max(1, ncols)))
}

// useRaw is false in the tests that load through database/sql.
var useRaw = true

// Insert inserts src's records by the multi-row INSERT of batchRows rows,
// and one INSERT of the rows left at the end. It runs the statements
// through SQLite's C API on the transaction's connection (see raw.go), or
// through database/sql when the driver's connection is out of reach.
func (l *loadTx) Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	if !useRaw || l.conn == nil {
		return l.insertSQL(ctx, job, src)
	}
	var (
		n    int64
		err  error
		fast bool
	)
	rerr := l.conn.Raw(func(dc any) error {
		c, ok := rawOf(dc)
		if !ok {
			return nil
		}
		fast = true
		n, err = insertRaw(ctx, c, job, src)
		return nil
	})
	switch {
	case rerr != nil:
		return 0, rerr
	case !fast:
		return l.insertSQL(ctx, job, src)
	}
	return n, err
}

// insertRaw is Insert on c, the transaction's connection.
func insertRaw(ctx context.Context, c rawConn, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	cols := sqlsink.InsertColumns(job)
	per := batchRows(len(cols))
	text := &arena{tls: c.tls}
	defer text.free()
	// A cancelled load interrupts the statement that runs, as the driver
	// does for its own calls (sqlite3_interrupt may be called from any
	// goroutine). Once the interrupt is done, the next statement that
	// starts with none running (the rollback) clears it: wait for it.
	interrupted := make(chan struct{})
	stopInterrupt := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		lib.Xsqlite3_interrupt(c.tls, c.db)
	})
	defer func() {
		if !stopInterrupt() {
			<-interrupted
		}
	}()
	var full *rawStmt
	defer func() {
		if full != nil {
			full.close()
		}
	}()
	return insertBatches(ctx, job, src, per, func(args []any, rows int) (int64, error) {
		stmt := full
		if rows != per || full == nil {
			s, err := c.prepare(sqlsink.InsertSQL(target, job.Table.Name, cols, rows))
			if err != nil {
				return 0, fmt.Errorf("prepare insert: %w", err)
			}
			if rows == per {
				full = s
			} else {
				defer s.close()
			}
			stmt = s
		}
		if err := stmt.exec(args, text); err != nil {
			return 0, err
		}
		return lib.Xsqlite3_changes64(c.tls, c.db), nil
	})
}

// insertSQL is Insert through database/sql.
func (l *loadTx) insertSQL(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	cols := sqlsink.InsertColumns(job)
	per := batchRows(len(cols))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	return insertBatches(ctx, job, src, per, func(args []any, rows int) (int64, error) {
		stmt := full
		if rows != per || full == nil {
			s, err := l.tx.PrepareContext(ctx, sqlsink.InsertSQL(target, job.Table.Name, cols, rows))
			if err != nil {
				return 0, fmt.Errorf("prepare insert: %w", err)
			}
			if rows == per {
				full = s
			} else {
				defer s.Close()
			}
			stmt = s
		}
		r, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		return r.RowsAffected()
	})
}

// batch is a batch of rows for insertBatches' exec.
type batch struct {
	args []any
	rows int
}

// insertBatches reads src's records into batches of per rows and runs
// each by exec, which returns the rows it inserted; the last batch may
// have fewer rows. It checks ctx between batches.
//
// A goroutine of its own reads src (the digest of every record included)
// and converts the values while exec runs the batch before: SQLite has
// one writer, and the reads took a third of its goroutine's time. The
// reader is done before insertBatches returns, so that the caller may
// use src again (its Err, its digest).
func insertBatches(ctx context.Context, job sink.LoadJob, src sink.RecordSource, per int, exec func(args []any, rows int) (int64, error)) (int64, error) {
	ncols := len(sqlsink.InsertColumns(job))
	// Two batches fill while one runs: three buffers of per rows go round.
	const buffers = 3
	free := make(chan []any, buffers)
	for range buffers {
		free <- make([]any, 0, per*ncols)
	}
	batches := make(chan batch, buffers-1)
	stop := make(chan struct{})
	var readErr error // the reader's, once batches is closed
	go func() {
		defer close(batches)
		readErr = readBatches(job, src, per, free, batches, stop)
	}()
	// finish stops the reader and waits for it.
	finish := func() {
		close(stop)
		for range batches {
		}
	}
	var inserted int64
	for b := range batches {
		n, err := exec(b.args, b.rows)
		if err != nil {
			finish()
			return inserted, fmt.Errorf("insert rows %d to %d: %w", inserted+1, inserted+int64(b.rows), err)
		}
		inserted += n
		if err := ctx.Err(); err != nil {
			finish()
			return inserted, err
		}
		free <- b.args[:0]
	}
	return inserted, readErr
}

// readBatches is insertBatches' reader: it fills the buffers it takes
// from free with per records each and sends them on batches, and the
// records left at the end as a last batch. It returns src's error, or
// when stop is closed, nil.
func readBatches(job sink.LoadJob, src sink.RecordSource, per int, free <-chan []any, batches chan<- batch, stop <-chan struct{}) error {
	want := len(job.Table.Columns)
	types := make([]schema.Type, want)
	for i, c := range job.Table.Columns {
		types[i] = c.Type
	}
	var args []any
	select {
	case args = <-free:
	case <-stop:
		return nil
	}
	var read int64
	pending := 0
	send := func() bool {
		select {
		case <-stop: // first: the selects below may pick another ready case
			return false
		default:
		}
		select {
		case batches <- batch{args: args, rows: pending}:
		case <-stop:
			return false
		}
		pending = 0
		select {
		case args = <-free:
			return true
		case <-stop:
			return false
		}
	}
	for src.Next() {
		vals, err := src.Values()
		if err != nil {
			return fmt.Errorf("record %d: %w", read+1, err)
		}
		if len(vals) != want {
			return fmt.Errorf("record %d has %d values for %d columns", read+1, len(vals), want)
		}
		read++
		if job.OneTable {
			args = append(args, job.Key)
		}
		for i, v := range vals {
			args = append(args, bind(types[i], v))
		}
		if pending++; pending == per && !send() {
			return nil
		}
	}
	if err := src.Err(); err != nil {
		return err
	}
	if pending > 0 {
		select {
		case batches <- batch{args: args, rows: pending}:
		case <-stop:
		}
	}
	return nil
}

func (l *loadTx) PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error {
	return sqlsink.PutLedger(ctx, target, e, update, func(t time.Time) any { return formatTime(t) }, l.exec)
}
