// Package sqlite is the SQLite sink, on the pure-Go driver modernc.org/sqlite.
//
// DSN: "sqlite:PATH", "sqlite://PATH" or "sqlite:///ABSOLUTE/PATH", with
// optional parameters after "?" (see ParseDSN and README.md).
//
// The database runs in WAL mode with synchronous=NORMAL unless the DSN asks
// for FULL: a crash of the process or of the machine never leaves a load
// half written, but a power loss may undo the last commits (ledger rows
// and table rows together, so the next import loads those files again).
//
// Each Load is one transaction begun with BEGIN IMMEDIATE, which takes the
// database's write lock up front: loads from other processes wait for it
// (up to busy_timeout) instead of failing half way, and loads through one
// Sink queue inside the process. Rows go in by a prepared multi-row INSERT
// run through SQLite's C API (raw.go).
// Holding that lock, a load sees every committed ledger row: the check
// that no other key owns its table and its writes cannot interleave with
// another process's load.
//
// Names. Every statement names its tables in the schema "main" (the
// database file): "main"."data_line01", so a TEMP table or an attached
// database with the same name never takes the load. Names starting with
// sqlite_ are SQLite's own and refused.
//
// Values are stored so that they read back as the file held them, up to
// the canonical form of their type (SQLite's type affinity never converts
// them):
//
//	Integer      INTEGER, an int64
//	Decimal      DECIMAL_TEXT (TEXT affinity: the name holds "TEXT" and no
//	             "INT"), the canonical decimal text: "1.50" stays "1.50",
//	             and 38 digits keep every digit (NUMERIC affinity would
//	             turn them into an 8-byte REAL)
//	Date         DATE, text "2006-01-02"
//	Timestamp    TIMESTAMP, text in sqlsink.TimeLayout ("2006-01-02 15:04:05.5")
//	TimestampTZ  TIMESTAMPTZ, text in sqlsink.TimeLayout followed by "Z" or the
//	             offset as "+02:00": the file's wall clock and offset
//	Text         TEXT, byte for byte (a NUL byte included)
//
// The text forms are not numbers, so the NUMERIC affinity of DATE,
// TIMESTAMP and TIMESTAMPTZ leaves them as text. A table has at most 2,000
// columns (SQLITE_MAX_COLUMN of modernc.org/sqlite).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// maxVars is SQLite's default limit of bound variables per statement
// (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
const maxVars = 32766

// maxBatch caps the rows of one INSERT, and batchVars its bound values:
// a statement's values then stay in the CPU's caches. On the benchmark's
// winners (8 columns) 100 rows took 7% fewer instructions than 500
// (callgrind), and 64 columns loaded fastest at 250 to 4,000 values a
// statement, with 43% more CPU time at 32,000 (see README.md).
const (
	maxBatch  = 100
	batchVars = 1000
)

// Config is a parsed DSN.
type Config struct {
	Path string
	// BusyTimeout is how long a load waits for another process's write
	// lock ("busy_timeout=30s"; default 10m). A cancelled context ends
	// the wait earlier.
	BusyTimeout time.Duration
	// Synchronous is "NORMAL" (default) or "FULL" ("synchronous=full").
	Synchronous string
}

// ParseDSN parses "sqlite:PATH[?PARAMS]". PATH may follow "sqlite:" or
// "sqlite://"; "sqlite:///abs/path" names /abs/path (and, on Windows,
// "sqlite:///C:/x.db" names C:/x.db). PATH is taken as it is written, not
// %-decoded: spaces, "%" and "#" are part of the name. A Windows long path
// (sqlite:\\?\C:\x.db, sqlite:\\?\UNC\server\share\x.db) is accepted: the
// "?" of its prefix starts no query. PARAMS are busy_timeout (a Go
// duration) and synchronous (normal or full).
func ParseDSN(dsn string) (Config, error) {
	scheme, rest, ok := strings.Cut(dsn, ":")
	if !ok || !strings.EqualFold(scheme, "sqlite") {
		return Config{}, fmt.Errorf("sqlite DSN %q: want the scheme sqlite", dsn)
	}
	rest = strings.TrimPrefix(rest, "//")
	var path, query string
	if long, ok := strings.CutPrefix(rest, longPrefix); ok {
		// A Windows long path: the "?" of its prefix starts no query.
		path, query, _ = strings.Cut(long, "?")
		path = longPrefix + path
	} else {
		path, query, _ = strings.Cut(rest, "?")
	}
	if runtime.GOOS == "windows" && len(path) >= 3 && path[0] == '/' && path[2] == ':' {
		path = path[1:]
	}
	c := Config{Path: path, BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}
	switch {
	case path == "":
		return Config{}, fmt.Errorf("sqlite DSN %q has no path", dsn)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return Config{}, fmt.Errorf("sqlite DSN %q: want the path of a database file", dsn)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Config{}, fmt.Errorf("sqlite DSN %q: %w", dsn, err)
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "busy_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return Config{}, fmt.Errorf("sqlite DSN: busy_timeout %q is no duration such as 30s", v)
			}
			c.BusyTimeout = d
		case "synchronous":
			switch s := strings.ToUpper(v); s {
			case "NORMAL", "FULL":
				c.Synchronous = s
			default:
				return Config{}, fmt.Errorf("sqlite DSN: synchronous %q is neither normal nor full", v)
			}
		default:
			return Config{}, fmt.Errorf("sqlite DSN: unknown parameter %q (known: busy_timeout, synchronous)", k)
		}
	}
	return c, nil
}

