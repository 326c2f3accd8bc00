// Package postgres is the PostgreSQL sink, on pgx/v5's native interface.
//
// DSN: "postgres://USER@HOST:PORT/DB?sslmode=..." (or "postgresql://"),
// as libpq and pgx read it; see README.md. The password comes from
// sink.Options, never from the DSN: Open refuses a DSN that holds one. A
// host that is not loopback is reached by TLS only, verified as
// sslmode=verify-full unless the DSN says otherwise (see Config).
//
// Names. Each connection resolves current_schema() once, when it
// connects (the first schema of its search path that exists; none is an
// error), and every statement names its tables with that schema, quoted:
// "rgb"."data_line01". A bare name would be looked up along the search
// path, where pg_catalog comes first, so a table named pg_description
// would be PostgreSQL's catalog; table names starting with pg_ are
// refused anyway.
//
// Each Load is one transaction. It first takes a transaction-scoped
// advisory lock on the key, so a concurrent load of the same key (from any
// process) waits and then finds it in the ledger, and (but in one-table
// mode) one on the schema-qualified table name, so a load of another key
// into the same table waits and then finds the table taken; then rows go
// in by binary COPY (copy.go's stream, or pgx's CopyFrom for column types
// siftload does not create). PostgreSQL's DDL is transactional: the
// table a first load creates disappears with it when the load fails.
//
// Columns are created as: Integer bigint; Decimal numeric (the canonical
// text is encoded to binary numeric exactly, its scale kept: "1.50" reads
// back as 1.50); Date date; Timestamp timestamp without time zone;
// TimestampTZ timestamptz (the instant: PostgreSQL does not keep the
// offset, it shows the instant in the session's TimeZone); Text text.
// Timestamps keep microseconds, so the Limits say FracDigits 6: a value
// with finer digits is Text, never rounded. Text cannot hold a NUL byte
// (NoNUL: such a record is a bad record), and a table at most 1,600
// columns.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// Factory opens PostgreSQL sinks.
type Factory struct{}

// Scheme returns "postgres".
func (Factory) Scheme() string { return "postgres" }

// Aliases returns "postgresql", the other scheme libpq takes.
func (Factory) Aliases() []string { return []string{"postgresql"} }

// Redact returns dsn without any password (in the user info or a
// "password" parameter). A DSN that is no URL is reduced to its scheme.
func (Factory) Redact(dsn string) string { return sink.RedactURL(dsn, "postgres") }

// Usage returns the DSN's form for help.
func (Factory) Usage() (dsn, about string) {
	return "postgres://USER@HOST:PORT/DB?sslmode=...", "loads with COPY"
}

// Identity returns dsn with "postgres:" for "postgresql:" and its host in
// lower case: the search_path option (the schema) is part of it.
func (Factory) Identity(dsn string) string { return sink.URLIdentity(dsn, "postgres") }

// Account returns true and the user and server of dsn.
func (Factory) Account(dsn string) (bool, string) { return sink.URLAccount(dsn) }

