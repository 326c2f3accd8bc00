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