// driverDSN returns the modernc.org/sqlite DSN of c: its pragmas run on
// every new connection, and _txlock=immediate makes BeginTx issue BEGIN
// IMMEDIATE.
func (c Config) driverDSN() string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", c.BusyTimeout.Milliseconds()))
	// A new database gets pages of 16 KiB (SQLite's default is 4 KiB): a
	// quarter of the writes to the WAL and the file (8,648 pwrite calls
	// instead of 33,771 for the benchmark's winners), 5% less CPU time.
	// It must come before journal_mode, which creates the file: the driver
	// runs the pragmas sorted by their text, and the quoted schema sorts
	// first. An existing file keeps its page size.
	q.Add("_pragma", `"main".page_size(16384)`)
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+c.Synchronous+")")
	q.Add("_pragma", "cache_size(-65536)") // 64 MiB of page cache
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	return driverPath(c.Path) + "?" + q.Encode()
}

// hasParam reports whether dsn sets the parameter name.
func hasParam(dsn, name string) bool {
	rest := dsn
	if i := strings.Index(rest, longPrefix); i >= 0 {
		rest = rest[i+len(longPrefix):]
	}
	_, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	return err == nil && q.Has(name)
}

// longPrefix starts a Windows long path (\\?\C:\x.db).
const longPrefix = `\\?\`

// driverPath returns path as the driver takes it: the driver ends the
// path at its first "?", so a Windows long path loses its prefix
// (\\?\C:\x.db is C:\x.db, \\?\UNC\server\share\x.db is \\server\share\x.db).
func driverPath(path string) string {
	long, ok := strings.CutPrefix(path, longPrefix)
	if !ok {
		return path
	}
	if unc, ok := strings.CutPrefix(long, `UNC\`); ok {
		return `\\` + unc
	}
	return long
}

// Factory opens SQLite sinks.
type Factory struct{}

// Scheme returns "sqlite".
func (Factory) Scheme() string { return "sqlite" }

// Redact returns dsn: a SQLite DSN holds no secret.
func (Factory) Redact(dsn string) string { return dsn }

// Usage returns the DSN's form for help.
func (Factory) Usage() (dsn, about string) { return "sqlite:PATH", "embedded" }

// Identity returns "sqlite:" and the database file's absolute path.
func (Factory) Identity(dsn string) string {
	c, err := ParseDSN(dsn)
	if err != nil {
		return sink.URLIdentity(dsn, "sqlite")
	}
	if abs, err := filepath.Abs(c.Path); err == nil {
		return "sqlite:" + abs
	}
	return "sqlite:" + filepath.Clean(c.Path)
}

// Account returns false: SQLite takes no password.
func (Factory) Account(string) (bool, string) { return false, "" }

// LocalFiles returns the database file and the files SQLite keeps beside
// it (-wal, -shm, -journal).
func (Factory) LocalFiles(dsn string) []string {
	c, err := ParseDSN(dsn)
	if err != nil {
		return nil
	}
	var files []string
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		files = append(files, c.Path+suffix)
	}
	return files
}

// Open opens (creating when missing) the database file named by dsn.
// SQLite has no password nor TLS. Of opts, ReadOnly opens the file
// read-only, and a file that does not exist is not created but read as an
// empty database in memory, whose Absent is true; LockTimeout is how long
// a load waits for another program's write lock, unless the DSN sets
// busy_timeout; Waiting is told when a load starts to wait for it.
func (Factory) Open(ctx context.Context, dsn string, opts sink.Options) (sink.Sink, error) {
	c, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if opts.LockTimeout > 0 && !hasParam(dsn, "busy_timeout") {
		c.BusyTimeout = opts.LockTimeout
	}
	driverDSN := c.driverDSN()
	absent := false
	if opts.ReadOnly {
		_, err := os.Stat(c.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			absent = true
		case err != nil:
			return nil, fmt.Errorf("open %s: %w", c.Path, err)
		}
		driverDSN = c.readOnlyDSN(absent)
	}
	db, err := sql.Open("sqlite", driverDSN)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.Path, err)
	}
	if err := ping(ctx, db, c.BusyTimeout); err != nil {
		return nil, errors.Join(fmt.Errorf("open %s: %w", c.Path, err), db.Close())
	}
	if !opts.ReadOnly {
		// A read-only open (a dry run) changes nothing, the ledger's
		// columns included: it reads an old ledger as it is.
		if err := migrateLedger(ctx, db); err != nil {
			return nil, errors.Join(fmt.Errorf("open %s: %w", c.Path, err), db.Close())
		}
	}
	return &Sink{db: db, path: c.Path, writer: make(chan struct{}, 1), absent: absent, busy: c.BusyTimeout, waiting: opts.Waiting}, nil
}

// readOnlyDSN returns the modernc.org/sqlite DSN that opens c's file
// read-only (a URI with mode=ro, which changes nothing in the file, not
// even its journal mode), or, when absent, an empty private database in
// memory.
func (c Config) readOnlyDSN(absent bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", c.BusyTimeout.Milliseconds()))
	if absent {
		return "file::memory:?" + q.Encode()
	}
	q.Set("mode", "ro")
	p := driverPath(c.Path) // a URI has no room for \\?\
	path := filepath.ToSlash(p)
	if filepath.IsAbs(p) && !strings.HasPrefix(path, "/") {
		path = "/" + path // C:/x.db: file:///C:/x.db
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	if filepath.IsAbs(p) {
		return u.String()
	}
	return "file:" + u.EscapedPath() + "?" + u.RawQuery
}

// Absent reports whether a ReadOnly Open found no database file; see
// sink.Absence.
func (s *Sink) Absent() bool { return s.absent }

// ping opens the first connection, retrying while another process holds
// the lock: switching a new database to WAL takes an exclusive lock, and
// SQLite answers that pragma with SQLITE_BUSY at once instead of calling
// its busy handler when two importers open one new file together.
func ping(ctx context.Context, db *sql.DB, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := db.PingContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Sink loads into one SQLite database file. It is safe for concurrent
// use; its loads run one at a time, as SQLite has one writer.
type Sink struct {
	db     *sql.DB
	path   string
	writer chan struct{} // held by the Load in progress
	absent bool          // opened ReadOnly, the file did not exist
	// busy is how long a load waits for another program's write lock;
	// waiting, if set, is told when a load starts to wait (probeLock).
	busy    time.Duration
	waiting func(what string)
	told    atomic.Bool // waiting was called: once per Sink is enough
}

// dialect is SQLite's sqlsink.Dialect.
type dialect struct{}

func (dialect) Quote(name string) string { return sqlsink.QuoteIdent(name) }
func (dialect) Placeholder(int) string   { return "?" }

// MaxIdent: SQLite has no limit; 63 keeps names portable to PostgreSQL.
func (dialect) MaxIdent() int { return schema.MaxNameLen }

// maxColumns is SQLITE_MAX_COLUMN as modernc.org/sqlite builds it.
const maxColumns = 2000

// decimalType is the declared type of a Decimal column: TEXT affinity, so
// that SQLite keeps the canonical text exactly.
const decimalType = "DECIMAL_TEXT"

// Reserved: SQLite keeps sqlite_ names for itself.
func (dialect) Reserved() []string { return []string{"sqlite_"} }

// IndexSQL: SQLite qualifies the index, whose table is in the same schema.
func (dialect) IndexSQL(schema, index, table, column string) string {
	return "CREATE INDEX " + sqlsink.QuoteIdent(schema) + "." + sqlsink.QuoteIdent(index) + " ON " + sqlsink.QuoteIdent(table) + " (" + sqlsink.QuoteIdent(column) + ")"
}

func (dialect) ColumnType(t schema.Type, _ int) string {
	switch t {
	case schema.Integer:
		return "INTEGER"
	case schema.Decimal:
		return decimalType
	case schema.Date:
		return "DATE"
	case schema.Timestamp:
		return "TIMESTAMP"
	case schema.TimestampTZ:
		return "TIMESTAMPTZ"
	default:
		return "TEXT"
	}
}

// Limits: SQLite's text holds any byte and siftload's timestamp text any
// fraction.
func (dialect) Limits() schema.Limits { return schema.Limits{MaxColumns: maxColumns} }

// Limits returns what SQLite can store (see sink.Limiter).
func (s *Sink) Limits() schema.Limits { return Dialect.Limits() }

// SingleWriter marks SQLite as a database of one writer at a time
// (sink.SingleWriter): an import loads one key at a time by default.
func (s *Sink) SingleWriter() {}

// ColumnType returns the type SQLite creates a column of t as (see
// sink.ColumnTyper: SQLite's DDL is transactional).
func (s *Sink) ColumnType(t schema.Type, maxLen int) string { return Dialect.ColumnType(t, maxLen) }

// Dialect is the SQL dialect of this sink.
var Dialect sqlsink.Dialect = dialect{}

// target names every table in the database file's schema, "main".
var target = sqlsink.Target{Dialect: Dialect, Schema: "main"}

// typeOf maps a declared column type back to a schema type, as SQLite's
// affinity rules read it (and this sink's own types first).
func typeOf(decl string) schema.Type {
	d := strings.ToUpper(decl)
	switch {
	case d == decimalType:
		return schema.Decimal
	case strings.Contains(d, "INT"):
		return schema.Integer
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return schema.Text
	case strings.Contains(d, "TIMESTAMPTZ"), strings.Contains(d, "WITH TIME ZONE"):
		return schema.TimestampTZ
	case strings.Contains(d, "TIMESTAMP"), strings.Contains(d, "DATETIME"):
		return schema.Timestamp
	case strings.Contains(d, "DATE"):
		return schema.Date
	case strings.Contains(d, "NUM"), strings.Contains(d, "DEC"), strings.Contains(d, "REAL"),
		strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return schema.Decimal
	default:
		return schema.Text
	}
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func columns(ctx context.Context, q querier, table string) ([]schema.Column, bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?, ?)", table, target.Schema)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var cols []schema.Column
	for rows.Next() {
		var name, decl string
		if err := rows.Scan(&name, &decl); err != nil {
			return nil, false, err
		}
		cols = append(cols, schema.Column{Name: name, Type: typeOf(decl)})
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return cols, len(cols) > 0, nil
}

// Columns returns the columns of table in "main", SourceKeyColumn
// included.
func (s *Sink) Columns(ctx context.Context, table string) ([]schema.Column, bool, error) {
	cols, ok, err := columns(ctx, s.db, table)
	if err != nil {
		return nil, false, fmt.Errorf("columns of %s: %w", table, err)
	}
	return cols, ok, nil
}

func ledger(ctx context.Context, q querier, key string) (sink.LedgerEntry, bool, error) {
	return sqlsink.LedgerRow(q.QueryRowContext(ctx, sqlsink.LedgerSelectSQL(target), key).Scan)
}

// Ledger returns the ledger row of key; ok=false also when no load ever
// created the ledger.
func (s *Sink) Ledger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	_, exists, err := columns(ctx, s.db, sink.LedgerTable)
	if err != nil || !exists {
		if err != nil {
			err = fmt.Errorf("ledger of %s: %w", key, err)
		}
		return sink.LedgerEntry{}, false, err
	}
	e, ok, err := ledger(ctx, s.db, key)
	if err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("ledger of %s: %w", key, err)
	}
	return e, ok, nil
}

// CheckTable refuses names SQLite cannot take or reserves; see
// sqlsink.CheckTableName.
func (s *Sink) CheckTable(table string) error { return sqlsink.CheckTableName(Dialect, table) }

// Load writes one file in one transaction; see package sink.
func (s *Sink) Load(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return sink.Result{}, sink.WrapLoad(job, ctx.Err())
	}
	defer func() { <-s.writer }()

	s.probeLock(ctx)
	// The load holds one connection, whose SQLite handle the insert uses
	// (see raw.go).
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return sink.Result{}, sink.WrapLoad(job, fmt.Errorf("connect: %w", err))
	}
	defer conn.Close()
	// BeginTx issues BEGIN IMMEDIATE, see driverDSN.
	res, err := sqlsink.LoadSQL(ctx, conn, job, src, func(tx *sql.Tx) sqlsink.LoadTx { return &loadTx{tx: tx, conn: conn} })
	if err != nil && isBusy(err) {
		held := fmt.Sprintf("another program held the write lock of %s for longer than the lock timeout, %s", s.path, s.busy)
		if le, ok := errors.AsType[*sink.LoadError](err); ok {
			le.Err = fmt.Errorf("%w (%s)", le.Err, held)
		} else {
			err = fmt.Errorf("%w (%s)", err, held)
		}
	}
	return res, err
}

// probeLock tells s.waiting when another program holds the database's
// write lock, before the load waits for it: it tries BEGIN IMMEDIATE on
// one connection without waiting, and rolls back at once. It tells once
// per Sink.
func (s *Sink) probeLock(ctx context.Context) {
	if s.waiting == nil || s.told.Load() {
		return
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return // the load itself reports it
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", s.busy.Milliseconds()))
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		if isBusy(err) && !s.told.Swap(true) {
			s.waiting(fmt.Sprintf("the write lock of %s, which another program holds (waiting up to %s, the lock timeout)", s.path, s.busy))
		}
		return
	}
	conn.ExecContext(ctx, "ROLLBACK")
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

// Close closes the database.
func (s *Sink) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	return nil
}

var (
	_ sink.Sink    = (*Sink)(nil)
	_ sink.Absence = (*Sink)(nil)
)
var _ sink.ColumnTyper = (*Sink)(nil)
