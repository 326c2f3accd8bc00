package sink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/siftload/siftload/internal/schema"
)

// ErrTableTaken is returned when a load that is not in one-table mode
// targets a table the ledger records for another key: replacing one key
// would delete the other's rows.
var ErrTableTaken = errors.New("sink: table holds another key")

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
	LockLedger(ctx context.Context, key string) (e LedgerEntry, ok bool, err error)
	// LockTable makes every other load of a key into job's table wait
	// until this transaction ends (the table may not exist yet); RunLoad
	// calls it before OtherKey, so that the ownership check and the write
	// happen under one lock.
	LockTable(ctx context.Context, job LoadJob) error
	// OtherKey returns a key other than key that the ledger holds for
	// table, as committed, or ok=false.
	OtherKey(ctx context.Context, table, key string) (other string, ok bool, err error)
	// PrepareTable creates job's table when it does not exist.
	PrepareTable(ctx context.Context, job LoadJob) error
	// DeleteRows deletes the rows of job's key (see DeleteRowsSQL).
	DeleteRows(ctx context.Context, job LoadJob) error
	// Insert inserts every record of src and returns the number of rows
	// inserted. It checks ctx between batches and returns src.Err().
	Insert(ctx context.Context, job LoadJob, src RecordSource) (int64, error)
	// PutLedger writes e, updating the key's row when update, inserting
	// it otherwise.
	PutLedger(ctx context.Context, e LedgerEntry, update bool) error
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
func LoadSQL(ctx context.Context, db *sql.DB, job LoadJob, src RecordSource, newTx func(*sql.Tx) LoadTx) (Result, error) {
	txCtx, cancelTx := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTx()
	tx, err := db.BeginTx(txCtx, nil)
	if err != nil {
		return Result{}, WrapLoad(job, fmt.Errorf("begin: %w", err))
	}
	res, err := RunLoad(ctx, newTx(tx), job, src)
	if err == nil && res.Status != StatusSkipped {
		// A load cancelled after its last statement does not commit
		// either.
		if err = ctx.Err(); err == nil {
			if err := tx.Commit(); err != nil {
				return Result{}, WrapLoad(job, fmt.Errorf("commit: %w", err))
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
		return Result{}, WrapLoad(job, err)
	}
	return res, nil
}

// CheckJob returns an error when job lacks what every load needs.
func CheckJob(job LoadJob) error {
	switch {
	case job.Key == "":
		return errors.New("job has no key")
	case job.SHA256 == "":
		return errors.New("job has no sha256")
	case job.Table.Name == "":
		return errors.New("job has no table")
	case len(job.Table.Columns) == 0:
		return errors.New("job has no columns")
	}
	return nil
}

// Decide says what a load of job does given the key's ledger row prev
// (found=false when the key is new): StatusSkipped when the ledger holds
// the job's SHA256, a *DowngradeError when it holds a version with more
// rows than the job has records and the job does not allow a downgrade,
// StatusReplaced for another version, StatusLoaded for a new key.
//
// It is the one place that decides: a sink's Load (through RunLoad), the
// import's check before it reads a file and its lookahead all call it, so
// they agree and word a refusal alike.
func Decide(job LoadJob, prev LedgerEntry, found bool) (Status, error) {
	switch {
	case !found:
		return StatusLoaded, nil
	case prev.SHA256 == job.SHA256:
		return StatusSkipped, nil
	case prev.Rows > job.Rows && !job.AllowDowngrade:
		return 0, &DowngradeError{Ledger: prev, Rows: job.Rows}
	default:
		return StatusReplaced, nil
	}
}

// DowngradeError is Decide's refusal to replace the ledger's fuller
// version of a key with one of fewer rows. It matches ErrDowngrade.
type DowngradeError struct {
	Ledger LedgerEntry // the version the ledger holds
	Rows   int64       // the job's records (the plan's count)
}

func (e *DowngradeError) Error() string {
	return fmt.Sprintf("%v: the ledger has %d rows from %s, the plan %d (a stale plan?); --allow-downgrade replaces it",
		ErrDowngrade, e.Ledger.Rows, e.Ledger.Source, e.Rows)
}

// Unwrap returns ErrDowngrade.
func (e *DowngradeError) Unwrap() error { return ErrDowngrade }

// CheckRows returns ErrRowCount unless inserted equals the job's records
// less the rejected ones.
func CheckRows(job LoadJob, inserted, rejected int64) error {
	if want := job.Rows - rejected; inserted != want {
		return fmt.Errorf("%w: inserted %d rows, want %d (%d records, %d rejected)", ErrRowCount, inserted, want, job.Rows, rejected)
	}
	return nil
}

// RunLoad does the part of Sink.Load that is the same for every sink,
// inside tx: lock and read the key's ledger row, decide, lock the table
// and check that no other key owns it (but in one-table mode), create the table,
// delete the key's old rows, insert, check the count and write the ledger
// row. The caller commits (see LoadTx). Errors are not wrapped with the
// key and table; Load does that.
func RunLoad(ctx context.Context, tx LoadTx, job LoadJob, src RecordSource) (Result, error) {
	start := time.Now()
	if err := CheckJob(job); err != nil {
		return Result{}, err
	}
	prev, found, err := tx.LockLedger(ctx, job.Key)
	if err != nil {
		return Result{}, fmt.Errorf("read ledger: %w", err)
	}
	status, err := Decide(job, prev, found)
	if err != nil || status == StatusSkipped {
		return Result{Status: status, Elapsed: time.Since(start)}, err
	}
	if !job.OneTable {
		if err := tx.LockTable(ctx, job); err != nil {
			return Result{}, fmt.Errorf("lock table %s: %w", job.Table.Name, err)
		}
		other, taken, err := tx.OtherKey(ctx, job.Table.Name, job.Key)
		if err != nil {
			return Result{}, fmt.Errorf("read ledger: %w", err)
		}
		if taken {
			return Result{}, fmt.Errorf("%w: the ledger has key %s in table %s (use one-table mode to share a table)", ErrTableTaken, other, job.Table.Name)
		}
	}
	if err := tx.PrepareTable(ctx, job); err != nil {
		return Result{}, err
	}
	if found {
		if err := tx.DeleteRows(ctx, job); err != nil {
			return Result{}, fmt.Errorf("delete rows of the old version: %w", err)
		}
	}
	n, err := tx.Insert(ctx, job, src)
	if err != nil {
		return Result{}, err
	}
	if err := src.Err(); err != nil {
		return Result{}, err
	}
	rejected := src.Rejected()
	if err := CheckRows(job, n, rejected); err != nil {
		return Result{}, err
	}
	e := LedgerEntry{
		Key:      job.Key,
		Table:    job.Table.Name,
		Source:   job.Source,
		SHA256:   job.SHA256,
		Rows:     n,
		Rejected: rejected,
		LoadedAt: time.Now().UTC().Truncate(time.Microsecond),
		Version:  job.Version,
	}
	if err := tx.PutLedger(ctx, e, found); err != nil {
		return Result{}, fmt.Errorf("write ledger: %w", err)
	}
	res := Result{Status: status, Rows: n, Rejected: rejected, Elapsed: time.Since(start)}
	if found {
		res.PrevRows = prev.Rows
	}
	return res, nil
}

// CheckExisting returns an error when an existing table with columns cols
// cannot take job's rows: in one-table mode it must have SourceKeyColumn,
// and it must have every column of the job.
func CheckExisting(job LoadJob, cols []schema.Column) error {
	have := make(map[string]bool, len(cols))
	for _, c := range cols {
		have[c.Name] = true
	}
	if job.OneTable && !have[SourceKeyColumn] {
		return fmt.Errorf("table %s has no column %s, which one-table mode needs", job.Table.Name, SourceKeyColumn)
	}
	for _, c := range job.Table.Columns {
		if !have[c.Name] {
			return fmt.Errorf("table %s has no column %s", job.Table.Name, c.Name)
		}
	}
	return nil
}

// LoadError is an error of Sink.Load with the job's key and table.
type LoadError struct {
	Key, Table string
	Err        error
}

func (e *LoadError) Error() string { return fmt.Sprintf("load %s into %s: %v", e.Key, e.Table, e.Err) }

// Unwrap returns the reason.
func (e *LoadError) Unwrap() error { return e.Err }

// WrapLoad wraps a load error with the job's key and table.
func WrapLoad(job LoadJob, err error) error {
	return &LoadError{Key: job.Key, Table: job.Table.Name, Err: err}
}