// Config returns the pgx configuration of dsn with opts applied: the
// password, TLS files (sslrootcert, sslcert, sslkey) and, unless
// opts.InsecureNoTLS, the TLS rule:
//
//   - A DSN without sslmode means sslmode=verify-full when opts has a CA
//     file or a host is not local (loopback or a Unix socket): TLS, with
//     the server's certificate checked against the CA file (or the
//     system's roots) and the host name.
//   - No plain-text connection to a host that is not local: sslmode=disable
//     fails there, and sslmode=prefer or allow lose their plain-text
//     fallback. An explicit sslmode=require or verify-ca is kept.
//
// Connecting gives up after connect_timeout (from the DSN or
// PGCONNECT_TIMEOUT) or else opts.ConnectTimeout (sink.Options.Timeout),
// and every connection sends TCP keepalives (sink.KeepAlive).
//
// pgx fills settings the DSN leaves out from libpq's PG* environment
// variables (PGHOST, PGSSLROOTCERT, ...), but a DSN without sslmode gets
// verify-full by the rule above whatever PGSSLMODE says. The password is
// always opts'.
func Config(dsn string, opts sink.Options) (*pgx.ConnConfig, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, errors.New("postgres DSN is no URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("postgres DSN has scheme %q, want postgres", u.Scheme)
	}
	q := u.Query()
	if _, set := u.User.Password(); set || q.Has("password") {
		return nil, errors.New("postgres DSN holds a password: pass it through the environment, a secret file or the prompt")
	}
	for param, file := range map[string]string{"sslrootcert": opts.CAFile, "sslcert": opts.CertFile, "sslkey": opts.KeyFile} {
		if file != "" && !q.Has(param) {
			q.Set(param, file)
		}
	}
	if opts.CAFile != "" && !q.Has("sslmode") {
		q.Set("sslmode", "verify-full")
	}
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("postgres DSN: %w", err)
	}
	// The hosts are known once pgx has parsed the DSN (they may come from
	// a host parameter or PGHOST): parse again with verify-full when one
	// of them is not local.
	if !opts.InsecureNoTLS && !q.Has("sslmode") && !allLocal(&cfg.Config) {
		q.Set("sslmode", "verify-full")
		u.RawQuery = q.Encode()
		if cfg, err = pgx.ParseConfig(u.String()); err != nil {
			return nil, fmt.Errorf("postgres DSN: %w", err)
		}
	}
	cfg.Password = opts.Password
	// A server that accepts the connection and never answers must not
	// hang the import: connect_timeout (URL or PGCONNECT_TIMEOUT) wins,
	// else opts' timeout; keepalives notice a peer that vanished.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = opts.Timeout()
	}
	cfg.DialFunc = (&net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: sink.KeepAlive}).DialContext
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = "siftload"
	}
	if !opts.InsecureNoTLS {
		if err := requireTLS(&cfg.Config); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// isLocal reports whether host is a Unix socket directory or loopback.
func isLocal(host string) bool {
	return strings.HasPrefix(host, "/") || sink.IsLoopback(host)
}

// allLocal reports whether every host cfg may connect to is local.
func allLocal(cfg *pgconn.Config) bool {
	if !isLocal(cfg.Host) {
		return false
	}
	for _, fb := range cfg.Fallbacks {
		if !isLocal(fb.Host) {
			return false
		}
	}
	return true
}

// requireTLS drops cfg's plain-text attempts at non-local hosts and fails
// when none is left.
func requireTLS(cfg *pgconn.Config) error {
	attempts := append([]*pgconn.FallbackConfig{{Host: cfg.Host, Port: cfg.Port, TLSConfig: cfg.TLSConfig}}, cfg.Fallbacks...)
	kept := attempts[:0]
	for _, a := range attempts {
		if a.TLSConfig != nil || isLocal(a.Host) {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		return fmt.Errorf("postgres: plain-text connection to %s refused: use sslmode=require or verify-full, or allow it explicitly", cfg.Host)
	}
	cfg.Host, cfg.Port, cfg.TLSConfig = kept[0].Host, kept[0].Port, kept[0].TLSConfig
	cfg.Fallbacks = kept[1:]
	return nil
}

// Open connects to the database named by dsn.
func (f Factory) Open(ctx context.Context, dsn string, opts sink.Options) (sink.Sink, error) {
	cfg, err := Config(dsn, opts)
	if err != nil {
		return nil, err
	}
	s := &Sink{name: f.Redact(dsn), connectTimeout: cfg.ConnectTimeout, password: cfg.Password != "", targets: make(map[*pgx.Conn]sqlsink.Target)}
	// pgxpool takes only a Config of its ParseConfig; the connection's
	// settings are Config's.
	pcfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.name, err)
	}
	pcfg.ConnConfig = cfg
	// The import bounds how many loads run at once (--load-workers);
	// each takes a connection of its own.
	pcfg.MaxConns = math.MaxInt32
	pcfg.AfterConnect = s.afterConnect
	pcfg.BeforeClose = func(pc *pgx.Conn) {
		s.mu.Lock()
		delete(s.targets, pc)
		s.mu.Unlock()
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.name, err)
	}
	c, err := s.acquire(ctx)
	if err != nil {
		s.pool.Close()
		return nil, err
	}
	c.Release()
	return s, nil
}

// Sink loads into one PostgreSQL database. It is safe for concurrent use:
// each call takes a connection of its own from a pgxpool.Pool, which keeps
// the connections that come back healthy and idle (no transaction open)
// and closes the others.
type Sink struct {
	pool           *pgxpool.Pool
	name           string // redacted DSN
	connectTimeout time.Duration
	password       bool // one was given

	mu       sync.Mutex
	targets  map[*pgx.Conn]sqlsink.Target // by connection: its schema
	ledger   sqlsink.LedgerOnce           // by schema
	migrated sqlsink.LedgerOnce           // by schema: the ledger has the digest column
}

// conn is a pooled connection and the schema it resolved when it
// connected.
type conn struct {
	*pgxpool.Conn
	target sqlsink.Target
}

