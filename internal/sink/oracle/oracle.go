// Package oracle is the Oracle Database sink, on the pure-Go driver
// github.com/sijms/go-ora/v2 through database/sql.
//
// DSN: "oracle://USER@HOST[:PORT]/SERVICE[?PARAMS]" (port 1521 by default);
// see README.md. The password comes from sink.Options, never from the DSN.
// A host that is not loopback is reached by TCPS only, unless
// sink.Options.InsecureNoTLS (see Config.TLS).
//
// Names. Oracle folds unquoted identifiers to upper case. siftload's names
// are lower case, so this sink quotes them upper-cased ("ORDER_ID"): the
// tables read naturally without quotes (select order_id from data_line01);
// a reserved word ("SELECT", "DATE") works, quoted also when read. A name
// holding an upper-case letter is quoted as it is. Columns maps upper-case
// names back to lower case. Pseudo-column names and names over the
// database's identifier limit (128 or 30 bytes) are renamed: names.go.
// Open checks the session (session.go): AL32UTF8 only, TCPS to a remote
// host.
// Every statement names its tables with their owner, the session user
// resolved once when the sink opens: "SIFTLOAD_RGB"."DATA_LINE01", and
// the dictionary is read from ALL_TABLES/ALL_TAB_COLUMNS for that owner
// only, so a synonym (private or public), a view or another schema's table
// is never taken for siftload's table. Names starting with SYS_ or ORA_
// (Oracle's own objects) are refused.
//
// Transactions. Oracle's DDL commits by itself, so a table is created on a
// connection of its own, outside the load's transaction, with a DDL lock
// timeout; a first load that fails drops the table it created (ddl.go).
// Everything else (deleting the old rows, inserting, the ledger row) is
// one transaction. Outside one-table mode a load then locks its table
// (LOCK TABLE ... IN EXCLUSIVE MODE, until it commits) before it checks
// that no other key owns it, so two loads of different keys into one
// table serialize and the second finds the table taken. Two loads of one
// key serialize on the key's ledger row:
// SELECT ... FOR UPDATE when it exists, else a placeholder row inserted at
// once, whose primary key makes a concurrent insert wait and then fail,
// after which the waiting load reads the committed row and skips.
//
// Fast path: array binding. Each INSERT sends a batch of rows (1000 by
// default) as one array per column, in one round trip, after a savepoint:
// a row the database refuses is found by bisecting the batch (batch.go).
//
// Types: Integer NUMBER(19); Decimal NUMBER (bound as an exact Oracle
// number built from the canonical text; at most 38 significant digits;
// NUMBER keeps the value, not the scale: "1.50" reads back as 1.5); Date
// DATE (Oracle's DATE has a time of day too: siftload's dates are stored
// at midnight, 00:00:00); Timestamp TIMESTAMP(9); TimestampTZ TIMESTAMP(9)
// WITH TIME ZONE (wall clock and offset both kept); Text VARCHAR2(4000
// CHAR) in a table this sink creates (see generousWidths), or CLOB when
// the first version has a value beyond 4000 bytes. A table has at most
// 1,000 columns.
//
// Oracle stores an empty string as NULL: a quoted empty field ("") loads
// as NULL here, as an unquoted one does; Oracle cannot keep the
// difference. A NUL byte in text is bound as it is (VARCHAR2 and CLOB
// hold CHR(0)).
package oracle

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	go_ora "github.com/sijms/go-ora/v2"
	"github.com/sijms/go-ora/v2/network"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// DefaultBatch is the rows per INSERT round trip unless the DSN says
// otherwise ("batch=5000").
const DefaultBatch = 1000

// Oracle error codes this sink acts on.
const (
	errUniqueViolation = 1   // ORA-00001
	errNameUsed        = 955 // ORA-00955
	errNoTable         = 942 // ORA-00942
)

func oraCode(err error) int {
	var oe *network.OracleError
	if errors.As(err, &oe) {
		return oe.ErrCode
	}
	return 0
}

// Config is a parsed DSN.
type Config struct {
	User, Host, Service string
	Port                int
	Batch               int
	// Options are the other DSN parameters, handed to go-ora (e.g. "SSL",
	// "SSL VERIFY", "WALLET", "TIMEOUT").
	Options map[string]string
}

