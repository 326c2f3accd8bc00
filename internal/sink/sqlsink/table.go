package sqlsink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// TableTx is what PrepareTable needs of a sink's load transaction.
type TableTx interface {
	// TableColumns returns the columns of job's table as the load's
	// transaction sees them, none when there is no such table, and keeps
	// what the sink's Insert needs of them (their SQL types).
	TableColumns(ctx context.Context, job sink.LoadJob) ([]schema.Column, error)
	// LockTable is LoadTx's: every other load of a key into job's table
	// waits until this transaction ends.
	LockTable(ctx context.Context, job sink.LoadJob) error
	// CreateTable creates job's table with job's columns, and keeps what
	// the sink's Insert needs of them.
	CreateTable(ctx context.Context, job sink.LoadJob) error
}

// LeftoverTx is a TableTx of a sink whose DDL commits by itself and that
// implements sink.ColumnTyper (see its contract): a Load killed after it
// created its table leaves the table behind, marked, empty and named by
// no ledger row, and the next Load replaces it.
type LeftoverTx interface {
	TableTx
	// Leftover reports whether job's existing table is one a Load that
	// never committed left behind: marked by the statement that created
	// it, empty, and named by no ledger row (see Claimed).
	Leftover(ctx context.Context, job sink.LoadJob) (bool, error)
	// DropTable drops job's table.
	DropTable(ctx context.Context, job sink.LoadJob) error
}

// PrepareTable is LoadTx.PrepareTable of a sink on SQL: it checks job's
// table when it exists, and creates it when it does not, under the
// table's lock (which RunLoad holds already outside one-table mode; in
// one-table mode it is taken only when the table is missing, so that two
// loads do not both create it). Outside one-table mode, a left-over table
// of a LeftoverTx is dropped and created again with job's columns.
func PrepareTable(ctx context.Context, tx TableTx, job sink.LoadJob) error {
	for locked := false; ; locked = true {
		cols, err := tx.TableColumns(ctx, job)
		if err != nil {
			return fmt.Errorf("columns of %s: %w", job.Table.Name, err)
		}
		if len(cols) > 0 {
			left, err := leftover(ctx, tx, job)
			if err != nil {
				return err
			}
			if !left {
				return CheckExisting(job, cols)
			}
			if err := tx.(LeftoverTx).DropTable(ctx, job); err != nil {
				return fmt.Errorf("drop %s, which a load that did not commit left empty: %w", job.Table.Name, err)
			}
			break
		}
		if locked {
			break
		}
		if err := tx.LockTable(ctx, job); err != nil {
			return fmt.Errorf("lock table: %w", err)
		}
	}
	return tx.CreateTable(ctx, job)
}

// leftover reports whether job's existing table is a left-over that
// PrepareTable replaces: only outside one-table mode, where RunLoad holds
// the table's lock, so that no other load is under way in it.
func leftover(ctx context.Context, tx TableTx, job sink.LoadJob) (bool, error) {
	lt, ok := tx.(LeftoverTx)
	if !ok || job.OneTable {
		return false, nil
	}
	left, err := lt.Leftover(ctx, job)
	if err != nil {
		return false, fmt.Errorf("table %s: %w", job.Table.Name, err)
	}
	return left, nil
}

// ClaimedSQL returns a SELECT of the keys the ledger holds for the table
// named by the first argument.
func ClaimedSQL(d Target) string {
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", d.Quote(colKey), d.Table(sink.LedgerTable), d.Quote(colTable), d.Placeholder(1))
}

// Claimed reports whether the ledger names any key for table.
func Claimed(ctx context.Context, t Target, query QueryRowFunc, table string) (bool, error) {
	var key string
	err := query(ctx, ClaimedSQL(t), table).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// MigrateLedger adds the digest column to a ledger of columns cols made
// before it, by alter; none (no ledger yet) and a ledger that has it are
// left alone, and so is an error of alter that done says means another
// session added the column meanwhile.
func MigrateLedger(ctx context.Context, cols []schema.Column, alter func(context.Context) error, done func(error) bool) error {
	if !LedgerLacksDigest(cols) {
		return nil
	}
	if err := alter(ctx); err != nil && !done(err) {
		return fmt.Errorf("add column %s to %s: %w", ColDigest, sink.LedgerTable, err)
	}
	return nil
}
