package sqlsink

import (
	"context"
	"database/sql"
	"fmt"

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