// ParseDSN parses "oracle://USER@HOST[:PORT]/SERVICE[?PARAMS]". It refuses
// a DSN holding a password.
func ParseDSN(dsn string) (Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return Config{}, errors.New("oracle DSN is no URL")
	}
	if !strings.EqualFold(u.Scheme, "oracle") {
		return Config{}, fmt.Errorf("oracle DSN has scheme %q, want oracle", u.Scheme)
	}
	q := u.Query()
	if _, set := u.User.Password(); set || q.Has("password") {
		return Config{}, errors.New("oracle DSN holds a password: pass it through the environment, a secret file or the prompt")
	}
	c := Config{Host: u.Hostname(), Port: 1521, Batch: DefaultBatch, Service: strings.TrimPrefix(u.Path, "/")}
	if u.User != nil {
		c.User = u.User.Username()
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port <= 0 || c.Port > 65535 {
			return Config{}, fmt.Errorf("oracle DSN: bad port %q", p)
		}
	}
	switch {
	case c.Host == "":
		return Config{}, errors.New("oracle DSN has no host")
	case c.Service == "":
		return Config{}, errors.New("oracle DSN has no service name (oracle://USER@HOST:PORT/SERVICE)")
	case c.User == "":
		return Config{}, errors.New("oracle DSN has no user (oracle://USER@HOST:PORT/SERVICE)")
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		if strings.EqualFold(k, "batch") {
			if c.Batch, err = strconv.Atoi(v); err != nil || c.Batch < 1 {
				return Config{}, fmt.Errorf("oracle DSN: batch %q is no positive number", v)
			}
			continue
		}
		if c.Options == nil {
			c.Options = make(map[string]string)
		}
		c.Options[k] = v
	}
	return c, nil
}

// driverURL returns go-ora's connection URL, password included: it goes
// to sql.Open only and is never shown. (go_ora.BuildUrl does not escape
// "@" or "/" in a password.)
func (c Config) driverURL(password string) string {
	q := url.Values{}
	for k, v := range c.Options {
		q.Set(k, v)
	}
	u := url.URL{
		Scheme:   "oracle",
		User:     url.UserPassword(c.User, password),
		Host:     net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		Path:     "/" + c.Service,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// Factory opens Oracle sinks.
type Factory struct{}

// Scheme returns "oracle".
func (Factory) Scheme() string { return "oracle" }

// Redact returns dsn without any password (in the user info or a
// "password" parameter). A DSN that is no URL is reduced to its scheme.
func (Factory) Redact(dsn string) string { return sink.RedactURL(dsn, "oracle") }

// Usage returns the DSN's form for help.
func (Factory) Usage() (dsn, about string) {
	return "oracle://USER@HOST:1521/SERVICE", "loads with array binding"
}

// Identity returns dsn with its scheme and host in lower case.
func (Factory) Identity(dsn string) string { return sink.URLIdentity(dsn, "oracle") }

// Account returns true and the user and server of dsn.
func (Factory) Account(dsn string) (bool, string) { return sink.URLAccount(dsn) }

// Open connects to the database named by dsn, with TLS as TLS describes.
// Connecting and logging in give up after the DSN's CONNECTION TIMEOUT
// or else opts.ConnectTimeout; go-ora's dialer sends TCP keepalives (Go's
// default, every 15 s).
func (f Factory) Open(ctx context.Context, dsn string, opts sink.Options) (sink.Sink, error) {
	c, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	tc, err := c.TLS(opts)
	if err != nil {
		return nil, err
	}
	// A server that accepts the connection and never answers must not
	// hang the import: the DSN's CONNECTION TIMEOUT (seconds) wins, else
	// opts' timeout bounds the dial and the login below.
	timeout := opts.Timeout()
	if v, ok := c.option("CONNECTION TIMEOUT"); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			timeout = time.Duration(n) * time.Second
		}
	} else {
		c.setOption("CONNECTION TIMEOUT", strconv.Itoa(max(1, int(timeout.Round(time.Second)/time.Second))))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var db *sql.DB
	if tc == nil {
		db, err = sql.Open("oracle", c.driverURL(opts.Password))
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", f.Redact(dsn), err)
		}
	} else {
		db = sql.OpenDB(tlsConnector{url: c.driverURL(opts.Password), tls: tc})
	}
	configurePool(db)
	if err := db.PingContext(ctx); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("no answer within the connect timeout of %s: %w", timeout, err)
		}
		return nil, errors.Join(fmt.Errorf("connect to %s: %w", f.Redact(dsn), err), db.Close())
	}
	var owner string
	if err := db.QueryRowContext(ctx, ownerSQL).Scan(&owner); err != nil || owner == "" {
		if err == nil {
			err = errors.New("empty")
		}
		return nil, errors.Join(fmt.Errorf("connect to %s: session user: %w", f.Redact(dsn), err), db.Close())
	}
	si, err := checkSession(ctx, db, c.remote(), opts.InsecureNoTLS)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("connect to %s: %w", f.Redact(dsn), err), db.Close())
	}
	d := dialect{maxName: si.maxName}
	return &Sink{db: db, name: f.Redact(dsn), batch: c.Batch, d: d, t: sqlsink.Target{Dialect: d, Schema: owner}, lockTimeout: opts.LockTimeout}, nil
}

// ownerSQL resolves the schema siftload's tables live in: the session
// user's own, whatever CURRENT_SCHEMA a logon trigger may set.
const ownerSQL = "SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL"

