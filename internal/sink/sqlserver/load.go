package sqlserver

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: the Sink, its sessions, and the load transaction.

// Server error numbers this sink acts on.
const errInvalidObject = 208 // Invalid object name

// Open connects to the database named by dsn and resolves the user's
// default schema.
func (f Factory) Open(ctx context.Context, dsn string, opts sink.Options) (sink.Sink, error) {
	cfg, err := Config(dsn, opts)
	if err != nil {
		return nil, err
	}
	name := f.Redact(dsn)
	c := mssql.NewConnectorConfig(cfg)
	// SessionInitSQL runs when a pooled connection is reused (after its
	// reset); sessionConnector runs the same on a new one.
	c.SessionInitSQL = sessionSQL(lockTimeout(opts))
	db := sql.OpenDB(sessionConnector{Connector: c, init: c.SessionInitSQL})
	db.SetMaxIdleConns(16)
	s := &Sink{db: db, name: name, lockTimeout: lockTimeout(opts)}
	if err := db.QueryRowContext(ctx, "SELECT SCHEMA_NAME()").Scan(&s.schema); err != nil || s.schema == "" {
		db.Close()
		if err == nil {
			err = errors.New("the user has no default schema")
		} else if opts.Password == "" && loginFailed(err) {
			err = fmt.Errorf("%w: %w", sink.ErrPasswordRequired, err)
		}
		return nil, fmt.Errorf("connect to %s (%s): %w", name, addr(cfg), err)
	}
	s.target = sqlsink.Target{Dialect: Dialect, Schema: s.schema}
	s.Auditor = s.auditor()
	return s, nil
}

// loginFailed reports whether err is the server's refusal of a login
// (error 18456), which a login without a password gets when the server
// wants one.
func loginFailed(err error) bool {
	var me mssql.Error
	return errors.As(err, &me) && me.Number == 18456
}

// lockTimeout returns opts.LockTimeout or sink.DefaultLockTimeout.
func lockTimeout(opts sink.Options) time.Duration {
	if opts.LockTimeout > 0 {
		return opts.LockTimeout
	}
	return sink.DefaultLockTimeout
}

// sessionSQL sets what every load's session needs: identifiers in double
// quotes (the shared SQL's "schema"), a doomed transaction on any error,
// ANSI warnings (a value cut is an error) and the lock timeout.
func sessionSQL(lock time.Duration) string {
	return "SET QUOTED_IDENTIFIER ON; SET XACT_ABORT ON; SET ANSI_WARNINGS ON; SET ARITHABORT ON; SET LOCK_TIMEOUT " +
		strconv.FormatInt(lock.Milliseconds(), 10)
}

// sessionConnector runs init on every new connection of Connector.
type sessionConnector struct {
	driver.Connector
	init string
}

func (c sessionConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := execOn(ctx, conn, c.init); err != nil {
		conn.Close()
		return nil, fmt.Errorf("set up the session: %w", err)
	}
	return conn, nil
}

// execOn runs query, which takes no argument, on conn.
func execOn(ctx context.Context, conn driver.Conn, query string) error {
	if e, ok := conn.(driver.ExecerContext); ok {
		_, err := e.ExecContext(ctx, query, nil)
		if !errors.Is(err, driver.ErrSkip) {
			return err
		}
	}
	var st driver.Stmt
	var err error
	if p, ok := conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = conn.Prepare(query)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if e, ok := st.(driver.StmtExecContext); ok {
		_, err = e.ExecContext(ctx, nil)
		return err
	}
	//lint:ignore SA1019 the fallback of a driver without StmtExecContext
	_, err = st.Exec(nil)
	return err
}

// Sink loads into one SQL Server database. It is safe for concurrent use:
// each Load takes a connection of its own.
type Sink struct {
	db              *sql.DB
	name            string // redacted DSN
	schema          string
	target          sqlsink.Target
	lockTimeout     time.Duration
	ledger          sqlsink.LedgerOnce
	sqlsink.Auditor // status and verify's reads, the ledger's migration (audit.go)
}

// Close closes the connections.
func (s *Sink) Close() error { return s.db.Close() }

// Limits returns what SQL Server can store (see sink.Limiter).
func (s *Sink) Limits() schema.Limits { return Dialect.Limits() }

// CheckTable refuses names SQL Server cannot take; see
// sqlsink.CheckTableName.
func (s *Sink) CheckTable(table string) error { return sqlsink.CheckTableName(Dialect, table) }

