package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// loadTx is one Load's transaction, on a connection whose schema is t's.
type loadTx struct {
	tx pgx.Tx
	t  sqlsink.Target
	// created: PrepareTable created the table, with the types of
	// Dialect.ColumnType, so Insert knows them without asking.
	created bool
	// tableLocked: the transaction holds the table's advisory lock.
	tableLocked bool
}

func (l *loadTx) exec(ctx context.Context, query string, args ...any) error {
	_, err := l.tx.Exec(ctx, query, args...)
	return err
}

func (l *loadTx) LockLedger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	if _, err := l.tx.Exec(ctx, lockSQL, keyLock+l.t.Table(sink.LedgerTable)+" "+key); err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("lock key: %w", err)
	}
	return ledger(ctx, l.tx, l.t, key)
}

// LockTable takes the advisory lock of job's schema-qualified table name,
// which PrepareTable takes too: a lock a session holds already is taken
// again at once.
func (l *loadTx) LockTable(ctx context.Context, job sink.LoadJob) error {
	if _, err := l.tx.Exec(ctx, lockSQL, tableLock+l.t.Table(job.Table.Name)); err != nil {
		return err
	}
	l.tableLocked = true
	return nil
}

func (l *loadTx) OtherKey(ctx context.Context, table, key string) (string, bool, error) {
	return sqlsink.OtherKey(ctx, l.t, func(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
		return l.tx.QueryRow(ctx, query, args...)
	}, table, key)
}

// PrepareTable creates the table when missing. Two loads of different keys
// may both find it missing (one-table mode): the table lock makes the
// second wait until the first commits or rolls back, then look again. A
// load that holds the lock already (RunLoad takes it but in one-table
// mode) looks once.
func (l *loadTx) PrepareTable(ctx context.Context, job sink.LoadJob) error {
	for locked := l.tableLocked; ; locked = true {
		cols, exists, err := columns(ctx, l.tx, l.t, job.Table.Name)
		if err != nil {
			return fmt.Errorf("columns of %s: %w", job.Table.Name, err)
		}
		if exists {
			return sqlsink.CheckExisting(job, cols)
		}
		if locked {
			break
		}
		if err := l.LockTable(ctx, job); err != nil {
			return fmt.Errorf("lock table: %w", err)
		}
	}
	if err := sqlsink.CreateTable(ctx, l.t, job, l.exec); err != nil {
		return err
	}
	l.created = true
	return nil
}

func (l *loadTx) DeleteRows(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.DeleteRows(ctx, l.t, job, l.exec)
}

// Insert copies src's records into the table: by the binary COPY stream
// of copy.go when it can write every column's type, else by pgx's
// CopyFrom.
func (l *loadTx) Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	table, columns := pgx.Identifier{l.t.Schema, job.Table.Name}, sqlsink.InsertColumns(job)
	kinds, ok := createdKinds(job)
	if !l.created || !ok {
		var err error
		if kinds, ok, err = copyKinds(ctx, l.tx, table, columns, job.OneTable); err != nil {
			return 0, err
		}
	}
	if ok && !pgxCopyOnly {
		return copyStream(ctx, l.tx, job, table, columns, kinds, src)
	}
	cs := newCopySource(job, src)
	n, err := l.tx.CopyFrom(ctx, table, columns, cs)
	if err != nil {
		if cs.err != nil { // the source's own error, not COPY's
			return n, cs.err
		}
		return n, fmt.Errorf("copy into %s: %w", job.Table.Name, err)
	}
	return n, nil
}

func (l *loadTx) PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error {
	return sqlsink.PutLedger(ctx, l.t, e, update, func(t time.Time) any { return t }, l.exec)
}

// copySource adapts a RecordSource to pgx.CopyFromSource: it prepends the
// key in one-table mode and wraps decimal text so that binary COPY can
// encode it. Its row slice is reused.
type copySource struct {
	src     sink.RecordSource
	key     string
	oneTbl  bool
	decimal []bool // per job column
	row     []any
	n       int64 // records read
	err     error // the source's error or a malformed record
}

func newCopySource(job sink.LoadJob, src sink.RecordSource) *copySource {
	cs := &copySource{src: src, key: job.Key, oneTbl: job.OneTable, decimal: make([]bool, len(job.Table.Columns))}
	for i, c := range job.Table.Columns {
		cs.decimal[i] = c.Type == schema.Decimal
	}
	cs.row = make([]any, 0, len(job.Table.Columns)+1)
	return cs
}

func (cs *copySource) Next() bool {
	if !cs.src.Next() {
		cs.err = cs.src.Err()
		return false
	}
	cs.n++
	return true
}

func (cs *copySource) Values() ([]any, error) {
	vals, err := cs.src.Values()
	if err != nil {
		cs.err = fmt.Errorf("record %d: %w", cs.n, err)
		return nil, cs.err
	}
	if len(vals) != len(cs.decimal) {
		cs.err = fmt.Errorf("record %d has %d values for %d columns", cs.n, len(vals), len(cs.decimal))
		return nil, cs.err
	}
	row := cs.row[:0]
	if cs.oneTbl {
		row = append(row, cs.key)
	}
	for i, v := range vals {
		if s, ok := v.(string); ok && cs.decimal[i] {
			v = decimalText(s)
		}
		row = append(row, v)
	}
	cs.row = row
	return row, nil
}

func (cs *copySource) Err() error { return cs.err }
