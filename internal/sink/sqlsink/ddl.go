package sqlsink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// Dialect is what the shared SQL of this package needs to know about a
// database. Each sink has one; the SQL built from it is the same for all.
// The statements number their placeholders in the order they appear, so
// positional "?" placeholders work too.
type Dialect interface {
	// Quote returns name as a quoted identifier. Every identifier siftload
	// writes goes through Quote, so reserved words ("select", "order",
	// "rows", "key") are safe as table and column names.
	Quote(name string) string
	// ColumnType returns the SQL type of a column of type t whose longest
	// value has maxLen bytes (0 when unknown).
	ColumnType(t schema.Type, maxLen int) string
	// Placeholder returns the bind placeholder of a statement's n-th
	// argument, 1-based: "?", "$n" or ":n".
	Placeholder(n int) string
	// MaxIdent is the longest identifier the database takes, in bytes.
	MaxIdent() int
	// Limits are what the database can store (see schema.Limits):
	// CreateTableSQL refuses a table of more than MaxColumns columns.
	Limits() schema.Limits
	// Reserved returns the prefixes of table names the database keeps
	// for itself ("pg_", "sqlite_"); CheckTableName refuses them.
	Reserved() []string
	// IndexSQL returns the CREATE INDEX of index on table's column, both
	// in schema; databases differ in which of the two names the schema
	// qualifies.
	IndexSQL(schema, index, table, column string) string
}

// Target is a Dialect bound to the schema a connection resolved once
// (PostgreSQL's current_schema(), the Oracle user, SQLite's "main"): every
// statement built from a Target names its tables with that schema, so a
// name is never resolved through the search path, a temporary or attached
// schema, a synonym or a system catalog.
type Target struct {
	Dialect
	// Schema is the resolved schema as the database stores it. It must
	// not be empty.
	Schema string
}

// Table returns name quoted and qualified with t's schema:
// "schema"."name". The schema is quoted as it is stored, name as
// Dialect.Quote quotes it.
func (t Target) Table(name string) string {
	if t.Schema == "" {
		// A statement without its schema is the bug this type prevents.
		panic("sink: Target without a schema")
	}
	return QuoteIdent(t.Schema) + "." + t.Quote(name)
}

// CheckTableName returns an error when name cannot be a table of d: it is
// no identifier of d (CheckIdent), it is the ledger's, or it starts (in
// any letter case) with a prefix d reserves, which wraps ErrReservedName.
func CheckTableName(d Dialect, name string) error {
	if err := CheckIdent(d, name); err != nil {
		return fmt.Errorf("table name: %w", err)
	}
	if strings.EqualFold(name, sink.LedgerTable) {
		return fmt.Errorf("%w: table name %s is siftload's ledger", sink.ErrReservedName, name)
	}
	for _, p := range d.Reserved() {
		if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
			return fmt.Errorf("%w: table name %s starts with %s, which the database keeps for its own tables", sink.ErrReservedName, name, p)
		}
	}
	return nil
}

// QuoteIdent returns name in double quotes with any double quote doubled,
// the SQL standard's quoted identifier.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// CheckIdent returns an error when name cannot be an identifier of d: it is
// empty, longer than d.MaxIdent() bytes (databases would cut it silently
// or refuse it) or holds a NUL byte.
func CheckIdent(d Dialect, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty identifier")
	case len(name) > d.MaxIdent():
		return fmt.Errorf("identifier %q is %d bytes long, the database takes at most %d", name, len(name), d.MaxIdent())
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("identifier %q holds a NUL byte", name)
	}
	return nil
}