// currentSchemaSQL resolves the schema unqualified names are created in.
const currentSchemaSQL = "SELECT current_schema()"

// errNoSchema is the error of a connection whose search_path names no
// schema that exists.
var errNoSchema = errors.New("the search_path names no schema that exists: set it (options=-csearch_path%3DSCHEMA in the URL) or create the schema")

// afterConnect prepares a new connection: it registers the numeric type
// and resolves the connection's schema once.
func (s *Sink) afterConnect(ctx context.Context, pc *pgx.Conn) error {
	pc.TypeMap().RegisterType(numericType)
	var cur *string
	if err := pc.QueryRow(ctx, currentSchemaSQL).Scan(&cur); err != nil {
		return fmt.Errorf("current schema: %w", err)
	}
	if cur == nil || *cur == "" {
		return errNoSchema
	}
	s.mu.Lock()
	s.targets[pc] = sqlsink.Target{Dialect: Dialect, Schema: *cur}
	s.mu.Unlock()
	return nil
}

// acquire takes a connection from the pool, connecting when none is
// idle; the caller releases it (conn.Release).
func (s *Sink) acquire(ctx context.Context) (*conn, error) {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		if pgconn.Timeout(err) && ctx.Err() == nil {
			err = fmt.Errorf("no answer within the connect timeout of %s: %w", s.connectTimeout, err)
		} else {
			err = connectError(err, s.password)
		}
		return nil, fmt.Errorf("connect to %s: %w", s.name, err)
	}
	s.mu.Lock()
	t, ok := s.targets[pc.Conn()]
	s.mu.Unlock()
	if !ok {
		pc.Release()
		return nil, fmt.Errorf("connect to %s: a connection without its schema", s.name)
	}
	return &conn{Conn: pc, target: t}, nil
}

// Close closes the connections. It waits for calls in progress to give
// theirs back.
func (s *Sink) Close() error {
	s.pool.Close()
	return nil
}

// dialect is PostgreSQL's sqlsink.Dialect.
type dialect struct{}

func (dialect) Quote(name string) string { return sqlsink.QuoteIdent(name) }
func (dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }
func (dialect) MaxIdent() int            { return 63 } // NAMEDATALEN-1; longer names are cut

// Reserved: pg_ names PostgreSQL's catalogs (pg_catalog comes first on
// every search path).
func (dialect) Reserved() []string { return []string{"pg_"} }

// IndexSQL: the index lives in its table's schema and takes no schema.
func (dialect) IndexSQL(schema, index, table, column string) string {
	return "CREATE INDEX " + sqlsink.QuoteIdent(index) + " ON " + sqlsink.QuoteIdent(schema) + "." + sqlsink.QuoteIdent(table) + " (" + sqlsink.QuoteIdent(column) + ")"
}

func (dialect) ColumnType(t schema.Type, _ int) string {
	switch t {
	case schema.Integer:
		return "bigint"
	case schema.Decimal:
		return "numeric"
	case schema.Date:
		return "date"
	case schema.Timestamp:
		return "timestamp"
	case schema.TimestampTZ:
		return "timestamptz"
	default:
		return "text"
	}
}

// Limits: MaxTupleAttributeNumber, microsecond timestamps, no NUL in text.
func (dialect) Limits() schema.Limits {
	return schema.Limits{MaxColumns: 1600, FracDigits: 6, NoNUL: true}
}

// Limits returns what PostgreSQL can store (see sink.Limiter).
func (s *Sink) Limits() schema.Limits { return Dialect.Limits() }

// ColumnType returns the type PostgreSQL creates a column of t as (see
// sink.ColumnTyper: PostgreSQL's DDL is transactional).
func (s *Sink) ColumnType(t schema.Type, maxLen int) string { return Dialect.ColumnType(t, maxLen) }

// Dialect is the SQL dialect of this sink.
var Dialect sqlsink.Dialect = dialect{}

// Lock ids of pg_advisory_xact_lock: hashtextextended of a prefixed name.
const (
	ledgerLock = "siftload ledger"
	keyLock    = "siftload key:"
	tableLock  = "siftload table:"
)

const lockSQL = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"

// typeOf maps information_schema's data_type to a schema type.
func typeOf(dataType string) schema.Type {
	switch {
	case dataType == "bigint" || dataType == "integer" || dataType == "smallint":
		return schema.Integer
	case dataType == "numeric" || dataType == "real" || dataType == "double precision":
		return schema.Decimal
	case dataType == "timestamp with time zone":
		return schema.TimestampTZ
	case strings.HasPrefix(dataType, "timestamp"):
		return schema.Timestamp
	case dataType == "date":
		return schema.Date
	default:
		return schema.Text
	}
}