func isError(err error, number int32) bool {
	var me mssql.Error
	return errors.As(err, &me) && me.Number == number
}

// ledgerDDL creates the ledger unless it exists: sqlsink's columns, the
// key NVARCHAR(850) in a binary collation (exact, and within the 1,700
// bytes of a nonclustered index key).
func ledgerDDL(t sqlsink.Target) string {
	return "IF OBJECT_ID(@p1, 'U') IS NULL CREATE TABLE " + t.Table(sink.LedgerTable) + " (" +
		"[file_key] " + keyType + " NOT NULL PRIMARY KEY NONCLUSTERED, " +
		"[table_name] NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL, " +
		"[source] NVARCHAR(4000), " +
		"[sha256] NVARCHAR(64) NOT NULL, " +
		"[row_count] BIGINT NOT NULL, " +
		"[rejected] BIGINT NOT NULL, " +
		"[loaded_at] DATETIME2(7) NOT NULL, " +
		"[version] NVARCHAR(100), " +
		"[digest] NVARCHAR(64))"
}

// ensureLedger creates the ledger once, in a transaction of its own under
// an application lock, so that concurrent first loads do not race.
func (s *Sink) ensureLedger(ctx context.Context) error {
	return s.ledger.Ensure(ctx, s.schema, func(ctx context.Context) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // after Commit, ErrTxDone
		if err := appLock(ctx, tx, "siftload ledger "+s.schema, s.lockTimeout); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ledgerDDL(s.target), s.target.Table(sink.LedgerTable)); err != nil {
			return err
		}
		return tx.Commit()
	})
}

// appLockSQL takes a transaction-owned exclusive application lock on the
// resource @p1, waiting at most @p2 milliseconds; its result is
// sp_getapplock's (0 or 1: granted).
const appLockSQL = "DECLARE @r int; EXEC @r = sp_getapplock @Resource = @p1, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = @p2; SELECT @r"

// appLock takes the application lock of resource (at most 255
// characters: longer names are hashed by the caller) in tx.
func appLock(ctx context.Context, tx *sql.Tx, resource string, timeout time.Duration) error {
	var r int
	if err := tx.QueryRowContext(ctx, appLockSQL, resource, timeout.Milliseconds()).Scan(&r); err != nil {
		return err
	}
	if r < 0 {
		return fmt.Errorf("another load held the lock for %s (the lock timeout; sp_getapplock returned %d)", timeout, r)
	}
	return nil
}

const columnsSQL = `SELECT c.COLUMN_NAME, LOWER(c.DATA_TYPE), COALESCE(c.NUMERIC_PRECISION, 0), COALESCE(c.NUMERIC_SCALE, 0)
FROM INFORMATION_SCHEMA.COLUMNS c
WHERE c.TABLE_SCHEMA = @p1 AND c.TABLE_NAME = @p2
ORDER BY c.ORDINAL_POSITION`

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// column is what the load needs of a table's column.
type column struct {
	name        string
	typ         schema.Type
	decimal     bool // DECIMAL(prec, scale): values must fit
	prec, scale int
}

// typeOf maps INFORMATION_SCHEMA's DATA_TYPE to a schema type.
func typeOf(dataType string) schema.Type {
	switch dataType {
	case "bigint", "int", "smallint", "tinyint":
		return schema.Integer
	case "decimal", "numeric":
		return schema.Decimal
	case "date":
		return schema.Date
	case "datetime2", "datetime", "smalldatetime":
		return schema.Timestamp
	case "datetimeoffset":
		return schema.TimestampTZ
	}
	return schema.Text
}

