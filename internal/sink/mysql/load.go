package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// This file: the Sink, its connection, and the load transaction.

// Server error numbers this sink acts on.
const (
	errNoSuchTable     = 1146 // ER_NO_SUCH_TABLE
	errUnknownDB       = 1049 // ER_BAD_DB_ERROR
	errAccessDenied    = 1045 // ER_ACCESS_DENIED_ERROR
	errRowSize         = 1118 // ER_TOO_BIG_ROWSIZE
	errRowSizeInsert   = 139  // HA_ERR_TO_BIG_ROW
	errLocalInfileOff  = 1148 // ER_NOT_ALLOWED_COMMAND
	errLocalInfileOff8 = 3948 // ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8)
)

// Open connects to the database named by dsn and checks that it exists
// and that the server allows LOAD DATA LOCAL.
func (f Factory) Open(ctx context.Context, dsn string, opts sink.Options) (sink.Sink, error) {
	cfg, err := Config(dsn, opts)
	if err != nil {
		return nil, err
	}
	name := f.Redact(dsn)
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	db := sql.OpenDB(timeoutConnector{Connector: conn, timeout: cfg.Timeout})
	// The import bounds how many loads run at once (--load-workers).
	db.SetMaxIdleConns(16)
	s := &Sink{db: db, name: name, lockTimeout: lockTimeout(opts)}
	var local int
	err = db.QueryRowContext(ctx, "SELECT DATABASE(), @@local_infile").Scan(&s.schema, &local)
	switch {
	case opts.Password == "" && isError(err, errAccessDenied):
		// Refused without a password: the server wants one.
		err = fmt.Errorf("connect to %s: %w: %w", name, sink.ErrPasswordRequired, err)
	case isError(err, errUnknownDB):
		err = fmt.Errorf("connect to %s: %w (siftload creates tables, not databases: CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)", name, err, cfg.DBName)
	case err != nil:
		err = fmt.Errorf("connect to %s: %w", name, err)
	case s.schema == "":
		err = fmt.Errorf("connect to %s: no database selected", name)
	case local == 0:
		err = fmt.Errorf("%s does not allow LOAD DATA LOCAL INFILE, which this sink loads with: SET GLOBAL local_infile=1 (or local_infile=1 in the server's configuration)", name)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	s.target = sqlsink.Target{Dialect: Dialect, Schema: s.schema}
	s.Auditor = s.auditor()
	return s, nil
}

// timeoutConnector bounds connecting, the handshake and login included,
// by timeout: the driver bounds only the dial by its own, and a server
// that accepts the connection and never answers must not hang the import.
type timeoutConnector struct {
	driver.Connector
	timeout time.Duration
}

func (c timeoutConnector) Connect(ctx context.Context) (driver.Conn, error) {
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, err := c.Connector.Connect(tctx)
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("no answer within the connect timeout of %s: %w", c.timeout, err)
	}
	return conn, err
}

// Sink loads into one MariaDB/MySQL database. It is safe for concurrent
// use: each Load takes a connection of its own.
type Sink struct {
	db              *sql.DB
	name            string // redacted DSN
	schema          string // the database
	target          sqlsink.Target
	lockTimeout     time.Duration
	ledger          sqlsink.LedgerOnce
	sqlsink.Auditor // status and verify's reads, the ledger's migration (audit.go)
}

// Close closes the connections.
func (s *Sink) Close() error { return s.db.Close() }

// Limits returns what MariaDB/MySQL can store (see sink.Limiter).
func (s *Sink) Limits() schema.Limits { return Dialect.Limits() }

// CheckTable refuses names MariaDB/MySQL cannot take; see
// sqlsink.CheckTableName.
func (s *Sink) CheckTable(table string) error { return sqlsink.CheckTableName(Dialect, table) }

func isError(err error, numbers ...uint16) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	for _, n := range numbers {
		if me.Number == n {
			return true
		}
	}
	return false
}

