// Package sink defines how siftload writes chosen files into a database.
//
// A database is one Factory (registered in internal/sink/all) that opens a
// Sink. Every Sink keeps the ledger table siftload_ledger and honours the
// same contract, checked for each of them by internal/sink/sinktest:
//
//   - Load writes one file in one transaction: the table's rows for the key
//     (replaced when the ledger held another version), and the ledger row.
//     Either all of it commits or none of it does, whatever fails (a bad
//     record, a lost connection, a killed process).
//   - Load is idempotent per key+sha256: when the ledger already holds the
//     job's key with the job's SHA256 it returns StatusSkipped and does not
//     read the source.
//   - Two Loads of one key, from two processes or machines, never both write
//     it: the second one waits for the first and then sees it as skipped.
//   - A table holds one key unless LoadJob.OneTable: a Load checks that no
//     other key owns the table under a lock on the table that it holds
//     until it commits, so two Loads of different keys into one table
//     (from two plans, two processes) never both write it: the second
//     fails with ErrTableTaken.
//   - Every statement names its table with the schema the sink resolved
//     once per connection (see sqlsink.Target): no search path, temporary schema,
//     synonym or system catalog can redirect a write. Table names the
//     database reserves are refused (CheckTable) before anything is
//     written.
//   - Before committing, Load compares the rows it inserted with the job's
//     Rows less the source's rejected records, and fails on a difference.
//
// Sinks never read the environment or print: settings come in Options,
// results and errors go back to the caller.
//
// This package is the contract, the registry and the errors, as
// database/sql is for its users. What a sink on SQL needs to implement it
// (dialects, DDL, the ledger's statements, the load transaction) is the
// implementers' toolkit in internal/sink/sqlsink, as database/sql/driver
// is for drivers.
package sink

import (
	"context"
	"errors"
	"time"

	"github.com/siftload/siftload/internal/schema"
)

// LedgerTable is the name of the ledger table in every target.
const LedgerTable = "siftload_ledger"

// SourceKeyColumn is the column added in one-table mode that holds each
// row's key.
const SourceKeyColumn = "source_key"

// Errors shared by every sink.
var (
	// ErrDowngrade is returned when the ledger holds a version of the key
	// with more rows than the job and the job does not allow a downgrade.
	ErrDowngrade = errors.New("sink: ledger holds a fuller version")
	// ErrRowCount is returned when the rows inserted differ from the rows
	// expected.
	ErrRowCount = errors.New("sink: row count differs from plan")
	// ErrPasswordRequired is returned by Open when the server asked for
	// a password and none was given (Options.Password is empty), so that
	// the caller may ask for one and open again.
	ErrPasswordRequired = errors.New("sink: the server asks for a password")
	// ErrReservedName is returned for a table name that the database
	// keeps for itself.
	ErrReservedName = errors.New("sink: table name reserved by the database")
)

// Options are the settings a Factory needs beyond the DSN. The CLI/config
// layer resolves them (from flags, environment, secret files or a prompt).
type Options struct {
	// Password for the database user; never part of the DSN.
	Password string
	// TLS settings; zero values mean the sink's secure default.
	CAFile, CertFile, KeyFile string
	// InsecureNoTLS allows a plain-text connection to a non-loopback host.
	InsecureNoTLS bool

	// LockTimeout bounds every wait of a load for another load's lock
	// (the key's ledger row, a table, DDL); 0 means DefaultLockTimeout.
	LockTimeout time.Duration
	// Waiting, when set, is called when a load starts to wait for a lock
	// that another program holds, with what it waits for ("the write lock
	// of site.db ..."), so that the caller can say so; a sink that cannot
	// tell never calls it. It must not block.
	Waiting func(what string)
	// ConnectTimeout bounds connecting (TCP, TLS, login) unless the DSN
	// sets its own (PostgreSQL's connect_timeout); 0 means
	// DefaultConnectTimeout. Connections also send TCP keepalives.
	ConnectTimeout time.Duration

	// ReadOnly opens the database only to read it (a dry run): Open
	// creates nothing, no file and no ledger, and the sink is not asked
	// to Load. A database that does not exist yet opens as an empty one
	// whose Absent (see Absence) is true, where the sink can tell (a
	// SQLite file); elsewhere Open fails as it would otherwise.
	ReadOnly bool
}

// Absence is implemented by a sink opened ReadOnly that can tell that
// its database does not exist yet: it reads as an empty database.
type Absence interface {
	// Absent reports whether the database did not exist when opened.
	Absent() bool
}

// DefaultConnectTimeout is the connect timeout when Options has none.
const DefaultConnectTimeout = 15 * time.Second

// KeepAlive is the TCP keepalive period of every database connection: a
// peer that vanished is noticed in about a minute.
const KeepAlive = 15 * time.Second

// Timeout returns o.ConnectTimeout, or DefaultConnectTimeout.
func (o Options) Timeout() time.Duration {
	if o.ConnectTimeout > 0 {
		return o.ConnectTimeout
	}
	return DefaultConnectTimeout
}

// DefaultLockTimeout is the lock timeout when Options has none: time for
// another load of the same key to finish, and shorter than the import's
// default statement timeout, so that a lock wait fails with its own
// message.
const DefaultLockTimeout = 5 * time.Minute

