package sqlsink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// The ledger's columns. Their names avoid words some databases reserve
// ("key", "rows"); they are quoted anyway, like every identifier.
const (
	colKey      = "file_key"
	colTable    = "table_name"
	colSource   = "source"
	colSHA256   = "sha256"
	colRows     = "row_count"
	colRejected = "rejected"
	colLoadedAt = "loaded_at"
	colVersion  = "version"
	// ColDigest is added to ledgers made before it (LedgerMigrateSQL).
	ColDigest = "digest"
)

// Text lengths the ledger declares where a dialect bounds text (Oracle's
// VARCHAR2): the key must fit an index entry.
const (
	ledgerKeyLen     = 1000
	ledgerSourceLen  = 4000
	ledgerTableLen   = 128
	ledgerSHA256Len  = 64
	ledgerVersionLen = 100
	ledgerDigestLen  = 64
)

// ledgerCols lists the ledger's columns in the order of LedgerArgs and
// ScanLedger.
var ledgerCols = []string{colKey, colTable, colSource, colSHA256, colRows, colRejected, colLoadedAt, colVersion, ColDigest}

// LedgerDDL returns the CREATE TABLE statement of the ledger, with "IF NOT
// EXISTS" when ifNotExists (not every dialect has it). Source, version
// and digest may be empty, which Oracle stores as NULL, so they are
// nullable.
func LedgerDDL(d Target, ifNotExists bool) string {
	text := func(n int) string { return d.ColumnType(schema.Text, n) }
	create := "CREATE TABLE "
	if ifNotExists {
		create += "IF NOT EXISTS "
	}
	return fmt.Sprintf(create+"%s (%s %s NOT NULL PRIMARY KEY, %s %s NOT NULL, %s %s, %s %s NOT NULL, %s %s NOT NULL, %s %s NOT NULL, %s %s NOT NULL, %s %s, %s %s)",
		d.Table(sink.LedgerTable),
		d.Quote(colKey), text(ledgerKeyLen),
		d.Quote(colTable), text(ledgerTableLen),
		d.Quote(colSource), text(ledgerSourceLen),
		d.Quote(colSHA256), text(ledgerSHA256Len),
		d.Quote(colRows), d.ColumnType(schema.Integer, 0),
		d.Quote(colRejected), d.ColumnType(schema.Integer, 0),
		d.Quote(colLoadedAt), d.ColumnType(schema.Timestamp, 0),
		d.Quote(colVersion), text(ledgerVersionLen),
		d.Quote(ColDigest), text(ledgerDigestLen),
	)
}

// LedgerMigrateSQL returns the ALTER TABLE that adds the digest column to
// a ledger made before it: "ALTER TABLE ledger ADD COLUMN digest TEXT"
// when addColumn, else Oracle's "ALTER TABLE ledger ADD (digest ...)". A
// sink runs it when the ledger lacks the column, taking "the column
// exists" (another process migrated it meanwhile) as success.
func LedgerMigrateSQL(d Target, addColumn bool) string {
	typ := d.ColumnType(schema.Text, ledgerDigestLen)
	if addColumn {
		return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", d.Table(sink.LedgerTable), d.Quote(ColDigest), typ)
	}
	return fmt.Sprintf("ALTER TABLE %s ADD (%s %s)", d.Table(sink.LedgerTable), d.Quote(ColDigest), typ)
}

func quoteAll(d Dialect, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = d.Quote(n)
	}
	return strings.Join(q, ", ")
}

// LedgerSelectSQL returns the SELECT of one ledger row, the key being the
// only argument; ScanLedger reads its result.
func LedgerSelectSQL(d Target) string {
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s",
		quoteAll(d, ledgerCols), d.Table(sink.LedgerTable), d.Quote(colKey), d.Placeholder(1))
}

// LedgerInsertSQL returns the INSERT of a ledger row, with LedgerArgs.
func LedgerInsertSQL(d Target) string {
	ph := make([]string, len(ledgerCols))
	for i := range ph {
		ph[i] = d.Placeholder(i + 1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)",
		d.Table(sink.LedgerTable), quoteAll(d, ledgerCols), strings.Join(ph, ", "))
}

// LedgerUpdateSQL returns the UPDATE of the ledger row of a key, with
// LedgerUpdateArgs.
func LedgerUpdateSQL(d Target) string {
	set := make([]string, 0, len(ledgerCols)-1)
	for i, c := range ledgerCols[1:] {
		set = append(set, d.Quote(c)+" = "+d.Placeholder(i+1))
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s",
		d.Table(sink.LedgerTable), strings.Join(set, ", "), d.Quote(colKey), d.Placeholder(len(ledgerCols)))
}

// LedgerArgs returns the arguments of LedgerInsertSQL for e. LoadedAt is
// passed as bindTime returns it, so that each sink binds timestamps its
// own way.
func LedgerArgs(e sink.LedgerEntry, bindTime func(time.Time) any) []any {
	return []any{e.Key, e.Table, e.Source, e.SHA256, e.Rows, e.Rejected, bindTime(e.LoadedAt), e.Version, e.Digest}
}

// LedgerUpdateArgs returns the arguments of LedgerUpdateSQL for e: those
// of LedgerArgs with the key moved last, where its placeholder is.
func LedgerUpdateArgs(e sink.LedgerEntry, bindTime func(time.Time) any) []any {
	a := LedgerArgs(e, bindTime)
	return append(a[1:], a[0])
}

