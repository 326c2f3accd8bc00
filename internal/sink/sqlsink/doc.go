// Package sqlsink is the toolkit of the sinks that load over SQL, as
// database/sql/driver is for drivers: package sink holds the contract
// every caller sees, this package what implementing it on a SQL database
// takes, so that each sink writes only what its database does differently.
//
//   - A Dialect says how the database quotes, binds and types; a Target
//     binds it to the schema a connection resolved once, and every
//     statement built here names its tables with that schema.
//   - DDL: CreateTableSQL (checked by CheckTableName and CheckIdent),
//     DeleteRowsSQL, InsertSQL and InsertColumns.
//   - The ledger: LedgerDDL and the statements that read, lock, insert
//     and update its rows (LedgerRow reads one), OtherKey for the
//     one-key-per-table check, and LedgerOnce for creating it once per
//     schema.
//   - The load: RunLoad is the part of Sink.Load that is the same for
//     every sink (lock, decide, check the table's owner, create, delete,
//     insert, count, write the ledger) over a LoadTx the sink implements;
//     LoadSQL runs it in a database/sql transaction with the commit and
//     rollback rules every sink needs. PrepareTable is LoadTx.PrepareTable
//     over a sink's TableTx (check, lock, create; a LeftoverTx also
//     replaces the table a killed load left, see sink.ColumnTyper), and
//     MigrateLedger adds the digest column to an old ledger.
//
// Its errors are those of package sink (sink.ErrReservedName,
// sink.ErrTableTaken, sink.ErrRowCount, sink.ErrDowngrade). It reads no
// environment and prints nothing.
package sqlsink