// CreateTableSQL returns the statements that create table t in d's
// schema: CREATE TABLE with t's columns, preceded by SourceKeyColumn when
// oneTable, then (when oneTable) an index on SourceKeyColumn, which
// replacing a key deletes by. A name CheckTableName refuses is an error.
func CreateTableSQL(d Target, t schema.Table, oneTable bool) ([]string, error) {
	if err := CheckTableName(d, t.Name); err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("table %s has no columns", t.Name)
	}
	n := len(t.Columns)
	if oneTable {
		n++
	}
	if err := d.Limits().CheckColumns(n); err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(d.Table(t.Name))
	b.WriteString(" (")
	if oneTable {
		fmt.Fprintf(&b, "%s %s NOT NULL, ", d.Quote(sink.SourceKeyColumn), d.ColumnType(schema.Text, ledgerKeyLen))
	}
	for i, c := range t.Columns {
		if err := CheckIdent(d, c.Name); err != nil {
			return nil, fmt.Errorf("table %s: column name: %w", t.Name, err)
		}
		if oneTable && c.Name == sink.SourceKeyColumn {
			return nil, fmt.Errorf("table %s: column %s is siftload's in one-table mode", t.Name, c.Name)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Quote(c.Name))
		b.WriteByte(' ')
		b.WriteString(d.ColumnType(c.Type, c.MaxLen))
	}
	b.WriteByte(')')
	stmts := []string{b.String()}
	if oneTable {
		stmts = append(stmts, d.IndexSQL(d.Schema, derivedName(d, t.Name, "_"+sink.SourceKeyColumn), t.Name, sink.SourceKeyColumn))
	}
	return stmts, nil
}

// CreateTable runs the statements of CreateTableSQL for job's table with
// exec.
func CreateTable(ctx context.Context, d Target, job sink.LoadJob, exec ExecFunc) error {
	stmts, err := CreateTableSQL(d, job.Table, job.OneTable)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := exec(ctx, st); err != nil {
			return fmt.Errorf("create table %s: %w", job.Table.Name, err)
		}
	}
	return nil
}

// derivedName returns base+suffix, cut to d.MaxIdent() bytes with 8 hex
// digits of base's SHA-256 standing in for the cut part.
func derivedName(d Dialect, base, suffix string) string {
	if len(base)+len(suffix) <= d.MaxIdent() {
		return base + suffix
	}
	sum := sha256.Sum256([]byte(base))
	h := "_" + hex.EncodeToString(sum[:4])
	return base[:max(0, d.MaxIdent()-len(h)-len(suffix))] + h + suffix
}

// DeleteRowsSQL returns the statement that deletes a key's rows from table
// before its new version is inserted: in one-table mode the rows whose
// SourceKeyColumn is the statement's only argument, otherwise every row
// (the table holds one key).
func DeleteRowsSQL(d Target, table string, oneTable bool) string {
	if oneTable {
		return fmt.Sprintf("DELETE FROM %s WHERE %s = %s", d.Table(table), d.Quote(sink.SourceKeyColumn), d.Placeholder(1))
	}
	return "DELETE FROM " + d.Table(table)
}

// DeleteRows runs DeleteRowsSQL for job with exec, binding job's key in
// one-table mode.
func DeleteRows(ctx context.Context, d Target, job sink.LoadJob, exec ExecFunc) error {
	q := DeleteRowsSQL(d, job.Table.Name, job.OneTable)
	if job.OneTable {
		return exec(ctx, q, job.Key)
	}
	return exec(ctx, q)
}

// InsertSQL returns an INSERT of rows rows into table's columns cols, with
// the arguments row after row.
func InsertSQL(d Target, table string, cols []string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(d.Table(table))
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Quote(c))
	}
	b.WriteString(") VALUES ")
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.Placeholder(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// InsertColumns returns the columns a load of job inserts, in the order
// of the values it binds: SourceKeyColumn first in one-table mode, then
// the job's columns.
func InsertColumns(job sink.LoadJob) []string {
	names := make([]string, 0, len(job.Table.Columns)+1)
	if job.OneTable {
		names = append(names, sink.SourceKeyColumn)
	}
	for _, c := range job.Table.Columns {
		names = append(names, c.Name)
	}
	return names
}
