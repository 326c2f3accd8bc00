package sqlsink

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// testDialect is a Dialect with numbered "?" placeholders.
type testDialect struct{ maxIdent int }

func (testDialect) Quote(name string) string { return QuoteIdent(name) }
func (testDialect) Placeholder(n int) string { return "?" + strconv.Itoa(n) }
func (d testDialect) MaxIdent() int          { return d.maxIdent }
func (testDialect) Limits() schema.Limits    { return schema.Limits{MaxColumns: 4} }
func (testDialect) Reserved() []string       { return []string{"sys_"} }
func (testDialect) IndexSQL(schema, index, table, column string) string {
	return "CREATE INDEX " + QuoteIdent(index) + " ON " + QuoteIdent(schema) + "." + QuoteIdent(table) + " (" + QuoteIdent(column) + ")"
}
func (testDialect) ColumnType(t schema.Type, maxLen int) string {
	if t == schema.Text && maxLen > 0 {
		return "VARCHAR(" + strconv.Itoa(maxLen) + ")"
	}
	return strings.ToUpper(t.String())
}

func TestCreateTableSQL(t *testing.T) {
	d := Target{testDialect{maxIdent: 63}, "s"}
	table := schema.Table{Name: "select", Columns: []schema.Column{
		{Name: "key", Type: schema.Text, MaxLen: 3},
		{Name: `we"ird`, Type: schema.Decimal},
		{Name: "at", Type: schema.Timestamp},
	}}
	tests := []struct {
		Name     string
		Table    schema.Table
		OneTable bool
		Want     []string
		WantErr  string
	}{
		{Name: "PerFile", Table: table, Want: []string{`CREATE TABLE "s"."select" ("key" VARCHAR(3), "we""ird" DECIMAL, "at" TIMESTAMP)`}},
		{Name: "OneTable", Table: table, OneTable: true, Want: []string{
			`CREATE TABLE "s"."select" ("source_key" VARCHAR(1000) NOT NULL, "key" VARCHAR(3), "we""ird" DECIMAL, "at" TIMESTAMP)`,
			`CREATE INDEX "select_source_key" ON "s"."select" ("source_key")`,
		}},
		{Name: "LongIndexName", Table: schema.Table{Name: strings.Repeat("t", 60), Columns: table.Columns[:1]}, OneTable: true, Want: []string{
			`CREATE TABLE "s"."` + strings.Repeat("t", 60) + `" ("source_key" VARCHAR(1000) NOT NULL, "key" VARCHAR(3))`,
			`CREATE INDEX "` + strings.Repeat("t", 43) + `_44091080_source_key" ON "s"."` + strings.Repeat("t", 60) + `" ("source_key")`,
		}},
		{Name: "NoColumns", Table: schema.Table{Name: "t"}, WantErr: "no columns"},
		{Name: "LongName", Table: schema.Table{Name: strings.Repeat("t", 64), Columns: table.Columns}, WantErr: "at most 63"},
		{Name: "EmptyColumn", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: ""}}}, WantErr: "empty identifier"},
		{Name: "TooManyColumns", Table: schema.Table{Name: "t", Columns: append(table.Columns[:3:3], table.Columns[:2]...)}, WantErr: "5 columns, the database takes at most 4"},
		{Name: "TooManyColumnsOneTable", Table: schema.Table{Name: "t", Columns: append(table.Columns[:3:3], schema.Column{Name: "x"})}, OneTable: true, WantErr: "5 columns, the database takes at most 4"},
		{Name: "Reserved", Table: schema.Table{Name: "SYS_x", Columns: table.Columns}, WantErr: "starts with sys_"},
		{Name: "Ledger", Table: schema.Table{Name: "siftload_ledger", Columns: table.Columns}, WantErr: "ledger"},
		{Name: "SourceKeyTaken", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "source_key"}}}, OneTable: true, WantErr: "one-table"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := CreateTableSQL(d, tt.Table, tt.OneTable)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("error = %v, want one with %q", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.Want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.Want, "\n"))
			}
			for _, st := range got {
				if strings.Contains(st, "CREATE INDEX") {
					name := strings.Split(st, `"`)[1]
					if len(name) > d.MaxIdent() {
						t.Errorf("index name %s is longer than %d", name, d.MaxIdent())
					}
				}
			}
		})
	}
}