// ledgerDDL is the ledger of this sink: sqlsink's columns, with the key a
// VARBINARY (byte for byte, and short enough for InnoDB's 3,072-byte
// index key in utf8mb4) and text in utf8mb4_bin.
func ledgerDDL(t sqlsink.Target) string {
	return "CREATE TABLE IF NOT EXISTS " + t.Table(sink.LedgerTable) + " (" +
		"`file_key` VARBINARY(3072) NOT NULL PRIMARY KEY, " +
		"`table_name` VARCHAR(128) NOT NULL, " +
		"`source` TEXT, " +
		"`sha256` VARCHAR(64) NOT NULL, " +
		"`row_count` BIGINT NOT NULL, " +
		"`rejected` BIGINT NOT NULL, " +
		"`loaded_at` DATETIME(6) NOT NULL, " +
		"`version` VARCHAR(100), " +
		"`digest` VARCHAR(64), " +
		"INDEX `siftload_ledger_table` (`table_name`))" + tableOptions
}

// columnsSQL compares names byte for byte: information_schema's columns
// have a case-insensitive collation, and whether a comparison ignores
// letter case depends on the server and lower_case_table_names.
const columnsSQL = `SELECT COLUMN_NAME, LOWER(DATA_TYPE), COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0), COLUMN_COMMENT
FROM information_schema.COLUMNS
WHERE CAST(TABLE_SCHEMA AS BINARY) = CAST(? AS BINARY) AND CAST(TABLE_NAME AS BINARY) = CAST(? AS BINARY)
ORDER BY ORDINAL_POSITION`

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// columns returns the columns of table in schema, and their SQL types.
func columns(ctx context.Context, q queryer, schemaName, table string) ([]schema.Column, map[string]sqlType, error) {
	rows, err := q.QueryContext(ctx, columnsSQL, schemaName, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var cols []schema.Column
	types := make(map[string]sqlType)
	for rows.Next() {
		var name string
		var t sqlType
		if err := rows.Scan(&name, &t.dataType, &t.prec, &t.scale, &t.comment); err != nil {
			return nil, nil, err
		}
		cols = append(cols, schema.Column{Name: name, Type: t.schemaType()})
		types[name] = t
	}
	return cols, types, rows.Err()
}

// Columns returns the columns of table, SourceKeyColumn included.
func (s *Sink) Columns(ctx context.Context, table string) ([]schema.Column, bool, error) {
	cols, _, err := columns(ctx, s.db, s.schema, table)
	if err == nil && len(cols) > 0 {
		var left bool
		if left, err = s.leftover(ctx, s.db, table); left {
			cols = nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("columns of %s: %w", table, err)
	}
	return cols, len(cols) > 0, nil
}

// createdComment marks a table that a load created for one key: while it
// is empty and no ledger row names it, a load that did not commit (was
// killed before it could drop the table) left it, with the types it
// guessed from the first records of its file, and the next load replaces
// it (see sink.ColumnTyper).
const createdComment = "siftload: created by a load"

// tableCommentSQL reads a table's comment, the name compared byte for
// byte (see columnsSQL).
const tableCommentSQL = `SELECT TABLE_COMMENT FROM information_schema.TABLES
WHERE CAST(TABLE_SCHEMA AS BINARY) = CAST(? AS BINARY) AND CAST(TABLE_NAME AS BINARY) = CAST(? AS BINARY)`

// leftover reports whether table is marked by createdComment, empty, and
// named by no ledger row, as q (the load's transaction, or the database)
// sees them.
func (s *Sink) leftover(ctx context.Context, q sqlsink.RowQuerier, table string) (bool, error) {
	var comment string
	err := q.QueryRowContext(ctx, tableCommentSQL, s.schema, table).Scan(&comment)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && comment != createdComment) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("comment of %s: %w", table, err)
	}
	var one int
	err = q.QueryRowContext(ctx, "SELECT 1 FROM "+s.target.Table(table)+" LIMIT 1").Scan(&one)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return false, err // a row, or an error
	}
	claimed, err := sqlsink.Claimed(ctx, s.target, sqlsink.QueryRow(q), table)
	if isError(err, errNoSuchTable) {
		return true, nil // no ledger yet
	}
	return !claimed, err
}

