package sinktest

import (
	"fmt"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// LedgerForgetSQL returns the DELETE of the ledger rows of the table named
// by the only argument, for an Inspector's DropTable: the import never
// forgets a load.
func LedgerForgetSQL(d sqlsink.Target) string {
	return fmt.Sprintf("DELETE FROM %s WHERE %s = %s", d.Table(sink.LedgerTable), d.Quote("table_name"), d.Placeholder(1))
}
