package sqlsink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// LoadTx is one load transaction of a sink, as RunLoad drives it. The sink
// begins the transaction, calls RunLoad, and commits only when RunLoad
// returns no error and a status other than StatusSkipped; otherwise it
// rolls back; LoadSQL does all of that for a sink on database/sql.
// Everything a LoadTx writes goes through that transaction
// (Oracle's CREATE TABLE, which commits by itself, is the documented
// exception).
type LoadTx interface {
	// LockLedger makes every other load of key wait until this
	// transaction ends, then returns key's ledger row as committed.
	LockLedger(ctx context.Context, key string) (e sink.LedgerEntry, ok bool, err error)
	// LockTable makes every other load of a key into job's table wait
	// until this transaction ends (the table may not exist yet); RunLoad
	// calls it before OtherKey, so that the ownership check and the write
	// happen under one lock.
	LockTable(ctx context.Context, job sink.LoadJob) error
	// OtherKey returns a key other than key that the ledger holds for
	// table, as committed, or ok=false.
	OtherKey(ctx context.Context, table, key string) (other string, ok bool, err error)
	// PrepareTable creates job's table when it does not exist.
	PrepareTable(ctx context.Context, job sink.LoadJob) error
	// DeleteRows deletes the rows of job's key (see DeleteRowsSQL).
	DeleteRows(ctx context.Context, job sink.LoadJob) error
	// Insert inserts every record of src and returns the number of rows
	// inserted. It checks ctx between batches and returns src.Err().
	Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error)
	// PutLedger writes e, updating the key's row when update, inserting
	// it otherwise.
	PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error
}

// ExecFunc runs query with args in a load's transaction. A sink adapts
// its driver's call to it (database/sql's ExecContext, pgx's Exec), so
// that CreateTable, DeleteRows and PutLedger serve every sink.
type ExecFunc func(ctx context.Context, query string, args ...any) error

// RollbackTimeout bounds the explicit rollback of a load that failed or
// was cancelled. Rolling back a large insert can take as long as the
// insert did, and a rollback cut short may leave the transaction open on a
// connection that database/sql then closes (an Oracle session commits at
// logoff), so the bound is generous; killing the process instead is safe
// (a server rolls back the transaction of a connection that breaks).
const RollbackTimeout = 10 * time.Minute

// TxBeginner is what *sql.DB and *sql.Conn have in common to begin a
// transaction: a sink that needs the driver's connection during a load
// (sql.Conn.Raw) passes the *sql.Conn it holds.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// LoadSQL is Sink.Load for a sink on database/sql: it begins a
// transaction on db, runs RunLoad with the LoadTx newTx makes of it, and
// commits or rolls back as LoadTx says. Its errors are wrapped by
// WrapLoad.
//
// Cancelling ctx cancels the statement that runs, never the transaction:
// the transaction is begun under context.WithoutCancel(ctx), and a failed
// or cancelled load is rolled back explicitly, before its connection can
// be closed, under a context of its own that RollbackTimeout bounds. Under
// a cancelled context database/sql would roll back by a cancelled call and
// discard the connection, and Oracle commits the open transaction of a
// session that logs off: half a file and the ledger's placeholder.
func LoadSQL(ctx context.Context, db TxBeginner, job sink.LoadJob, src sink.RecordSource, newTx func(*sql.Tx) LoadTx) (sink.Result, error) {
	txCtx, cancelTx := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTx()
	tx, err := db.BeginTx(txCtx, nil)
	if err != nil {
		return sink.Result{}, sink.WrapLoad(job, fmt.Errorf("begin: %w", err))
	}
	res, err := RunLoad(ctx, newTx(tx), job, src)
	if err == nil && res.Status != sink.StatusSkipped {
		// A load cancelled after its last statement does not commit
		// either.
		if err = ctx.Err(); err == nil {
			if err := tx.Commit(); err != nil {
				return sink.Result{}, sink.WrapLoad(job, fmt.Errorf("commit: %w", err))
			}
			return res, nil
		}
	}
	// The drivers bound Rollback by the transaction's context: cancel it
	// once RollbackTimeout has passed.
	t := time.AfterFunc(RollbackTimeout, cancelTx)
	rerr := tx.Rollback()
	t.Stop()
	if rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
		err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
	}
	if err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	return res, nil
}