// columns returns the columns of table in schemaName.
func columns(ctx context.Context, q queryer, schemaName, table string) ([]column, error) {
	rows, err := q.QueryContext(ctx, columnsSQL, schemaName, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		var dataType string
		if err := rows.Scan(&c.name, &dataType, &c.prec, &c.scale); err != nil {
			return nil, err
		}
		c.typ = typeOf(dataType)
		c.decimal = c.typ == schema.Decimal
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

func schemaColumns(cols []column) []schema.Column {
	out := make([]schema.Column, len(cols))
	for i, c := range cols {
		out[i] = schema.Column{Name: c.name, Type: c.typ}
	}
	return out
}

// ColumnType is Dialect's (sink.ColumnTyper: SQL Server's DDL is
// transactional).
func (s *Sink) ColumnType(t schema.Type, maxLen int) string { return Dialect.ColumnType(t, maxLen) }

// Columns returns the columns of table, SourceKeyColumn included.
func (s *Sink) Columns(ctx context.Context, table string) ([]schema.Column, bool, error) {
	cols, err := columns(ctx, s.db, s.schema, table)
	if err != nil {
		return nil, false, fmt.Errorf("columns of %s: %w", table, err)
	}
	return schemaColumns(cols), len(cols) > 0, nil
}

// Ledger returns the ledger row of key; ok=false also when no load ever
// created the ledger.
func (s *Sink) Ledger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	if err := s.EnsureMigrated(ctx); err != nil {
		return sink.LedgerEntry{}, false, err
	}
	e, ok, err := sqlsink.LedgerRow(s.db.QueryRowContext(ctx, sqlsink.LedgerSelectSQL(s.target), key).Scan)
	if isError(err, errInvalidObject) {
		return sink.LedgerEntry{}, false, nil
	}
	if err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("ledger of %s: %w", key, err)
	}
	return e, ok, nil
}

// Load writes one file; see package sink and the package comment.
func (s *Sink) Load(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	if err := s.ensureLedger(ctx); err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	if err := s.EnsureMigrated(ctx); err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	return sqlsink.LoadSQL(ctx, s.db, job, src, func(tx *sql.Tx) sqlsink.LoadTx { return &loadTx{s: s, tx: tx} })
}

// loadTx is one Load's transaction (sqlsink.LoadTx).
type loadTx struct {
	s    *Sink
	tx   *sql.Tx
	cols []column // of job's columns, in job's order
}

func (l *loadTx) exec(ctx context.Context, query string, args ...any) error {
	_, err := l.tx.ExecContext(ctx, query, args...)
	return err
}

// lockResource returns the application lock resource of what: at most
// 255 characters, so a long name is cut and a hash of it appended.
func lockResource(kind, schemaName, what string) string {
	r := "siftload " + kind + " " + schemaName + "." + what
	if len(r) <= 255 {
		return r
	}
	sum := sha256.Sum256([]byte(r))
	return r[:200] + " " + hex.EncodeToString(sum[:16])
}

func (l *loadTx) LockLedger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	if err := appLock(ctx, l.tx, lockResource("key", l.s.schema, key), l.s.lockTimeout); err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("lock key: %w", err)
	}
	return sqlsink.LedgerRow(l.tx.QueryRowContext(ctx, sqlsink.LedgerSelectSQL(l.s.target), key).Scan)
}

func (l *loadTx) LockTable(ctx context.Context, job sink.LoadJob) error {
	return appLock(ctx, l.tx, lockResource("table", l.s.schema, job.Table.Name), l.s.lockTimeout)
}

func (l *loadTx) OtherKey(ctx context.Context, table, key string) (string, bool, error) {
	return sqlsink.OtherKey(ctx, l.s.target, sqlsink.QueryRow(l.tx), table, key)
}

// PrepareTable checks an existing table and creates a missing one (see
// sqlsink.PrepareTable); the DDL is part of the load's transaction.
func (l *loadTx) PrepareTable(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.PrepareTable(ctx, l, job)
}

// TableColumns returns the columns of job's table and keeps their SQL
// types for Insert.
func (l *loadTx) TableColumns(ctx context.Context, job sink.LoadJob) ([]schema.Column, error) {
	cols, err := columns(ctx, l.tx, l.s.schema, job.Table.Name)
	if err != nil {
		return nil, err
	}
	l.cols = jobColumns(job, cols)
	return schemaColumns(cols), nil
}

// CreateTable creates job's table in the load's transaction.
func (l *loadTx) CreateTable(ctx context.Context, job sink.LoadJob) error {
	stmts, err := createTableSQL(l.s.target, job.Table, job.OneTable)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := l.exec(ctx, st); err != nil {
			return fmt.Errorf("create table %s: %w", job.Table.Name, err)
		}
	}
	l.cols = createdColumns(job)
	return nil
}

// jobColumns returns the table's columns cols in the order of job's.
func jobColumns(job sink.LoadJob, cols []column) []column {
	byName := make(map[string]column, len(cols))
	for _, c := range cols {
		byName[c.name] = c
	}
	out := make([]column, len(job.Table.Columns))
	for i, c := range job.Table.Columns {
		out[i] = byName[c.Name]
		out[i].name = c.Name
	}
	return out
}