func TestSQL(t *testing.T) {
	d := Target{testDialect{maxIdent: 63}, "s"}
	tests := []struct{ Name, Got, Want string }{
		{"Insert", InsertSQL(d, "t", []string{"a", "order"}, 2), `INSERT INTO "s"."t" ("a", "order") VALUES (?1, ?2), (?3, ?4)`},
		{"DeleteOneTable", DeleteRowsSQL(d, "t", true), `DELETE FROM "s"."t" WHERE "source_key" = ?1`},
		{"DeleteAll", DeleteRowsSQL(d, "t", false), `DELETE FROM "s"."t"`},
		{"LedgerDDL", LedgerDDL(d, true), `CREATE TABLE IF NOT EXISTS "s"."siftload_ledger" ("file_key" VARCHAR(1000) NOT NULL PRIMARY KEY, "table_name" VARCHAR(128) NOT NULL, "source" VARCHAR(4000), "sha256" VARCHAR(64) NOT NULL, "row_count" INTEGER NOT NULL, "rejected" INTEGER NOT NULL, "loaded_at" TIMESTAMP NOT NULL, "version" VARCHAR(100), "digest" VARCHAR(64))`},
		{"LedgerMigrate", LedgerMigrateSQL(d, true), `ALTER TABLE "s"."siftload_ledger" ADD COLUMN "digest" VARCHAR(64)`},
		{"LedgerMigrateOracle", LedgerMigrateSQL(d, false), `ALTER TABLE "s"."siftload_ledger" ADD ("digest" VARCHAR(64))`},
		{"LedgerList", LedgerListSQL(d), `SELECT "file_key", "table_name", "source", "sha256", "row_count", "rejected", "loaded_at", "version", "digest" FROM "s"."siftload_ledger" ORDER BY "file_key"`},
		{"CountRows", CountRowsSQL(d, "t", false), `SELECT COUNT(*) FROM "s"."t"`},
		{"CountRowsOneTable", CountRowsSQL(d, "t", true), `SELECT COUNT(*) FROM "s"."t" WHERE "source_key" = ?1`},
		{"LedgerSelect", LedgerSelectSQL(d), `SELECT "file_key", "table_name", "source", "sha256", "row_count", "rejected", "loaded_at", "version", "digest" FROM "s"."siftload_ledger" WHERE "file_key" = ?1`},
		{"LedgerInsert", LedgerInsertSQL(d), `INSERT INTO "s"."siftload_ledger" ("file_key", "table_name", "source", "sha256", "row_count", "rejected", "loaded_at", "version", "digest") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`},
		{"LedgerUpdate", LedgerUpdateSQL(d), `UPDATE "s"."siftload_ledger" SET "table_name" = ?1, "source" = ?2, "sha256" = ?3, "row_count" = ?4, "rejected" = ?5, "loaded_at" = ?6, "version" = ?7, "digest" = ?8 WHERE "file_key" = ?9`},
		{"OtherKey", OtherKeySQL(d), `SELECT "file_key" FROM "s"."siftload_ledger" WHERE "table_name" = ?1 AND "file_key" <> ?2`},
	}
	for _, tt := range tests {
		if tt.Got != tt.Want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.Name, tt.Got, tt.Want)
		}
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	e := sink.LedgerEntry{Key: "k", Table: "t", Source: "s", SHA256: "h", Rows: 3, Rejected: 1, LoadedAt: at, Version: "v", Digest: "d"}
	id := func(t time.Time) any { return t }
	if got := LedgerUpdateArgs(e, id); len(got) != 9 || got[0] != "t" || got[7] != "d" || got[8] != "k" || got[5] != any(at) {
		t.Errorf("LedgerUpdateArgs = %v", got)
	}
	if got := LedgerArgs(e, id); got[0] != "k" || got[4] != any(int64(3)) {
		t.Errorf("LedgerArgs = %v", got)
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		In   time.Time
		Want string
	}{
		{time.Date(2024, 2, 29, 13, 45, 56, 0, time.UTC), "2024-02-29 13:45:56"},
		{time.Date(2024, 2, 29, 13, 45, 56, 500000000, time.UTC), "2024-02-29 13:45:56.5"},
		{time.Date(2024, 2, 29, 13, 45, 56, 123456789, time.UTC), "2024-02-29 13:45:56.123456789"},
	}
	for _, tt := range tests {
		got := FormatTime(tt.In)
		if got != tt.Want {
			t.Errorf("FormatTime(%v) = %s, want %s", tt.In, got, tt.Want)
		}
		back, err := ParseTime(got)
		if err != nil || !back.Equal(tt.In) || back.Location() != time.UTC {
			t.Errorf("ParseTime(%s) = %v, %v", got, back, err)
		}
	}
	for _, s := range []string{"2024-02-29T13:45:56Z", "2024-02-29T13:45:56.5", "2024-02-29 15:45:56+02:00"} {
		if _, err := ParseTime(s); err != nil {
			t.Errorf("ParseTime(%s): %v", s, err)
		}
	}
	if _, err := ParseTime("29/02/2024"); err == nil {
		t.Errorf("ParseTime(29/02/2024) succeeded")
	}
}