// Factory opens sinks of one database kind. It holds everything siftload
// knows about that database's DSNs (as restic's backend registry does),
// so that no other package parses them. Its methods other than Open need
// no connection, and take DSNs that may not parse.
type Factory interface {
	// Scheme is the DSN scheme, e.g. "sqlite", "postgres", "oracle".
	Scheme() string
	// Usage returns the DSN's form ("postgres://USER@HOST:PORT/DB") and a
	// few words on the sink, for help.
	Usage() (dsn, about string)
	// Redact returns dsn with any secret removed, fit for printing.
	Redact(dsn string) string
	// Identity returns a name that every DSN of the same database (and
	// schema) shares and other databases do not, so that two sites that
	// would load into one database can be refused. It does not connect:
	// two host names of one server are two identities.
	Identity(dsn string) string
	// Account says whether the database of dsn takes a password and, when
	// dsn names a user, the user and server a password prompt asks about
	// ("postgres://loader@db:5432"), or "" when it names none.
	Account(dsn string) (takesPassword bool, account string)
	// Open connects to the database named by dsn.
	Open(ctx context.Context, dsn string, opts Options) (Sink, error)
}

// LocalFiler is implemented by a Factory whose database is files on the
// local disk (SQLite): analysis never reads them as data.
type LocalFiler interface {
	// LocalFiles returns the files of the database dsn names, or nil when
	// dsn does not parse.
	LocalFiles(dsn string) []string
}

// Sink writes files into one database.
type Sink interface {
	// Ledger returns the ledger row of key, or ok=false when the key was
	// never loaded.
	Ledger(ctx context.Context, key string) (e LedgerEntry, ok bool, err error)
	// Columns returns the columns of an existing table, or ok=false when
	// there is no such table. Types are mapped back to schema types as
	// closely as the dialect allows (anything unknown is schema.Text).
	Columns(ctx context.Context, table string) (cols []schema.Column, ok bool, err error)
	// CheckTable returns an error when the database cannot take table as
	// the name of a table siftload creates (a SQL sink: sqlsink.CheckTableName
	// with its dialect). It needs no connection.
	CheckTable(table string) error
	// Load writes one file; see the package comment for its contract.
	Load(ctx context.Context, job LoadJob, src RecordSource) (Result, error)
	// Close releases the connection.
	Close() error
}

// Limiter is implemented by a Sink whose database cannot store everything
// (every sink of siftload): the loader reads its limits before it infers
// or converts anything, so that a value the database would change or
// refuse is a bad record, or a file it cannot hold a problem, named before
// any write. It is found by type assertion.
type Limiter interface {
	// Limits returns what the database can store.
	Limits() schema.Limits
}

// LimitsOf returns s's limits when it is a Limiter, else no limits.
func LimitsOf(s Sink) schema.Limits {
	if l, ok := s.(Limiter); ok {
		return l.Limits()
	}
	return schema.Limits{}
}

// LoadJob says what to load and where.
type LoadJob struct {
	Key    string // logical file, the ledger's primary key
	Source string // archive locator of the chosen version
	SHA256 string // hex sha256 of the source's bytes, as in the plan
	Rows   int64  // data records in the source, as in the plan
	// Table is the target. When the table does not exist it is created
	// with these columns; when it exists, Columns name the existing
	// columns the values are bound to, in the order src gives them.
	Table schema.Table
	// OneTable: the table holds many keys; rows carry the key in
	// SourceKeyColumn (which Load adds to a table it creates, and fills;
	// it is not part of Table.Columns nor of src's values).
	OneTable bool
	// AllowDowngrade lets a job with fewer rows replace a fuller version.
	AllowDowngrade bool
	// Version is the siftload version written into the ledger.
	Version string
}

// RecordSource streams the converted records of one file. Its method set
// is pgx's CopyFromSource plus Rejected, so a sink may hand it straight to
// a bulk-load API.
type RecordSource interface {
	// Next advances to the next record; false at the end or on error.
	Next() bool
	// Values returns the current record's values, one per column of
	// LoadJob.Table, typed as package schema describes. The slice is valid
	// only until the next call to Next.
	Values() ([]any, error)
	// Err is the error that ended the stream, nil at a clean end. A source
	// whose bytes do not match the job's SHA256 ends with an error.
	Err() error
	// Rejected is the number of records set aside (written to a reject
	// file) instead of loaded; final once Next has returned false.
	Rejected() int64
}

// LedgerEntry is one row of the ledger.
type LedgerEntry struct {
	Key      string
	Table    string
	Source   string
	SHA256   string
	Rows     int64 // rows loaded
	Rejected int64
	LoadedAt time.Time
	Version  string
	// Digest is the content digest of the rows loaded (see Digest), ""
	// for a key loaded before siftload recorded digests.
	Digest string
}

// Status says what Load did.
type Status int

// Load outcomes.
const (
	StatusLoaded   Status = iota // new key
	StatusReplaced               // another version of the key was replaced
	StatusSkipped                // the ledger already held this version
)

// String returns "loaded", "replaced" or "skipped".
func (s Status) String() string {
	switch s {
	case StatusReplaced:
		return "replaced"
	case StatusSkipped:
		return "skipped"
	default:
		return "loaded"
	}
}

// Result is what Load did.
type Result struct {
	Status   Status
	Rows     int64 // rows inserted (0 when skipped)
	Rejected int64
	PrevRows int64 // rows of the replaced version (StatusReplaced)
	Elapsed  time.Duration
}

// SingleWriter is a Sink whose database takes one writer at a time
// (SQLite): loads at once would only wait for each other, so an import
// loads one key at a time unless told otherwise.
type SingleWriter interface {
	Sink
	SingleWriter()
}

// IsSingleWriter reports whether s is a SingleWriter.
func IsSingleWriter(s Sink) bool {
	_, ok := s.(SingleWriter)
	return ok
}