// querier is what *pgx.Conn and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const columnsSQL = `SELECT column_name, data_type, COALESCE(character_maximum_length, 0)
FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2
ORDER BY ordinal_position`

// columns returns the columns of table in t's schema.
func columns(ctx context.Context, q querier, t sqlsink.Target, table string) ([]schema.Column, bool, error) {
	rows, err := q.Query(ctx, columnsSQL, t.Schema, table)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var cols []schema.Column
	for rows.Next() {
		var name, dataType string
		var maxLen int32
		if err := rows.Scan(&name, &dataType, &maxLen); err != nil {
			return nil, false, err
		}
		cols = append(cols, schema.Column{Name: name, Type: typeOf(dataType), MaxLen: int(maxLen)})
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return cols, len(cols) > 0, nil
}

// Columns returns the columns of table in the connection's schema,
// SourceKeyColumn included.
func (s *Sink) Columns(ctx context.Context, table string) ([]schema.Column, bool, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	defer c.Release()
	cols, ok, err := columns(ctx, c, c.target, table)
	if err != nil {
		return nil, false, fmt.Errorf("columns of %s: %w", table, err)
	}
	return cols, ok, nil
}

func isUndefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42P01"
}

func ledger(ctx context.Context, q querier, t sqlsink.Target, key string) (sink.LedgerEntry, bool, error) {
	return sqlsink.LedgerRow(q.QueryRow(ctx, sqlsink.LedgerSelectSQL(t), key).Scan)
}

// Ledger returns the ledger row of key; ok=false also when no load ever
// created the ledger.
func (s *Sink) Ledger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return sink.LedgerEntry{}, false, err
	}
	defer c.Release()
	if err := s.migrateLedger(ctx, c); err != nil {
		return sink.LedgerEntry{}, false, err
	}
	e, ok, err := ledger(ctx, c, c.target, key)
	if isUndefinedTable(err) {
		return sink.LedgerEntry{}, false, nil
	}
	if err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("ledger of %s: %w", key, err)
	}
	return e, ok, nil
}

// ensureLedger creates the ledger when it does not exist, in a
// transaction of its own under an advisory lock, so that concurrent first
// loads do not race to create it.
func (s *Sink) ensureLedger(ctx context.Context, c *conn) error {
	return s.ledger.Ensure(ctx, c.target.Schema, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, lockSQL, ledgerLock+" "+c.target.Schema); err != nil {
				return err
			}
			if _, exists, err := columns(ctx, tx, c.target, sink.LedgerTable); err != nil || exists {
				return err
			}
			_, err := tx.Exec(ctx, sqlsink.LedgerDDL(c.target, false))
			return err
		})
	})
}

// CheckTable refuses names PostgreSQL cannot take or reserves; see
// sqlsink.CheckTableName.
func (s *Sink) CheckTable(table string) error { return sqlsink.CheckTableName(Dialect, table) }

// Load writes one file in one transaction; see package sink.
func (s *Sink) Load(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	c, err := s.acquire(ctx)
	if err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	defer c.Release()
	if err := s.ensureLedger(ctx, c); err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	if err := s.migrateLedger(ctx, c); err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		return sink.Result{}, sink.WrapLoad(job, fmt.Errorf("begin: %w", err))
	}
	res, err := sqlsink.RunLoad(ctx, &loadTx{tx: tx, t: c.target}, job, src)
	if err != nil || res.Status == sink.StatusSkipped {
		// A failed rollback (a broken connection) aborts the
		// transaction on the server just as well.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		rerr := tx.Rollback(rctx)
		if err != nil && rerr == nil {
			// The rolled-back load may have created its table: the
			// connection's cached description of the COPY's columns
			// must not outlive it (a reload may create the table
			// with wider types). A connection that cannot forget it
			// is closed, and the pool drops it.
			if derr := c.Conn.Conn().DeallocateAll(rctx); derr != nil {
				_ = c.Conn.Conn().Close(rctx)
			}
		}
		cancel()
		if err != nil {
			return sink.Result{}, sink.WrapLoad(job, err)
		}
		if rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) {
			return sink.Result{}, sink.WrapLoad(job, fmt.Errorf("rollback: %w", rerr))
		}
		return res, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return sink.Result{}, sink.WrapLoad(job, fmt.Errorf("commit: %w", err))
	}
	return res, nil
}

var _ sink.Sink = (*Sink)(nil)

var _ sink.ColumnTyper = (*Sink)(nil)
