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
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sijms/go-ora/v2/network"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// DefaultBatch is the rows per INSERT round trip unless the DSN says
// otherwise ("batch=5000").
const DefaultBatch = 1000

// Oracle error codes this sink acts on.
const (
	errUniqueViolation = 1    // ORA-00001
	errNameUsed        = 955  // ORA-00955
	errNoTable         = 942  // ORA-00942
	errColumnExists    = 1430 // ORA-01430: column being added already exists
)

func oraCode(err error) int {
	var oe *network.OracleError
	if errors.As(err, &oe) {
		return oe.ErrCode
	}
	return 0
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
		} else if opts.Password == "" && asksPassword(err) {
			err = fmt.Errorf("%w: %w", sink.ErrPasswordRequired, err)
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

// asksPassword reports whether err is the server's refusal of a logon
// without a password: ORA-01005 (null password given) or ORA-01017
// (invalid username/password), which a logon without one gets.
func asksPassword(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "ORA-01005") || strings.Contains(msg, "ORA-01017")
}

// ownerSQL resolves the schema siftload's tables live in: the session
// user's own, whatever CURRENT_SCHEMA a logon trigger may set.
const ownerSQL = "SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL"

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
	// migrated: the ledger has the digest column (or does not exist).
	migrated sqlsink.LedgerOnce
}

// Close closes the connections.
func (s *Sink) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.name, err)
	}
	return nil
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

var _ sink.Sink = (*Sink)(nil)