func TestScanLedger(t *testing.T) {
	scan := func(at any) func(dest ...any) error {
		return func(dest ...any) error {
			*dest[0].(*string) = "k"
			*dest[1].(*string) = "t"
			*dest[4].(*int64) = 5
			*dest[6].(*any) = at
			return nil
		}
	}
	want := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, at := range []any{want, want.In(time.FixedZone("x", 3600)), "2024-01-02 03:04:05.000006", []byte("2024-01-02 03:04:05.000006")} {
		e, err := ScanLedger(scan(at))
		if err != nil || !e.LoadedAt.Equal(want) || e.LoadedAt.Location() != time.UTC || e.Key != "k" || e.Rows != 5 {
			t.Errorf("ScanLedger(loaded_at %v) = %+v, %v", at, e, err)
		}
	}
	if _, err := ScanLedger(scan(42)); err == nil {
		t.Errorf("ScanLedger(loaded_at 42) succeeded")
	}
}

// execCall is one call of a recording ExecFunc.
type execCall struct {
	Query string
	Args  []any
}

func recordExec(calls *[]execCall) ExecFunc {
	return func(_ context.Context, query string, args ...any) error {
		*calls = append(*calls, execCall{query, args})
		return nil
	}
}

func TestExecHelpers(t *testing.T) {
	d := Target{testDialect{maxIdent: 63}, "s"}
	ctx := context.Background()
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "a", Type: schema.Integer}}}}
	e := sink.LedgerEntry{Key: "k", Table: "t", LoadedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	id := func(t time.Time) any { return t }
	oneTable := job
	oneTable.OneTable = true
	tests := []struct {
		Name string
		Run  func(ExecFunc) error
		Want []execCall
	}{
		{"DeleteRows", func(x ExecFunc) error { return DeleteRows(ctx, d, job, x) },
			[]execCall{{DeleteRowsSQL(d, "t", false), nil}}},
		{"DeleteRowsOneTable", func(x ExecFunc) error { return DeleteRows(ctx, d, oneTable, x) },
			[]execCall{{DeleteRowsSQL(d, "t", true), []any{"k"}}}},
		{"CreateTable", func(x ExecFunc) error { return CreateTable(ctx, d, oneTable, x) },
			[]execCall{{`CREATE TABLE "s"."t" ("source_key" VARCHAR(1000) NOT NULL, "a" INTEGER)`, nil}, {`CREATE INDEX "t_source_key" ON "s"."t" ("source_key")`, nil}}},
		{"PutLedgerInsert", func(x ExecFunc) error { return PutLedger(ctx, d, e, false, id, x) },
			[]execCall{{LedgerInsertSQL(d), LedgerArgs(e, id)}}},
		{"PutLedgerUpdate", func(x ExecFunc) error { return PutLedger(ctx, d, e, true, id, x) },
			[]execCall{{LedgerUpdateSQL(d), LedgerUpdateArgs(e, id)}}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			var got []execCall
			if err := tt.Run(recordExec(&got)); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("got  %q\nwant %q", got, tt.Want)
			}
		})
	}
	boom := errors.New("boom")
	fail := func(context.Context, string, ...any) error { return boom }
	if err := CreateTable(ctx, d, job, fail); !errors.Is(err, boom) || !strings.Contains(err.Error(), "create table t") {
		t.Errorf("CreateTable with a failing exec = %v", err)
	}
}

func TestTargetPanicsWithoutSchema(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Table of a Target without a schema did not panic")
		}
	}()
	_ = Target{Dialect: testDialect{maxIdent: 63}}.Table("t")
}

func TestCheckTableName(t *testing.T) {
	d := testDialect{maxIdent: 63}
	tests := []struct {
		Name, Table string
		Reserved    bool
	}{
		{Name: "Plain", Table: "data_line01"},
		{Name: "Prefix", Table: "sys_tables", Reserved: true},
		{Name: "UpperCase", Table: "SYS_TABLES", Reserved: true},
		{Name: "Inside", Table: "x_sys_tables"},
		{Name: "Ledger", Table: "siftload_ledger", Reserved: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			err := CheckTableName(d, tt.Table)
			if got := errors.Is(err, sink.ErrReservedName); got != tt.Reserved {
				t.Errorf("CheckTableName(%s) = %v, want reserved %t", tt.Table, err, tt.Reserved)
			}
		})
	}
}