// ColumnType is Dialect's (sink.ColumnTyper: see its contract for how a
// table that a killed load left behind is replaced).
func (s *Sink) ColumnType(t schema.Type, maxLen int) string { return Dialect.ColumnType(t, maxLen) }

// Ledger returns the ledger row of key; ok=false also when no load ever
// created the ledger.
func (s *Sink) Ledger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	if err := s.EnsureMigrated(ctx); err != nil {
		return sink.LedgerEntry{}, false, err
	}
	e, ok, err := sqlsink.LedgerRow(s.db.QueryRowContext(ctx, sqlsink.LedgerSelectSQL(s.target), key).Scan)
	if isError(err, errNoSuchTable) {
		return sink.LedgerEntry{}, false, nil
	}
	if err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("ledger of %s: %w", key, err)
	}
	return e, ok, nil
}

// lockName returns the GET_LOCK name of what in the sink's database: a
// hash, as names are at most 64 characters and server-wide.
func (s *Sink) lockName(kind, what string) string {
	sum := sha256.Sum256([]byte(s.schema + "\x00" + what))
	return "siftload " + kind + " " + hex.EncodeToString(sum[:20])
}

// Load writes one file; see package sink and the package comment.
func (s *Sink) Load(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	if err := s.ledger.Ensure(ctx, s.schema, func(ctx context.Context) error {
		_, err := s.db.ExecContext(ctx, ledgerDDL(s.target))
		return err
	}); err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	if err := s.EnsureMigrated(ctx); err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	// The connection lives beyond ctx: a cancelled load is rolled back
	// and its locks released explicitly, then the connection goes back.
	cctx := context.WithoutCancel(ctx)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return sink.Result{}, sink.WrapLoad(job, fmt.Errorf("connect to %s: %w", s.name, err))
	}
	l := &loadTx{s: s, conn: conn}
	res, err := s.load(ctx, cctx, l, job, src)
	if l.created && err != nil {
		if _, derr := conn.ExecContext(cctx, "DROP TABLE IF EXISTS "+s.target.Table(job.Table.Name)); derr != nil {
			err = errors.Join(err, fmt.Errorf("drop the table this load created: %w", derr))
		}
	}
	if _, rerr := conn.ExecContext(cctx, "DO RELEASE_ALL_LOCKS()"); rerr != nil {
		// The server releases them when the connection closes.
		conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // closes the connection
	}
	conn.Close()
	if err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	return res, nil
}

// load runs RunLoad in a transaction on l's connection and commits or
// rolls back as sqlsink.LoadTx says.
func (s *Sink) load(ctx, cctx context.Context, l *loadTx, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	txCtx, cancelTx := context.WithCancel(cctx)
	defer cancelTx()
	tx, err := l.conn.BeginTx(txCtx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return sink.Result{}, fmt.Errorf("begin: %w", err)
	}
	l.tx = tx
	res, err := sqlsink.RunLoad(ctx, l, job, src)
	if err == nil && res.Status != sink.StatusSkipped {
		if err = ctx.Err(); err == nil {
			if err := tx.Commit(); err != nil {
				return sink.Result{}, fmt.Errorf("commit: %w", err)
			}
			return res, nil
		}
	}
	// The driver bounds Rollback by the transaction's context: cancel it
	// once sqlsink.RollbackTimeout has passed.
	t := time.AfterFunc(sqlsink.RollbackTimeout, cancelTx)
	rerr := tx.Rollback()
	t.Stop()
	if rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
		err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
	}
	return res, err
}