// PutLedger writes e with exec: the key's row is updated when update,
// inserted otherwise. bindTime is as for LedgerArgs.
func PutLedger(ctx context.Context, d Target, e sink.LedgerEntry, update bool, bindTime func(time.Time) any, exec ExecFunc) error {
	if update {
		return exec(ctx, LedgerUpdateSQL(d), LedgerUpdateArgs(e, bindTime)...)
	}
	return exec(ctx, LedgerInsertSQL(d), LedgerArgs(e, bindTime)...)
}

// OtherKeySQL returns a SELECT of a key other than the second argument that
// the ledger holds for the table named by the first.
func OtherKeySQL(d Target) string {
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s AND %s <> %s",
		d.Quote(colKey), d.Table(sink.LedgerTable), d.Quote(colTable), d.Placeholder(1), d.Quote(colKey), d.Placeholder(2))
}

// ScanLedger reads a row of LedgerSelectSQL with scan, the Scan method of
// a database/sql or pgx row. LoadedAt may come back as a time.Time or as
// text in the layouts of ParseTime; it is returned in UTC.
func ScanLedger(scan func(dest ...any) error) (sink.LedgerEntry, error) {
	var (
		e               sink.LedgerEntry
		source, version sql.NullString
		digest          sql.NullString
		loadedAt        any
	)
	if err := scan(&e.Key, &e.Table, &source, &e.SHA256, &e.Rows, &e.Rejected, &loadedAt, &version, &digest); err != nil {
		return sink.LedgerEntry{}, err
	}
	e.Source, e.Version, e.Digest = source.String, version.String, digest.String
	switch v := loadedAt.(type) {
	case time.Time:
		e.LoadedAt = v.UTC()
	case string:
		t, err := ParseTime(v)
		if err != nil {
			return sink.LedgerEntry{}, fmt.Errorf("ledger row of %s: loaded_at: %w", e.Key, err)
		}
		e.LoadedAt = t
	case []byte:
		t, err := ParseTime(string(v))
		if err != nil {
			return sink.LedgerEntry{}, fmt.Errorf("ledger row of %s: loaded_at: %w", e.Key, err)
		}
		e.LoadedAt = t
	default:
		return sink.LedgerEntry{}, fmt.Errorf("ledger row of %s: loaded_at is a %T", e.Key, loadedAt)
	}
	return e, nil
}

// TimeLayout is the text form of timestamps where a database stores them
// as text (SQLite): ISO 8601 with a space, fractional seconds only when
// non-zero and without trailing zeros. Such texts sort as the times do.
const TimeLayout = "2006-01-02 15:04:05.999999999"

// FormatTime returns t's wall clock in TimeLayout.
func FormatTime(t time.Time) string {
	return t.Format(TimeLayout)
}

// ParseTime parses a timestamp written in TimeLayout, or with a "T" or a
// time zone (RFC 3339), as UTC.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{TimeLayout, "2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999 -0700 MST"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q in no known layout", s)
}

// QueryRowFunc runs query with args and returns its first row. A sink
// adapts its driver's call to it (database/sql's QueryRowContext, pgx's
// QueryRow). A query that returns no row must make Scan return an error
// that wraps sql.ErrNoRows, as both do (pgx.ErrNoRows wraps it).
type QueryRowFunc func(ctx context.Context, query string, args ...any) interface{ Scan(dest ...any) error }

// OtherKey runs OtherKeySQL with query: it returns a key other than key
// that the ledger holds for table, or ok=false.
func OtherKey(ctx context.Context, d Target, query QueryRowFunc, table, key string) (other string, ok bool, err error) {
	err = query(ctx, OtherKeySQL(d), table, key).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return other, true, nil
}

// LedgerRow reads a row of LedgerSelectSQL (or a statement that selects
// the same columns) with ScanLedger: ok=false when there is no row.
func LedgerRow(scan func(dest ...any) error) (e sink.LedgerEntry, ok bool, err error) {
	e, err = ScanLedger(scan)
	if errors.Is(err, sql.ErrNoRows) {
		return sink.LedgerEntry{}, false, nil
	}
	if err != nil {
		return sink.LedgerEntry{}, false, err
	}
	return e, true, nil
}

// LedgerOnce remembers the schemas whose ledger a sink knows to exist, so
// that it creates each at most once. The zero value is ready to use and
// it is safe for concurrent use.
type LedgerOnce struct {
	mu   sync.Mutex
	done map[string]bool
}

// Ensure calls create unless the ledger of schema is known to exist, and
// remembers it when create returns no error. create must itself be safe
// when the ledger exists or another process creates it meanwhile (a lock,
// IF NOT EXISTS, or an "already exists" error taken as success). Its error
// is wrapped with the ledger's name.
func (o *LedgerOnce) Ensure(ctx context.Context, schema string, create func(context.Context) error) error {
	o.mu.Lock()
	done := o.done[schema]
	o.mu.Unlock()
	if done {
		return nil
	}
	if err := create(ctx); err != nil {
		return fmt.Errorf("create %s: %w", sink.LedgerTable, err)
	}
	o.mu.Lock()
	if o.done == nil {
		o.done = make(map[string]bool)
	}
	o.done[schema] = true
	o.mu.Unlock()
	return nil
}

// RowQuerier is what database/sql's *DB, *Conn and *Tx have in common for
// one-row queries.
type RowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// QueryRow returns q's QueryRowContext as a QueryRowFunc.
func QueryRow(q RowQuerier) QueryRowFunc {
	return func(ctx context.Context, query string, args ...any) interface{ Scan(dest ...any) error } {
		return q.QueryRowContext(ctx, query, args...)
	}
}
