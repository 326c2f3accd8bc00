package sqlsink

import (
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// LedgerListSQL returns the SELECT of every ledger row sorted by key;
// ScanLedger reads each row (sink.Lister).
func LedgerListSQL(d Target) string {
	return fmt.Sprintf("SELECT %s FROM %s ORDER BY %s",
		quoteAll(d, ledgerCols), d.Table(sink.LedgerTable), d.Quote(colKey))
}

// CountRowsSQL returns the SELECT COUNT(*) of a key's rows in table
// (sink.Counter): every row, or in one-table mode the rows whose
// SourceKeyColumn is the first argument.
func CountRowsSQL(d Target, table string, oneTable bool) string {
	q := "SELECT COUNT(*) FROM " + d.Table(table)
	if oneTable {
		q += " WHERE " + d.Quote(sink.SourceKeyColumn) + " = " + d.Placeholder(1)
	}
	return q
}

// CountRowsArgs returns the arguments of CountRowsSQL.
func CountRowsArgs(key string, oneTable bool) []any {
	if oneTable {
		return []any{key}
	}
	return nil
}

// ScanLedgerRows reads the rows of a result of LedgerListSQL with
// ScanLedger, next and scan being the result's Next and Scan (database/sql
// or pgx); the caller checks the result's Err and closes it.
func ScanLedgerRows(next func() bool, scan func(dest ...any) error) ([]sink.LedgerEntry, error) {
	var es []sink.LedgerEntry
	for next() {
		e, err := ScanLedger(scan)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}

// LedgerLacksDigest reports whether a ledger with columns cols was made
// before the digest column (LedgerMigrateSQL adds it).
func LedgerLacksDigest(cols []schema.Column) bool {
	for _, c := range cols {
		if strings.EqualFold(c.Name, ColDigest) {
			return false
		}
	}
	return len(cols) > 0
}

// DigestSelectSQL returns the SELECT of a key's rows in table for
// sink.Digester: exprs are the selected expressions, one per column (a
// column, or a conversion of it to text), and in one-table mode the rows
// are those whose SourceKeyColumn is the first argument (CountRowsArgs).
func DigestSelectSQL(d Target, table string, exprs []string, oneTable bool) string {
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + d.Table(table)
	if oneTable {
		q += " WHERE " + d.Quote(sink.SourceKeyColumn) + " = " + d.Placeholder(1)
	}
	return q
}

// DataColumns returns cols without SourceKeyColumn.
func DataColumns(cols []schema.Column) []schema.Column {
	out := make([]schema.Column, 0, len(cols))
	for _, c := range cols {
		if !strings.EqualFold(c.Name, sink.SourceKeyColumn) {
			out = append(out, c)
		}
	}
	return out
}

// DigestScan reads every row of a result of DigestSelectSQL with next and
// scan (database/sql's or pgx's Next and Scan), n values a row, and adds
// them to a digest as values of cols; conv, when not nil, maps each value
// the driver returned first. The caller checks the result's Err and
// closes it.
func DigestScan(next func() bool, scan func(dest ...any) error, cols []schema.Column, conv func(any) any) (int64, string, error) {
	var (
		d    sink.Digest
		n    int64
		vals = make([]any, len(cols))
		ptrs = make([]any, len(cols))
	)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for next() {
		if err := scan(ptrs...); err != nil {
			return 0, "", err
		}
		if conv != nil {
			for i, v := range vals {
				vals[i] = conv(v)
			}
		}
		if err := d.Add(cols, vals); err != nil {
			return 0, "", err
		}
		n++
	}
	return n, d.String(), nil
}

// DigestTyper is implemented by a LoadTx whose database stores some
// columns as another type than the job's, which its sink.Digester then
// reads back (MariaDB/MySQL keeps a decimal too long for DECIMAL(65,30) as
// text): RunLoad digests the rows as values of the columns DigestColumns
// returns, so that the digest at load time is the one read back. It is
// found by type assertion.
type DigestTyper interface {
	DigestColumns(cols []schema.Column) []schema.Column
}