// TLS applies opts' TLS settings and the plain-text rule to c, and
// returns the TLS configuration of opts' PEM files (nil when there are
// none: go-ora's own settings apply).
//
// TLS is Oracle's TCPS, set by the DSN parameters go-ora reads: SSL=enable
// (TLS from the first byte, usually on port 2484), "SSL VERIFY" (true by
// default: the server's certificate is checked against the system's
// roots, or the certificates of a WALLET, and its host name) and WALLET
// (an Oracle wallet directory). A CA file, or a client certificate and
// key, turn SSL on; they then make the whole TLS configuration, so they
// cannot be mixed with a WALLET, with SSL off, or (a CA file) with SSL
// VERIFY=false.
//
// Unless opts.InsecureNoTLS, every address go-ora may connect to (the
// DSN's host, SERVER parameters, the addresses of a connStr descriptor,
// whose PROTOCOL wins over SSL) must use TCPS when it is not loopback: a
// plain-text connection to another host is refused.
func (c *Config) TLS(opts sink.Options) (*tls.Config, error) {
	files := opts.CAFile != "" || opts.CertFile != "" || opts.KeyFile != ""
	if files {
		if _, ok := c.option("WALLET"); ok {
			return nil, errors.New("oracle: a WALLET and CA or certificate files are two TLS configurations: use one")
		}
		if v, ok := c.option("SSL"); ok && !isTrue(v) {
			return nil, fmt.Errorf("oracle: CA or certificate files given but SSL=%s", v)
		}
		if v, ok := c.option("SSL VERIFY"); ok && !isTrue(v) && opts.CAFile != "" {
			return nil, fmt.Errorf("oracle: a CA file given but SSL VERIFY=%s", v)
		}
		c.setOption("SSL", "enable")
	}
	// go-ora's own reading of the URL says where it will connect and how.
	// The password stays out of it: its errors may quote the URL.
	dc, err := go_ora.ParseConfig(c.driverURL(preparsePassword))
	if err != nil {
		return nil, fmt.Errorf("oracle DSN: %w", err)
	}
	if !opts.InsecureNoTLS && dc.UnixAddress == "" {
		for _, srv := range dc.Servers {
			tcps := dc.SSL
			switch strings.ToLower(srv.Protocol) {
			case "tcps":
				tcps = true
			case "tcp":
				tcps = false
			}
			if !tcps && !sink.IsLoopback(srv.Addr) {
				return nil, fmt.Errorf("oracle: plain-text connection to %s refused: use TCPS (SSL=enable with a CA file or a WALLET), or allow it explicitly", srv.Addr)
			}
		}
	}
	if !files {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !dc.SSLVerify}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("oracle: CA file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("oracle: CA file %s holds no PEM certificate", opts.CAFile)
		}
	}
	if opts.CertFile != "" || opts.KeyFile != "" {
		if opts.CertFile == "" || opts.KeyFile == "" {
			return nil, errors.New("oracle: a client certificate and its key go together")
		}
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("oracle: client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// option returns the value of the DSN parameter name (go-ora reads
// parameter names in any letter case).
func (c *Config) option(name string) (string, bool) {
	for k, v := range c.Options {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// setOption sets the DSN parameter name, replacing it in any letter case.
func (c *Config) setOption(name, value string) {
	for k := range c.Options {
		if strings.EqualFold(k, name) {
			delete(c.Options, k)
		}
	}
	if c.Options == nil {
		c.Options = make(map[string]string)
	}
	c.Options[name] = value
}

// isTrue reports whether go-ora reads v as on.
func isTrue(v string) bool {
	switch strings.ToUpper(v) {
	case "TRUE", "ENABLE", "ENABLED":
		return true
	}
	return false
}

// tlsConnector opens go-ora connections, each with a copy of one TLS
// configuration: go-ora writes the server's name into the one it is
// given, so a shared one would race.
type tlsConnector struct {
	url string
	tls *tls.Config
}

func (c tlsConnector) Connect(ctx context.Context) (driver.Conn, error) {
	oc, ok := go_ora.NewConnector(c.url).(*go_ora.OracleConnector)
	if !ok {
		return nil, errors.New("oracle: go-ora connector of an unknown type")
	}
	oc.WithTLSConfig(c.tls.Clone())
	return oc.Connect(ctx)
}

func (tlsConnector) Driver() driver.Driver { return go_ora.NewDriver() }

// Sink loads into one Oracle schema (the user's). It is safe for
// concurrent use.
type Sink struct {
	db    *sql.DB
	name  string // redacted DSN
	batch int
	t     sqlsink.Target // the owner every statement names
	d     dialect        // with the database's identifier limit

	// DDL and locks (ddl.go): lockTimeout bounds lock waits; ddlMu
	// serializes this Sink's table creation; indexed holds the
	// one-table tables whose index is known to exist.
	lockTimeout time.Duration
	ddlMu       sync.Mutex
	indexed     map[string]bool

	ledger sqlsink.LedgerOnce
}

// Close closes the connections.
func (s *Sink) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.name, err)
	}
	return nil
}

// dialect is Oracle's sqlsink.Dialect. maxName is the database's identifier
// limit in bytes, 0 for 128 (see names.go).
type dialect struct{ maxName int }

// storedName returns name as Oracle stores it when quoted by this sink:
// upper-cased unless it holds an upper-case letter.
func storedName(name string) string {
	if strings.IndexFunc(name, unicode.IsUpper) >= 0 {
		return name
	}
	return strings.ToUpper(name)
}

// sinkName maps a name Oracle stores back to siftload's: lower case when
// it is all upper case.
func sinkName(stored string) string {
	if stored == strings.ToUpper(stored) {
		return strings.ToLower(stored)
	}
	return stored
}

func (d dialect) Quote(name string) string { return sqlsink.QuoteIdent(d.stored(name)) }
func (dialect) Placeholder(n int) string   { return ":" + strconv.Itoa(n) }
func (dialect) MaxIdent() int              { return 128 }

// Reserved: Oracle names its own objects SYS_... and ORA_....
func (dialect) Reserved() []string { return []string{"sys_", "ora_"} }

// IndexSQL: Oracle qualifies both, so the index is the owner's too.
func (d dialect) IndexSQL(schema, index, table, column string) string {
	return "CREATE INDEX " + sqlsink.QuoteIdent(schema) + "." + d.Quote(index) + " ON " + sqlsink.QuoteIdent(schema) + "." + d.Quote(table) + " (" + d.Quote(column) + ")"
}

// maxVarchar is VARCHAR2's limit in bytes (MAX_STRING_SIZE=STANDARD).
const maxVarchar = 4000

func (dialect) ColumnType(t schema.Type, maxLen int) string {
	switch t {
	case schema.Integer:
		return "NUMBER(19)"
	case schema.Decimal:
		return "NUMBER"
	case schema.Date:
		return "DATE"
	case schema.Timestamp:
		return "TIMESTAMP(9)"
	case schema.TimestampTZ:
		return "TIMESTAMP(9) WITH TIME ZONE"
	}
	if maxLen > maxVarchar {
		return "CLOB"
	}
	return fmt.Sprintf("VARCHAR2(%d CHAR)", varcharLen(maxLen))
}

// Limits: 1,000 columns a table, nanosecond timestamps, NUL kept.
func (dialect) Limits() schema.Limits { return schema.Limits{MaxColumns: 1000} }

// Limits returns what Oracle can store (see sink.Limiter).
func (s *Sink) Limits() schema.Limits { return Dialect.Limits() }

// varcharLen is the declared length of a VARCHAR2 column whose longest
// value has maxLen bytes (0: unknown): room for longer values of a later
// version of the file, at least 32, at most 4000.
func varcharLen(maxLen int) int {
	if maxLen <= 0 {
		return maxVarchar
	}
	n := 32
	for n < maxLen {
		n *= 2
	}
	return min(n, maxVarchar)
}

// Dialect is the SQL dialect of this sink.
var Dialect sqlsink.Dialect = dialect{}

// typeOf maps USER_TAB_COLUMNS' DATA_TYPE and DATA_SCALE (nil: none) to
// a schema type.
func typeOf(dataType string, scale sql.NullInt64) schema.Type {
	switch {
	case dataType == "NUMBER" && scale.Valid && scale.Int64 == 0:
		return schema.Integer
	case dataType == "NUMBER" || dataType == "FLOAT" || dataType == "BINARY_DOUBLE" || dataType == "BINARY_FLOAT":
		return schema.Decimal
	case dataType == "DATE":
		return schema.Date
	case strings.HasPrefix(dataType, "TIMESTAMP") && strings.HasSuffix(dataType, "TIME ZONE"):
		return schema.TimestampTZ
	case strings.HasPrefix(dataType, "TIMESTAMP"):
		return schema.Timestamp
	default:
		return schema.Text
	}
}

// column is a column as USER_TAB_COLUMNS describes it.
type column struct {
	schema.Column
	lob   bool          // CLOB or NCLOB
	scale sql.NullInt64 // NUMBER(p,s)'s s, TIMESTAMP(f)'s f; not Valid: none (see checkScales)
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// columnsSQL reads the columns of the owner's table (a table: not a view,
// not a synonym).
const columnsSQL = `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.DATA_SCALE, c.CHAR_LENGTH FROM ALL_TAB_COLUMNS c ` +
	`WHERE c.OWNER = :1 AND c.TABLE_NAME = :2 ` +
	`AND EXISTS (SELECT 1 FROM ALL_TABLES t WHERE t.OWNER = c.OWNER AND t.TABLE_NAME = c.TABLE_NAME) ORDER BY c.COLUMN_ID`

func columns(ctx context.Context, q querier, t sqlsink.Target, table string) ([]column, bool, error) {
	rows, err := q.QueryContext(ctx, columnsSQL, t.Schema, storedIn(t, table))
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, dataType string
		var scale, charLen sql.NullInt64
		if err := rows.Scan(&name, &dataType, &scale, &charLen); err != nil {
			return nil, false, err
		}
		c := column{Column: schema.Column{Name: sinkName(name), Type: typeOf(dataType, scale)}}
		if dataType == "VARCHAR2" || dataType == "NVARCHAR2" || dataType == "CHAR" || dataType == "NCHAR" {
			c.MaxLen = int(charLen.Int64)
		}
		c.lob = dataType == "CLOB" || dataType == "NCLOB"
		if dataType == "NUMBER" || strings.HasPrefix(dataType, "TIMESTAMP") {
			c.scale = scale
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if err := restoreNames(ctx, q, storedIn(t, table), cols); err != nil {
		return nil, false, err
	}
	return cols, len(cols) > 0, nil
}

func plain(cols []column) []schema.Column {
	if cols == nil {
		return nil
	}
	out := make([]schema.Column, len(cols))
	for i, c := range cols {
		out[i] = c.Column
	}
	return out
}

// Columns returns the columns of table in the user's schema,
// SourceKeyColumn included.
func (s *Sink) Columns(ctx context.Context, table string) ([]schema.Column, bool, error) {
	cols, ok, err := columns(ctx, s.db, s.t, table)
	if err != nil {
		return nil, false, fmt.Errorf("columns of %s: %w", table, err)
	}
	return plain(cols), ok, nil
}

func ledger(ctx context.Context, q querier, query, key string) (sink.LedgerEntry, bool, error) {
	return sqlsink.LedgerRow(wallUTCScan(q.QueryRowContext(ctx, query, key).Scan))
}

// Ledger returns the ledger row of key; ok=false also when no load ever
// created the ledger.
func (s *Sink) Ledger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	e, ok, err := ledger(ctx, s.db, sqlsink.LedgerSelectSQL(s.t), key)
	if oraCode(err) == errNoTable {
		return sink.LedgerEntry{}, false, nil
	}
	if err != nil {
		return sink.LedgerEntry{}, false, fmt.Errorf("ledger of %s: %w", key, err)
	}
	return e, ok, nil
}

// createTable runs DDL on a connection of its own (it commits by itself)
// and says whether it created the table: a table created meanwhile by
// another load is no error. See ddl.go.
// The statements after the first (the index, comments) run only when it
// created the table; created is true once it did, even when they fail.
func (s *Sink) createTable(ctx context.Context, stmts []string) (created bool, err error) {
	taken := false
	err = s.ddl(ctx, stmts[:1], func(_ int, err error) bool {
		taken = oraCode(err) == errNameUsed
		return taken
	})
	if err != nil || taken {
		return false, err
	}
	return true, s.ddl(ctx, stmts[1:], nil)
}

func (s *Sink) ensureLedger(ctx context.Context) error {
	return s.ledger.Ensure(ctx, s.t.Schema, func(ctx context.Context) error {
		_, exists, err := columns(ctx, s.db, s.t, sink.LedgerTable)
		if err != nil || exists {
			return err
		}
		_, err = s.createTable(ctx, []string{sqlsink.LedgerDDL(s.t, false)})
		return err
	})
}

// CheckTable refuses names Oracle cannot take or reserves; see
// sqlsink.CheckTableName.
func (s *Sink) CheckTable(table string) error { return sqlsink.CheckTableName(Dialect, table) }

// Load writes one file; see package sink and, for the table a failed first
// load leaves, this package's comment.
func (s *Sink) Load(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	if err := s.ensureLedger(ctx); err != nil {
		return sink.Result{}, sink.WrapLoad(job, err)
	}
	var l *loadTx
	res, err := sqlsink.LoadSQL(ctx, s.db, job, src, func(tx *sql.Tx) sqlsink.LoadTx { l = &loadTx{s: s, tx: tx}; return l })
	if err != nil && l != nil && l.created && !job.OneTable {
		// The failed first load's table, rolled back, is empty.
		if derr := s.dropIfUnused(ctx, job.Table.Name, job.Key); derr != nil {
			err = errors.Join(err, fmt.Errorf("drop the new table %s: %w", job.Table.Name, derr))
		}
	}
	return res, err
}

// placeholderSHA256 marks the ledger row a load inserts for a new key
// before it loads; it never commits.
const placeholderSHA256 = "loading"

// loadTx is one Load's transaction.
type loadTx struct {
	s           *Sink
	tx          *sql.Tx
	placeholder bool // the key's ledger row is this load's placeholder
	prepared    bool // PrepareTable has run
	created     bool // PrepareTable created the table
	scales      []sql.NullInt64
	lob         []bool // per job column: the table's column is a LOB
}

func (l *loadTx) exec(ctx context.Context, query string, args ...any) error {
	_, err := l.tx.ExecContext(ctx, query, args...)
	return err
}

// lockLedgerSQL returns the ledger SELECT that locks the key's row.
func lockLedgerSQL(t sqlsink.Target) string { return sqlsink.LedgerSelectSQL(t) + " FOR UPDATE" }

func (l *loadTx) LockLedger(ctx context.Context, key string) (sink.LedgerEntry, bool, error) {
	for range 3 {
		e, ok, err := ledger(ctx, l.tx, lockLedgerSQL(l.s.t)+waitClause(l.s.lockTimeout), key)
		if err != nil || ok {
			return e, ok, l.s.lockTimeoutErr("the ledger row of "+key, err)
		}
		// No row to lock: insert one. A concurrent load of the key
		// waits here on the primary key and gets ORA-00001 once this
		// one commits; it then finds the committed row above.
		wctx, cancel := context.WithTimeout(ctx, l.s.lockWait())
		err = sqlsink.PutLedger(wctx, l.s.t, sink.LedgerEntry{
			Key: key, Table: "-", SHA256: placeholderSHA256, LoadedAt: time.Now().UTC(),
		}, false, bindTime, l.exec)
		cancel()
		if err != nil && wctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return sink.LedgerEntry{}, false, fmt.Errorf("%w: another load of %s: waited %s: %w", ErrLockTimeout, key, l.s.lockWait(), err)
		}
		if err == nil {
			l.placeholder = true
			return sink.LedgerEntry{}, false, nil
		}
		if oraCode(err) != errUniqueViolation {
			return sink.LedgerEntry{}, false, err
		}
	}
	return sink.LedgerEntry{}, false, errors.New("the ledger row of the key keeps changing")
}

func bindTime(t time.Time) any { return go_ora.TimeStamp(t) }

// lockTableSQL locks a table against every other writer until the
// transaction ends.
func lockTableSQL(t sqlsink.Target, table string) string {
	return "LOCK TABLE " + t.Table(table) + " IN EXCLUSIVE MODE"
}

// LockTable creates job's table when it does not exist (DDL commits by
// itself, see the package comment), then locks it until the load ends.
func (l *loadTx) LockTable(ctx context.Context, job sink.LoadJob) error {
	if err := l.PrepareTable(ctx, job); err != nil {
		return err
	}
	err := l.exec(ctx, lockTableSQL(l.s.t, job.Table.Name)+waitClause(l.s.lockTimeout))
	return l.s.lockTimeoutErr("table "+job.Table.Name, err)
}

func (l *loadTx) OtherKey(ctx context.Context, table, key string) (string, bool, error) {
	return sqlsink.OtherKey(ctx, l.s.t, sqlsink.QueryRow(l.tx), table, key)
}

func (l *loadTx) PrepareTable(ctx context.Context, job sink.LoadJob) error {
	if l.prepared {
		return nil
	}
	// One load of this Sink at a time creates tables and indexes.
	l.s.ddlMu.Lock()
	defer l.s.ddlMu.Unlock()
	cols, exists, err := columns(ctx, l.tx, l.s.t, job.Table.Name)
	if err != nil {
		return fmt.Errorf("columns of %s: %w", job.Table.Name, err)
	}
	if !exists {
		stmts, err := sqlsink.CreateTableSQL(l.s.t, generousWidths(job.Table), job.OneTable)
		if err != nil {
			return err
		}
		stmts = append(stmts, commentSQL(l.s.t, job.Table.Name, schema.ColumnNamesOf(job.Table.Columns))...)
		if l.created, err = l.s.createTable(ctx, stmts); err != nil {
			return fmt.Errorf("create table %s: %w", job.Table.Name, err)
		}
		if cols, _, err = columns(ctx, l.tx, l.s.t, job.Table.Name); err != nil {
			return fmt.Errorf("columns of %s: %w", job.Table.Name, err)
		}
	}
	if err := sqlsink.CheckExisting(job, plain(cols)); err != nil {
		return err
	}
	if job.OneTable {
		if err := l.s.ensureIndex(ctx, job.Table.Name); err != nil {
			return err
		}
	}
	l.lob = lobColumns(job, cols)
	l.scales = scaleLimits(job, cols)
	l.prepared = true
	return nil
}

// lobColumns says which of job's columns are LOBs in the table.
func lobColumns(job sink.LoadJob, cols []column) []bool {
	isLob := make(map[string]bool, len(cols))
	for _, c := range cols {
		isLob[c.Name] = c.lob
	}
	lob := make([]bool, len(job.Table.Columns))
	for i, jc := range job.Table.Columns {
		lob[i] = isLob[jc.Name]
	}
	return lob
}

func (l *loadTx) DeleteRows(ctx context.Context, job sink.LoadJob) error {
	return sqlsink.DeleteRows(ctx, l.s.t, job, l.exec)
}

func (l *loadTx) Insert(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (int64, error) {
	q := sqlsink.InsertSQL(l.s.t, job.Table.Name, sqlsink.InsertColumns(job), 1)
	// Parsed once per load (go-ora re-executes a prepared cursor).
	stmt, err := l.tx.PrepareContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("prepare insert: %w", err)
	}
	defer stmt.Close()
	exec := func(ctx context.Context, args []any) (int64, error) {
		r, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		return r.RowsAffected()
	}
	w := &writer{insert: exec, sql: l.exec, scales: l.scales}
	return insertBatches(ctx, job, src, l.lob, l.s.batch, w)
}

// PutLedger updates the key's row when update or when LockLedger inserted
// a placeholder for it.
func (l *loadTx) PutLedger(ctx context.Context, e sink.LedgerEntry, update bool) error {
	return sqlsink.PutLedger(ctx, l.s.t, e, update || l.placeholder, bindTime, l.exec)
}

// execFunc runs the INSERT with one array per column and returns the rows
// it inserted.
type execFunc func(ctx context.Context, args []any) (int64, error)

// insertBatches reads src into batches of batchRows rows (see batch.go),
// one array per column (SourceKeyColumn first in one-table mode), and
// hands each full batch and the last one to w. lob says which job
// columns are LOBs.
func insertBatches(ctx context.Context, job sink.LoadJob, src sink.RecordSource, lob []bool, batchRows int, w *writer) (int64, error) {
	b := newBatch(job, lob, batchRows)
	w.rj, _ = src.(sink.RecordRejecter)
	var inserted, sent int64
	flush := func() error {
		n, err := w.write(ctx, b, sent)
		if err != nil {
			return fmt.Errorf("insert rows %d to %d: %w", sent+1, sent+int64(b.n), err)
		}
		inserted += n
		sent += int64(b.n)
		b.reset()
		b.untrack()
		return ctx.Err()
	}
	for src.Next() {
		vals, err := src.Values()
		if err != nil {
			return inserted, fmt.Errorf("record %d: %w", inserted+int64(b.n)+1, err)
		}
		err = checkScales(job.Table.Columns, w.scales, vals)
		if err == nil {
			err = b.add(vals)
		}
		if err != nil {
			if w.rj == nil {
				return inserted, fmt.Errorf("record %d: %w", sent+int64(b.n)+1, err)
			}
			if rerr := w.rj.Reject(w.rj.Record(), err); rerr != nil {
				return inserted, rerr
			}
			continue
		}
		b.track(w.rj, vals)
		if b.full(batchRows) {
			if err := flush(); err != nil {
				return inserted, err
			}
		}
	}
	if err := src.Err(); err != nil {
		return inserted, err
	}
	if b.n > 0 {
		if err := flush(); err != nil {
			return inserted, err
		}
	}
	return inserted, nil
}

// batch holds rows column by column, in the Go types go-ora binds as
// arrays: sql.NullInt64 (NUMBER), *go_ora.Number (NUMBER, exact),
// go_ora.NullTimeStamp (DATE and TIMESTAMP), go_ora.NullTimeStampTZ
// (TIMESTAMP WITH TIME ZONE), sql.NullString (VARCHAR2) and
// go_ora.Clob (a LOB column whose batch has a value too long for a
// VARCHAR2 bind).
type batch struct {
	key   string // one-table mode: the SourceKeyColumn value
	cols  []*bindCol
	n     int
	recs  []int64 // each row's source record number, when known
	bytes int     // about the bytes of the values
}

type bindCol struct {
	name  string
	typ   schema.Type
	lob   bool
	ints  []sql.NullInt64
	nums  []*go_ora.Number
	times []go_ora.NullTimeStamp
	tzs   []go_ora.NullTimeStampTZ
	strs  []sql.NullString
	long  bool // a string of this batch exceeds maxVarchar bytes
}

func newBatch(job sink.LoadJob, lob []bool, rows int) *batch {
	b := &batch{}
	if job.OneTable {
		b.key = job.Key
		b.cols = append(b.cols, &bindCol{name: sink.SourceKeyColumn, typ: schema.Text})
	}
	for i, c := range job.Table.Columns {
		b.cols = append(b.cols, &bindCol{name: c.Name, typ: c.Type, lob: i < len(lob) && lob[i]})
	}
	for _, c := range b.cols {
		switch c.typ {
		case schema.Integer:
			c.ints = make([]sql.NullInt64, 0, rows)
		case schema.Decimal:
			c.nums = make([]*go_ora.Number, 0, rows)
		case schema.Date, schema.Timestamp:
			c.times = make([]go_ora.NullTimeStamp, 0, rows)
		case schema.TimestampTZ:
			c.tzs = make([]go_ora.NullTimeStampTZ, 0, rows)
		default:
			c.strs = make([]sql.NullString, 0, rows)
		}
	}
	return b
}

func (b *batch) add(vals []any) error {
	cols := b.cols
	if b.key != "" {
		cols = cols[1:]
	}
	if len(vals) != len(cols) {
		return fmt.Errorf("%d values for %d columns", len(vals), len(cols))
	}
	if b.key != "" {
		b.cols[0].strs = append(b.cols[0].strs, sql.NullString{String: b.key, Valid: true})
	}
	for i, c := range cols {
		if err := c.add(vals[i]); err != nil {
			// Undo the row's earlier columns.
			b.truncate()
			return fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	b.n++
	return nil
}

// truncate drops the values of a partly added row.
func (b *batch) truncate() {
	for _, c := range b.cols {
		c.ints, c.nums, c.times, c.strs = c.ints[:min(len(c.ints), b.n)], c.nums[:min(len(c.nums), b.n)], c.times[:min(len(c.times), b.n)], c.strs[:min(len(c.strs), b.n)]
		c.tzs = c.tzs[:min(len(c.tzs), b.n)]
	}
}

func (c *bindCol) add(v any) error {
	switch c.typ {
	case schema.Integer:
		switch x := v.(type) {
		case nil:
			c.ints = append(c.ints, sql.NullInt64{})
		case int64:
			c.ints = append(c.ints, sql.NullInt64{Int64: x, Valid: true})
		default:
			return fmt.Errorf("want an int64, got a %T", v)
		}
	case schema.Decimal:
		switch x := v.(type) {
		case nil:
			c.nums = append(c.nums, nil)
		case string:
			n, err := Number(x)
			if err != nil {
				return err
			}
			c.nums = append(c.nums, n)
		case int64:
			n, err := go_ora.NewNumberFromInt64(x)
			if err != nil {
				return err
			}
			c.nums = append(c.nums, n)
		default:
			return fmt.Errorf("want a decimal string, got a %T", v)
		}
	case schema.Date, schema.Timestamp:
		switch x := v.(type) {
		case nil:
			c.times = append(c.times, go_ora.NullTimeStamp{})
		case time.Time:
			c.times = append(c.times, go_ora.NullTimeStamp{TimeStamp: go_ora.TimeStamp(x), Valid: true})
		default:
			return fmt.Errorf("want a time.Time, got a %T", v)
		}
	case schema.TimestampTZ:
		switch x := v.(type) {
		case nil:
			c.tzs = append(c.tzs, go_ora.NullTimeStampTZ{})
		case time.Time:
			c.tzs = append(c.tzs, go_ora.NullTimeStampTZ{TimeStampTZ: go_ora.TimeStampTZ(x), Valid: true})
		default:
			return fmt.Errorf("want a time.Time, got a %T", v)
		}
	default:
		switch x := v.(type) {
		case nil:
			c.strs = append(c.strs, sql.NullString{})
		case string:
			c.strs = append(c.strs, sql.NullString{String: x, Valid: true})
			if len(x) > maxVarchar {
				c.long = true
			}
		default:
			return fmt.Errorf("want a string, got a %T", v)
		}
	}
	return nil
}

// arg returns the column's array. A LOB column with a value longer than a
// VARCHAR2 bind goes as go_ora.Clob values, which go-ora writes as
// temporary LOBs (slower, one round trip each).
func (c *bindCol) arg() any {
	switch c.typ {
	case schema.Integer:
		return c.ints
	case schema.Decimal:
		return c.nums
	case schema.Date, schema.Timestamp:
		return c.times
	case schema.TimestampTZ:
		return c.tzs
	}
	if c.lob && c.long {
		clobs := make([]go_ora.Clob, len(c.strs))
		for i, s := range c.strs {
			clobs[i] = go_ora.Clob{String: s.String, Valid: s.Valid}
		}
		return clobs
	}
	return c.strs
}

func (b *batch) args() []any {
	args := make([]any, len(b.cols))
	for i, c := range b.cols {
		args[i] = c.arg()
	}
	return args
}

func (b *batch) reset() {
	for _, c := range b.cols {
		c.ints, c.nums, c.times, c.tzs, c.strs, c.long = c.ints[:0], c.nums[:0], c.times[:0], c.tzs[:0], c.strs[:0], false
	}
	b.n = 0
}

// maxDigits is the precision of Oracle's NUMBER.
const maxDigits = 38

// Number converts a canonical decimal ("-12.50", no exponent) to an exact
// Oracle number in Oracle's own byte form (see encodeNumber).
func Number(s string) (*go_ora.Number, error) {
	orig := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return nil, fmt.Errorf("decimal %q has no digits", orig)
	}
	for _, p := range []string{intPart, frac} {
		if strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return nil, fmt.Errorf("decimal %q is not canonical (want digits with one optional point)", orig)
		}
	}
	digits := intPart + frac
	first := strings.IndexFunc(digits, func(r rune) bool { return r != '0' })
	if first < 0 {
		return go_ora.NewNumberFromInt64(0)
	}
	mant := strings.TrimRight(digits[first:], "0")
	if len(mant) > maxDigits {
		return nil, fmt.Errorf("decimal %q has %d significant digits, Oracle's NUMBER keeps %d", orig, len(mant), maxDigits)
	}
	exp := len(intPart) - 1 - first
	nb, err := encodeNumber(neg, mant, exp)
	if err != nil {
		return nil, fmt.Errorf("decimal %q: %w", orig, err)
	}
	return goOraNumber(nb), nil
}

var _ sink.Sink = (*Sink)(nil)