// loadTx is one Load's transaction (sqlsink.LoadTx).
type loadTx struct {
	s       *Sink
	conn    *sql.Conn
	tx      *sql.Tx
	cols    []column
	created bool // PrepareTable created the table
}

func (l *loadTx) exec(ctx context.Context, query string, args ...any) error {
	_, err := l.tx.ExecContext(ctx, query, args...)
	return err
}

// getLock takes the user lock name, waiting at most the lock timeout.
func (l *loadTx) getLock(ctx context.Context, name string) error {
	var got sql.NullInt64
	secs := max(1, int(l.s.lockTimeout/time.Second))
	if err := l.tx.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", name, secs).Scan(&got); err != nil {
		return err
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("another load held the lock for %s (the lock timeout)", l.s.lockTimeout)
	}
	return nil
}

func (l *loadTx) LockLedger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	if err := l.getLock(ctx, l.s.lockName("key", key)); err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("lock key: %w", err)
	}
	return sqlsink.LedgerRow(l.tx.QueryRowContext(ctx, sqlsink.LedgerSelectSQL(l.s.target), key).Scan)
}

func (l *loadTx) LockTable(ctx context.Context, job sink.LoadJob) error {
	return l.getLock(ctx, l.s.lockName("table", job.Table.Name))
}

func (l *loadTx) OtherKey(ctx context.Context, table, key string) (string, bool, error) {
	return sqlsink.OtherKey(ctx, l.s.target, sqlsink.QueryRow(l.tx), table, key)
}

// PrepareTable checks an existing table, replaces a left-over one and
// creates a missing one (see sqlsink.PrepareTable).
func (l *loadTx) PrepareTable(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.PrepareTable(ctx, l, job)
}

// TableColumns returns the columns of job's table and keeps their SQL
// types for Insert.
func (l *loadTx) TableColumns(ctx context.Context, job sink.LoadJob) ([]schema.Column, error) {
	cols, types, err := columns(ctx, l.tx, l.s.schema, job.Table.Name)
	if err == nil {
		l.cols = columnsOf(job, types)
	}
	return cols, err
}

// CreateTable creates job's table. CREATE TABLE commits the transaction,
// which has written nothing yet; a new one is started after it.
func (l *loadTx) CreateTable(ctx context.Context, job sink.LoadJob) error {
	stmts, err := createTableSQL(l.s.target, job.Table, job.OneTable)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if _, err := l.tx.ExecContext(ctx, st); err != nil {
			if isError(err, errRowSize) {
				return fmt.Errorf("create table %s: the row of its %d columns is too large for InnoDB: %w", job.Table.Name, len(job.Table.Columns), err)
			}
			return fmt.Errorf("create table %s: %w", job.Table.Name, err)
		}
		l.created = true
	}
	if err := l.begin(ctx); err != nil {
		return fmt.Errorf("begin after create table: %w", err)
	}
	types := make(map[string]sqlType)
	for _, c := range job.Table.Columns {
		if Dialect.ColumnType(c.Type, c.MaxLen) == typeDecimal {
			types[c.Name] = sqlType{dataType: "decimal", prec: decimalPrecision, scale: decimalScale}
		}
	}
	l.cols = columnsOf(job, types)
	return nil
}