// createdColumns returns the columns of the table this sink creates for
// job.
func createdColumns(job sink.LoadJob) []column {
	out := make([]column, len(job.Table.Columns))
	for i, c := range job.Table.Columns {
		out[i] = column{name: c.Name, typ: c.Type}
		if Dialect.ColumnType(c.Type, c.MaxLen) == typeDecimal {
			out[i].decimal, out[i].prec, out[i].scale = true, decimalPrecision, decimalScale
		}
	}
	return out
}

func (l *loadTx) DeleteRows(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.DeleteRows(ctx, l.s.target, job, l.exec)
}

// bulkOptions are the bulk copy's: constraints checked, NULLs kept (no
// column defaults), the rows sent as they come.
var bulkOptions = mssql.BulkOptions{CheckConstraints: true, KeepNulls: true}

// checkEvery is how many rows the bulk copy sends between checks of ctx.
const checkEvery = 1024

// copyInSQL returns the bulk copy statement of job into t's table.
func copyInSQL(t sqlsink.Target, job sink.LoadJob) string {
	return mssql.CopyIn(t.Table(job.Table.Name), bulkOptions, sqlsink.InsertColumns(job)...)
}

func (l *loadTx) Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	stmt, err := l.tx.PrepareContext(ctx, copyInSQL(l.s.target, job))
	if err != nil {
		return 0, fmt.Errorf("bulk copy into %s: %w", job.Table.Name, err)
	}
	defer stmt.Close()
	// fail ends the bulk copy before the load fails with err: a bulk copy
	// left open leaves the connection mid-stream, so that the rollback
	// which follows fails and the transaction, its new table and its
	// application locks stay until the connection is closed, while the
	// import loads the file again (with wider types, see sink.ColumnTyper).
	// Ended, the rows it took are rolled back with the rest.
	fail := func(err error) (int64, error) {
		stmt.ExecContext(context.WithoutCancel(ctx)) //nolint:errcheck // the load fails with err
		return 0, err
	}
	conv := rowConverter{key: job.Key, one: job.OneTable, cols: l.cols}
	var n int64
	for src.Next() {
		n++
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
		}
		vals, err := src.Values()
		if err != nil {
			return fail(fmt.Errorf("record %d: %w", n, err))
		}
		row, err := conv.row(vals)
		if err != nil {
			return fail(fmt.Errorf("record %d: %w", n, err))
		}
		if _, err := stmt.ExecContext(ctx, row...); err != nil {
			return fail(fmt.Errorf("bulk copy into %s: record %d: %w", job.Table.Name, n, err))
		}
	}
	if err := src.Err(); err != nil {
		return fail(err)
	}
	res, err := stmt.ExecContext(ctx)
	if err != nil {
		return 0, fmt.Errorf("bulk copy into %s: %w", job.Table.Name, err)
	}
	got, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("bulk copy into %s: %w", job.Table.Name, err)
	}
	if got != n {
		return got, fmt.Errorf("bulk copy into %s: the server took %d rows of %d sent", job.Table.Name, got, n)
	}
	return got, nil
}

// rowConverter makes the bulk copy's row of a record: the key first in
// one-table mode, decimals checked against their column.
type rowConverter struct {
	key  string
	one  bool
	cols []column
	buf  []any
}

func (c *rowConverter) row(vals []any) ([]any, error) {
	if len(vals) != len(c.cols) {
		return nil, fmt.Errorf("%d values for %d columns", len(vals), len(c.cols))
	}
	row := c.buf[:0]
	if c.one {
		row = append(row, c.key)
	}
	for i, v := range vals {
		col := c.cols[i]
		if s, ok := v.(string); ok && col.decimal {
			d, fits := sqlsink.FitDecimal(s, col.prec, col.scale)
			if !fits {
				return nil, fmt.Errorf("column %q: %s does not fit DECIMAL(%d,%d) and would be rounded", col.name, s, col.prec, col.scale)
			}
			v = d
		}
		row = append(row, v)
	}
	c.buf = row
	return row, nil
}

func (l *loadTx) PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error {
	return sqlsink.PutLedger(ctx, l.s.target, e, update, func(t time.Time) any { return t }, l.exec)
}

var _ sink.ColumnTyper = (*Sink)(nil)
