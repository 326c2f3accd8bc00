package sink

import "github.com/siftload/siftload/internal/schema"

// ColumnTyper is a Sink into which an import may create a new table from
// the types of a file's first records while the file streams in, and load
// again with wider types when a later record needs them (see
// internal/load's onepass.go). Its column of type t and longest value
// maxLen is created as ColumnType(t, maxLen): two columns with the same
// Type and ColumnType make the same table, which is how the import tells
// whether the whole file's types make the table its first records did.
// A ColumnType that depends on maxLen (a DECIMAL that becomes text past
// its precision) must say so exactly.
//
// Its contract: a Load that does not commit leaves no table of its own
// for a later Load or Columns to see, so that the import's second load,
// with the wider types, creates the table afresh, and the result is that
// of an import that inferred the types over every value first. It holds
// in one of two ways:
//
//   - Transactional DDL (SQLite, PostgreSQL, SQL Server): the CREATE
//     TABLE is part of the load's transaction; a load that rolls back, or
//     is killed, leaves no table behind.
//   - DDL that commits by itself (MariaDB/MySQL): the table is created
//     before the rows, by the Load and outside one-table mode only under
//     the table's lock. A Load that fails drops, once its transaction has
//     rolled back, the table it created. A table that a killed Load left
//     behind is marked, in the same statement that created it, as a
//     table siftload created; as long as it is empty and no ledger row
//     names it, Columns reports no table, and the next Load drops it
//     under the table's lock and creates it with its own types. The
//     ledger is written in the load's transaction, so it never names a
//     table whose load did not commit, and a table it names (even an
//     empty one: a header-only file) is never dropped.
//
// A sink whose DDL commits by itself and that cannot mark a table in the
// statement that creates it (Oracle: a table comment is a second
// statement, and a crash between the two would leave an unmarked table of
// guessed types, which the next import could not tell from a table a user
// made) must not implement it: its import infers the types from every
// value before it loads.
type ColumnTyper interface {
	Sink
	ColumnType(t schema.Type, maxLen int) string
}