// begin starts the load's transaction again after DDL committed it.
func (l *loadTx) begin(ctx context.Context) error {
	for _, st := range []string{"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "START TRANSACTION"} {
		if err := l.exec(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// Leftover reports whether job's table is one a killed load left behind
// (see sink.ColumnTyper).
func (l *loadTx) Leftover(ctx context.Context, job sink.LoadJob) (bool, error) {
	return l.s.leftover(ctx, l.tx, job.Table.Name)
}

// DropTable drops job's table, a left-over; it commits the transaction,
// which has written nothing yet, and CreateTable starts a new one.
func (l *loadTx) DropTable(ctx context.Context, job sink.LoadJob) error {
	return l.exec(ctx, "DROP TABLE "+l.s.target.Table(job.Table.Name))
}

// createTableSQL returns sqlsink.CreateTableSQL with this sink's table
// options, after the limits' checks. A table of one key is marked as
// created by a load (see leftover).
func createTableSQL(t sqlsink.Target, table schema.Table, oneTable bool) ([]string, error) {
	stmts, err := sqlsink.CreateTableSQL(t, table, oneTable)
	if err != nil {
		return nil, err
	}
	if err := checkRowSize(table, oneTable); err != nil {
		return nil, err
	}
	stmts[0] += tableOptions
	if !oneTable {
		stmts[0] += " COMMENT='" + createdComment + "'"
	}
	return stmts, nil
}

func (l *loadTx) DeleteRows(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.DeleteRows(ctx, l.s.target, job, l.exec)
}

// readerSeq numbers the reader handlers of LOAD DATA, which the driver
// keeps in one process-wide map.
var readerSeq atomic.Uint64

// loadDataSQL returns the LOAD DATA statement reading the stream named
// reader into table's columns cols (see infile.go for the format).
func loadDataSQL(t sqlsink.Target, reader, table string, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = t.Quote(c)
	}
	return "LOAD DATA LOCAL INFILE 'Reader::" + reader + "' INTO TABLE " + t.Table(table) +
		` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\t' ENCLOSED BY '' ESCAPED BY '\\' LINES STARTING BY '' TERMINATED BY '\n' (` +
		strings.Join(q, ", ") + ")"
}

func (l *loadTx) Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	r := newInfile(ctx, job, src, l.cols)
	name := fmt.Sprintf("siftload-%d", readerSeq.Add(1))
	mysql.RegisterReaderHandler(name, func() io.Reader { return r })
	defer mysql.DeregisterReaderHandler(name)
	res, err := l.tx.ExecContext(ctx, loadDataSQL(l.s.target, name, job.Table.Name, sqlsink.InsertColumns(job)))
	if r.err != nil { // the source's own error, or a value that does not fit
		return 0, r.err
	}
	if err != nil {
		switch {
		case isError(err, errLocalInfileOff, errLocalInfileOff8):
			return 0, fmt.Errorf("load data into %s: the server refuses LOAD DATA LOCAL (SET GLOBAL local_infile=1): %w", job.Table.Name, err)
		case isError(err, errRowSize, errRowSizeInsert):
			return 0, fmt.Errorf("load data into %s: a row is too large for InnoDB (too many long text values): %w", job.Table.Name, err)
		}
		return 0, fmt.Errorf("load data into %s: %w", job.Table.Name, err)
	}
	// LOAD DATA LOCAL reports what strict mode refuses as warnings (a
	// value cut, rounded or out of range): any warning fails the load.
	if err := l.warnings(ctx); err != nil {
		return 0, fmt.Errorf("load data into %s: %w", job.Table.Name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("load data into %s: %w", job.Table.Name, err)
	}
	if n != r.n {
		return n, fmt.Errorf("load data into %s: the server took %d rows of %d sent", job.Table.Name, n, r.n)
	}
	return n, nil
}

// warnings returns an error naming the first warnings of the last
// statement, or nil when it left none.
func (l *loadTx) warnings(ctx context.Context) error {
	rows, err := l.tx.QueryContext(ctx, "SHOW WARNINGS LIMIT 3")
	if err != nil {
		return fmt.Errorf("read warnings: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var level, msg string
		var code int
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return fmt.Errorf("read warnings: %w", err)
		}
		msgs = append(msgs, fmt.Sprintf("%s %d: %s", level, code, msg))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read warnings: %w", err)
	}
	if len(msgs) > 0 {
		return fmt.Errorf("the server changed or refused values: %s", strings.Join(msgs, "; "))
	}
	return nil
}

func (l *loadTx) PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error {
	return sqlsink.PutLedger(ctx, l.s.target, e, update, func(t time.Time) any { return t }, l.exec)
}

var _ sink.ColumnTyper = (*Sink)(nil)
