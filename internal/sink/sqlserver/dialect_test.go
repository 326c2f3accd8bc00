package sqlserver

import (
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

var tg = sqlsink.Target{Dialect: Dialect, Schema: "dbo"}

func TestSQL(t *testing.T) {
	one := sink.LoadJob{Key: "k", OneTable: true, Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "a"}, {Name: "b]"}}}}
	create, err := createTableSQL(tg, schema.Table{Name: "select", Columns: []schema.Column{
		{Name: "i", Type: schema.Integer}, {Name: "d", Type: schema.Decimal, MaxLen: 19}, {Name: "long", Type: schema.Decimal, MaxLen: 20},
		{Name: "day", Type: schema.Date}, {Name: "ts", Type: schema.Timestamp}, {Name: "tz", Type: schema.TimestampTZ}, {Name: "txt", Type: schema.Text},
	}}, true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name string
		Got  string
		Want string
	}{
		{Name: "Quote", Got: Dialect.Quote("we]ird"), Want: "[we]]ird]"},
		{Name: "Table", Got: tg.Table("order"), Want: `"dbo".[order]`},
		{Name: "CreateTable", Got: strings.Join(create, "; "),
			Want: `CREATE TABLE "dbo".[select] ([source_key] NVARCHAR(850) COLLATE Latin1_General_100_BIN2 NOT NULL, [i] BIGINT, [d] DECIMAL(38,19), [long] NVARCHAR(MAX), [day] DATE, [ts] DATETIME2(7), [tz] DATETIMEOFFSET(7), [txt] NVARCHAR(MAX)); CREATE INDEX [select_source_key] ON [dbo].[select] ([source_key])`},
		{Name: "Ledger", Got: ledgerDDL(tg),
			Want: `IF OBJECT_ID(@p1, 'U') IS NULL CREATE TABLE "dbo".[siftload_ledger] ([file_key] NVARCHAR(850) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY NONCLUSTERED, [table_name] NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL, [source] NVARCHAR(4000), [sha256] NVARCHAR(64) NOT NULL, [row_count] BIGINT NOT NULL, [rejected] BIGINT NOT NULL, [loaded_at] DATETIME2(7) NOT NULL, [version] NVARCHAR(100), [digest] NVARCHAR(64))`},
		{Name: "LedgerMigrate", Got: ledgerMigrateSQL(tg), Want: `ALTER TABLE "dbo".[siftload_ledger] ADD [digest] NVARCHAR(64)`},
		{Name: "LedgerSelect", Got: sqlsink.LedgerSelectSQL(tg),
			Want: `SELECT [file_key], [table_name], [source], [sha256], [row_count], [rejected], [loaded_at], [version], [digest] FROM "dbo".[siftload_ledger] WHERE [file_key] = @p1`},
		{Name: "Delete", Got: sqlsink.DeleteRowsSQL(tg, "t", true), Want: `DELETE FROM "dbo".[t] WHERE [source_key] = @p1`},
		{Name: "CopyIn", Got: copyInSQL(tg, one),
			Want: `INSERTBULK {"TableName":"\"dbo\".[t]","ColumnsName":["source_key","a","b]"],"Options":{"CheckConstraints":true,"FireTriggers":false,"KeepNulls":true,"KilobytesPerBatch":0,"RowsPerBatch":0,"Order":null,"Tablock":false}}`},
		{Name: "Session", Got: sessionSQL(90 * time.Second), Want: "SET QUOTED_IDENTIFIER ON; SET XACT_ABORT ON; SET ANSI_WARNINGS ON; SET ARITHABORT ON; SET LOCK_TIMEOUT 90000"},
	}
	for _, tt := range tests {
		if tt.Got != tt.Want {
			t.Errorf("%s:\n got %s\nwant %s", tt.Name, tt.Got, tt.Want)
		}
	}
}

