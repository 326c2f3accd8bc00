package sqlsink

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// The reads behind sink.Lister, sink.Counter and sink.Digester, once for
// every database/sql sink. noTable reports whether an error means that the
// table does not exist (the database's own code); such a read answers
// "none" instead of failing.

// ListLedger returns every ledger row of t's schema sorted by key; none
// when the ledger does not exist.
func ListLedger(ctx context.Context, db *sql.DB, t Target, noTable func(error) bool) ([]sink.LedgerEntry, error) {
	rows, err := db.QueryContext(ctx, LedgerListSQL(t))
	if err != nil && noTable(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	defer rows.Close()
	es, err := ScanLedgerRows(rows.Next, rows.Scan)
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sink.LedgerTable, err)
	}
	return es, nil
}

// CountKeyRows counts key's rows in table (all of them unless oneTable);
// ok is false when the table does not exist.
func CountKeyRows(ctx context.Context, db *sql.DB, t Target, table, key string, oneTable bool, noTable func(error) bool) (n int64, ok bool, err error) {
	err = db.QueryRowContext(ctx, CountRowsSQL(t, table, oneTable), CountRowsArgs(key, oneTable)...).Scan(&n)
	if err != nil && noTable(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("count rows of %s: %w", table, err)
	}
	return n, true, nil
}

// DigestKeyRows reads key's rows of table back, the data columns of all
// (the table's columns) as the driver returns them, and digests them (see
// DigestScan). ok is false when all is empty: the table does not exist.
func DigestKeyRows(ctx context.Context, db *sql.DB, t Target, table, key string, oneTable bool, all []schema.Column) (n int64, digest string, ok bool, err error) {
	if len(all) == 0 {
		return 0, "", false, nil
	}
	cols := DataColumns(all)
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = t.Quote(c.Name)
	}
	rows, err := db.QueryContext(ctx, DigestSelectSQL(t, table, exprs, oneTable), CountRowsArgs(key, oneTable)...)
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	defer rows.Close()
	n, digest, err = DigestScan(rows.Next, rows.Scan, cols, nil)
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	return n, digest, true, nil
}

// Auditor is what status and verify read of a sink on database/sql
// (sink.Lister, sink.Counter, sink.Digester), with the ledger's migration
// to the digest column, for a sink that embeds it: the sink sets the
// fields once it knows its schema, and its methods are the sink's.
type Auditor struct {
	DB     *sql.DB
	Target Target
	// Columns returns table's columns as the sink maps them back (none
	// when there is no table).
	Columns func(ctx context.Context, table string) ([]schema.Column, error)
	// NoTable reports whether an error says that a table does not exist.
	NoTable func(error) bool
	// AddDigest adds the digest column to a ledger made before it, and
	// HasDigest reports the error it fails with when another session
	// added the column meanwhile.
	AddDigest string
	HasDigest func(error) bool

	migrated LedgerOnce
}

// EnsureMigrated gives the ledger the digest column if it lacks it, once
// per sink; a ledger that does not exist is fine.
func (a *Auditor) EnsureMigrated(ctx context.Context) error {
	return a.migrated.Ensure(ctx, a.Target.Schema, func(ctx context.Context) error {
		cols, err := a.Columns(ctx, sink.LedgerTable)
		if err != nil {
			return err
		}
		return MigrateLedger(ctx, cols, func(ctx context.Context) error {
			_, err := a.DB.ExecContext(ctx, a.AddDigest)
			return err
		}, a.HasDigest)
	})
}

// LedgerEntries returns every ledger row sorted by key (sink.Lister);
// none when no load ever created the ledger.
func (a *Auditor) LedgerEntries(ctx context.Context) ([]sink.LedgerEntry, error) {
	if err := a.EnsureMigrated(ctx); err != nil {
		return nil, err
	}
	return ListLedger(ctx, a.DB, a.Target, a.NoTable)
}

// CountRows counts key's rows in table (sink.Counter).
func (a *Auditor) CountRows(ctx context.Context, table, key string, oneTable bool) (int64, bool, error) {
	return CountKeyRows(ctx, a.DB, a.Target, table, key, oneTable, a.NoTable)
}

// DigestRows reads key's rows in table back and digests them
// (sink.Digester), with the types Columns gives.
func (a *Auditor) DigestRows(ctx context.Context, table, key string, oneTable bool) (int64, string, bool, error) {
	all, err := a.Columns(ctx, table)
	if err != nil {
		return 0, "", false, fmt.Errorf("read rows of %s: %w", table, err)
	}
	return DigestKeyRows(ctx, a.DB, a.Target, table, key, oneTable, all)
}

// LongDecimalsAsText returns cols with every decimal column longer than
// maxLen as text: the column a sink creates for such a decimal (a
// DigestTyper's answer where the database's DECIMAL ends at maxLen).
func LongDecimalsAsText(cols []schema.Column, maxLen int) []schema.Column {
	var out []schema.Column
	for i, c := range cols {
		if c.Type == schema.Decimal && c.MaxLen > maxLen {
			if out == nil {
				out = slices.Clone(cols)
			}
			out[i].Type = schema.Text
		}
	}
	if out == nil {
		return cols
	}
	return out
}