// RunLoad does the part of Sink.Load that is the same for every sink,
// inside tx: lock and read the key's ledger row, decide, lock the table
// and check that no other key owns it (but in one-table mode), create the table,
// delete the key's old rows, insert, check the count and write the ledger
// row. The caller commits (see LoadTx). Errors are not wrapped with the
// key and table; Load does that.
func RunLoad(ctx context.Context, tx LoadTx, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	start := time.Now()
	if err := sink.CheckJob(job); err != nil {
		return sink.Result{}, err
	}
	prev, found, err := tx.LockLedger(ctx, job.Key)
	if err != nil {
		return sink.Result{}, fmt.Errorf("read ledger: %w", err)
	}
	status, err := sink.Decide(job, prev, found)
	if err != nil || status == sink.StatusSkipped {
		return sink.Result{Status: status, Elapsed: time.Since(start)}, err
	}
	if !job.OneTable {
		if err := tx.LockTable(ctx, job); err != nil {
			return sink.Result{}, fmt.Errorf("lock table %s: %w", job.Table.Name, err)
		}
		other, taken, err := tx.OtherKey(ctx, job.Table.Name, job.Key)
		if err != nil {
			return sink.Result{}, fmt.Errorf("read ledger: %w", err)
		}
		if taken {
			return sink.Result{}, fmt.Errorf("%w: the ledger has key %s in table %s (use one-table mode to share a table)", sink.ErrTableTaken, other, job.Table.Name)
		}
	}
	if err := tx.PrepareTable(ctx, job); err != nil {
		return sink.Result{}, err
	}
	if found {
		if err := tx.DeleteRows(ctx, job); err != nil {
			return sink.Result{}, fmt.Errorf("delete rows of the old version: %w", err)
		}
	}
	digestCols := job.Table.Columns
	if dt, ok := tx.(DigestTyper); ok {
		digestCols = dt.DigestColumns(digestCols)
	}
	dsrc := sink.NewDigestSource(src, digestCols)
	n, err := tx.Insert(ctx, job, dsrc.Source())
	if err != nil {
		return sink.Result{}, err
	}
	if err := dsrc.Err(); err != nil {
		return sink.Result{}, err
	}
	rejected := src.Rejected()
	if err := sink.CheckRows(job, n, rejected); err != nil {
		return sink.Result{}, err
	}
	e := sink.LedgerEntry{
		Key:      job.Key,
		Table:    job.Table.Name,
		Source:   job.Source,
		SHA256:   job.SHA256,
		Rows:     n,
		Rejected: rejected,
		LoadedAt: time.Now().UTC().Truncate(time.Microsecond),
		Version:  job.Version,
		Digest:   dsrc.Digest(),
	}
	if err := tx.PutLedger(ctx, e, found); err != nil {
		return sink.Result{}, fmt.Errorf("write ledger: %w", err)
	}
	res := sink.Result{Status: status, Rows: n, Rejected: rejected, Elapsed: time.Since(start)}
	if found {
		res.PrevRows = prev.Rows
	}
	return res, nil
}

// CheckExisting returns an error when an existing table with columns cols
// cannot take job's rows: in one-table mode it must have SourceKeyColumn,
// and it must have every column of the job.
func CheckExisting(job sink.LoadJob, cols []schema.Column) error {
	have := make(map[string]bool, len(cols))
	for _, c := range cols {
		have[c.Name] = true
	}
	if job.OneTable && !have[sink.SourceKeyColumn] {
		return fmt.Errorf("table %s has no column %s, which one-table mode needs", job.Table.Name, sink.SourceKeyColumn)
	}
	for _, c := range job.Table.Columns {
		if !have[c.Name] {
			return fmt.Errorf("table %s has no column %s", job.Table.Name, c.Name)
		}
	}
	return nil
}