func TestLimits(t *testing.T) {
	cols := func(n int, typ schema.Type) []schema.Column {
		c := make([]schema.Column, n)
		for i := range c {
			c[i] = schema.Column{Name: "c" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + strings.Repeat("y", i/26), Type: typ}
		}
		return c
	}
	tests := []struct {
		Name     string
		Columns  []schema.Column
		OneTable bool
		WantErr  string
	}{
		{Name: "Text1024", Columns: cols(1024, schema.Text), WantErr: ""},
		{Name: "Columns1025", Columns: cols(1025, schema.Date), WantErr: "1025 columns, the database takes at most 1024"},
		{Name: "Decimal474", Columns: cols(474, schema.Decimal)},
		{Name: "Decimal475", Columns: cols(475, schema.Decimal), WantErr: "SQL Server takes at most 8060"},
		{Name: "OneTableKey374", Columns: cols(374, schema.Decimal), OneTable: true},
		{Name: "OneTableKey375", Columns: cols(375, schema.Decimal), OneTable: true, WantErr: "SQL Server takes at most 8060"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			_, err := createTableSQL(tg, schema.Table{Name: "t", Columns: tt.Columns}, tt.OneTable)
			if tt.WantErr == "" && err != nil || tt.WantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.WantErr)) {
				t.Errorf("createTableSQL: %v, want %q", err, tt.WantErr)
			}
		})
	}
}

func TestRow(t *testing.T) {
	cols := createdColumns(sink.LoadJob{Table: schema.Table{Columns: []schema.Column{{Name: "d", Type: schema.Decimal}, {Name: "t"}}}})
	tests := []struct {
		Name    string
		One     bool
		Vals    []any
		Want    []any
		WantErr string
	}{
		{Name: "Plain", Vals: []any{"1.50", "x\x00y"}, Want: []any{"1.50", "x\x00y"}},
		{Name: "OneTable", One: true, Vals: []any{nil, "x"}, Want: []any{"k", nil, "x"}},
		{Name: "ZerosDropped", Vals: []any{"1." + strings.Repeat("0", 25), "x"}, Want: []any{"1." + strings.Repeat("0", 19), "x"}},
		{Name: "Rounds", Vals: []any{"0." + strings.Repeat("0", 19) + "1", "x"}, WantErr: "does not fit DECIMAL(38,19)"},
		{Name: "TooLarge", Vals: []any{strings.Repeat("9", 20), "x"}, WantErr: "does not fit DECIMAL(38,19)"},
		{Name: "Count", Vals: []any{"1"}, WantErr: "1 values for 2 columns"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			c := rowConverter{key: "k", one: tt.One, cols: cols}
			got, err := c.row(tt.Vals)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("row: %v, want %q", err, tt.WantErr)
				}
				return
			}
			if err != nil || len(got) != len(tt.Want) {
				t.Fatalf("row = %v, %v; want %v", got, err, tt.Want)
			}
			for i := range got {
				if got[i] != tt.Want[i] {
					t.Errorf("row[%d] = %#v, want %#v", i, got[i], tt.Want[i])
				}
			}
		})
	}
}

func TestLockResource(t *testing.T) {
	if got := lockResource("key", "dbo", "a.csv"); got != "siftload key dbo.a.csv" {
		t.Errorf("short: %q", got)
	}
	long1, long2 := lockResource("key", "dbo", strings.Repeat("x", 300)+"1"), lockResource("key", "dbo", strings.Repeat("x", 300)+"2")
	if len(long1) > 255 || long1 == long2 {
		t.Errorf("long names: %d bytes, distinct %v; want at most 255 and distinct", len(long1), long1 != long2)
	}
}

func TestTypeOf(t *testing.T) {
	for dataType, want := range map[string]schema.Type{
		"bigint": schema.Integer, "int": schema.Integer, "decimal": schema.Decimal, "numeric": schema.Decimal,
		"date": schema.Date, "datetime2": schema.Timestamp, "datetimeoffset": schema.TimestampTZ,
		"nvarchar": schema.Text, "varchar": schema.Text, "float": schema.Text, "uniqueidentifier": schema.Text,
	} {
		if got := typeOf(dataType); got != want {
			t.Errorf("typeOf(%q) = %v, want %v", dataType, got, want)
		}
	}
}

// TestColumnTyper: the import may guess a new table's types (the DDL is
// transactional), and a decimal too long for DECIMAL(38,19) makes another
// table, so that the import loads again with the column as text.
func TestColumnTyper(t *testing.T) {
	var s sink.Sink = &Sink{}
	ct, ok := s.(sink.ColumnTyper)
	if !ok {
		t.Fatal("the SQL Server sink is no sink.ColumnTyper")
	}
	if short, long := ct.ColumnType(schema.Decimal, maxDecimalLen), ct.ColumnType(schema.Decimal, maxDecimalLen+1); short != typeDecimal || long != typeText {
		t.Errorf("ColumnType of decimals of %d and %d bytes: %s, %s; want %s, %s", maxDecimalLen, maxDecimalLen+1, short, long, typeDecimal, typeText)
	}
}
