package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

var _ sinktest.Inspector = (*Sink)(nil)

// TestLive runs the conformance suite against the Oracle database named by
// SIFTLOAD_TEST_ORACLE_URL (oracle://USER@HOST:1521/SERVICE), with the
// password from SIFTLOAD_TEST_ORACLE_PASSWORD.
func TestLive(t *testing.T) {
	dsn := os.Getenv("SIFTLOAD_TEST_ORACLE_URL")
	if dsn == "" {
		t.Skip("skipping live Oracle tests: SIFTLOAD_TEST_ORACLE_URL is not set (oracle://USER@HOST:1521/SERVICE, password in SIFTLOAD_TEST_ORACLE_PASSWORD)")
	}
	sinktest.Run(t, Factory{}, dsn, sink.Options{Password: os.Getenv("SIFTLOAD_TEST_ORACLE_PASSWORD")})
}

func TestQuote(t *testing.T) {
	tests := []struct{ Input, Want string }{
		{"order_id", `"ORDER_ID"`},
		{"select", `"SELECT"`},
		{"rows", `"ROWS"`},
		{"c_1", `"C_1"`},
		{"MyCol", `"MyCol"`},
		{`a"b`, `"A""B"`},
	}
	for _, tt := range tests {
		if got := Dialect.Quote(tt.Input); got != tt.Want {
			t.Errorf("Quote(%q) = %s, want %s", tt.Input, got, tt.Want)
		}
	}
	for _, stored := range []string{"ORDER_ID", "SELECT", "MyCol", "C_1"} {
		if got := storedName(sinkName(stored)); got != stored {
			t.Errorf("storedName(sinkName(%q)) = %q", stored, got)
		}
	}
	if got := sinkName("ORDER_ID"); got != "order_id" {
		t.Errorf("sinkName(ORDER_ID) = %q, want order_id", got)
	}
	if got := Dialect.Placeholder(12); got != ":12" {
		t.Errorf("Placeholder(12) = %q", got)
	}
}

func TestColumnType(t *testing.T) {
	tests := []struct {
		Type   schema.Type
		MaxLen int
		Want   string
	}{
		{schema.Integer, 0, "NUMBER(19)"},
		{schema.Decimal, 12, "NUMBER"},
		{schema.Timestamp, 0, "TIMESTAMP(9)"},
		{schema.Date, 0, "DATE"},
		{schema.TimestampTZ, 0, "TIMESTAMP(9) WITH TIME ZONE"},
		{schema.Text, 0, "VARCHAR2(4000 CHAR)"},
		{schema.Text, 1, "VARCHAR2(32 CHAR)"},
		{schema.Text, 32, "VARCHAR2(32 CHAR)"},
		{schema.Text, 33, "VARCHAR2(64 CHAR)"},
		{schema.Text, 1000, "VARCHAR2(1024 CHAR)"},
		{schema.Text, 2049, "VARCHAR2(4000 CHAR)"},
		{schema.Text, 4000, "VARCHAR2(4000 CHAR)"},
		{schema.Text, 4001, "CLOB"},
	}
	for _, tt := range tests {
		if got := Dialect.ColumnType(tt.Type, tt.MaxLen); got != tt.Want {
			t.Errorf("ColumnType(%v, %d) = %s, want %s", tt.Type, tt.MaxLen, got, tt.Want)
		}
	}
}

func TestTypeOf(t *testing.T) {
	scale := func(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }
	tests := []struct {
		DataType string
		Scale    sql.NullInt64
		Want     schema.Type
	}{
		{"NUMBER", scale(0), schema.Integer},
		{"NUMBER", sql.NullInt64{}, schema.Decimal},
		{"NUMBER", scale(2), schema.Decimal},
		{"BINARY_DOUBLE", sql.NullInt64{}, schema.Decimal},
		{"TIMESTAMP(9)", sql.NullInt64{}, schema.Timestamp},
		{"TIMESTAMP(6) WITH TIME ZONE", sql.NullInt64{}, schema.TimestampTZ},
		{"TIMESTAMP(9) WITH LOCAL TIME ZONE", sql.NullInt64{}, schema.TimestampTZ},
		{"DATE", sql.NullInt64{}, schema.Date},
		{"VARCHAR2", sql.NullInt64{}, schema.Text},
		{"CLOB", sql.NullInt64{}, schema.Text},
		{"RAW", sql.NullInt64{}, schema.Text},
	}
	for _, tt := range tests {
		if got := typeOf(tt.DataType, tt.Scale); got != tt.Want {
			t.Errorf("typeOf(%s, %v) = %v, want %v", tt.DataType, tt.Scale, got, tt.Want)
		}
	}
}

func TestSQL(t *testing.T) {
	table := schema.Table{Name: "data_line01", Columns: []schema.Column{
		{Name: "id", Type: schema.Integer},
		{Name: "order", Type: schema.Text, MaxLen: 10},
		{Name: "amount", Type: schema.Decimal},
		{Name: "at", Type: schema.Timestamp},
		{Name: "note", Type: schema.Text, MaxLen: 5000},
	}}
	d := sqlsink.Target{Dialect: Dialect, Schema: "SIFTLOAD_RGB"}
	create, err := sqlsink.CreateTableSQL(d, table, true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ Name, Got, Want string }{
		{"CreateTable", create[0], `CREATE TABLE "SIFTLOAD_RGB"."DATA_LINE01" ("SOURCE_KEY" VARCHAR2(1024 CHAR) NOT NULL, "ID" NUMBER(19), "ORDER" VARCHAR2(32 CHAR), "AMOUNT" NUMBER, "AT" TIMESTAMP(9), "NOTE" CLOB)`},
		{"CreateIndex", create[1], `CREATE INDEX "SIFTLOAD_RGB"."DATA_LINE01_SOURCE_KEY" ON "SIFTLOAD_RGB"."DATA_LINE01" ("SOURCE_KEY")`},
		{"Ledger", sqlsink.LedgerDDL(d, false), `CREATE TABLE "SIFTLOAD_RGB"."SIFTLOAD_LEDGER" ("FILE_KEY" VARCHAR2(1024 CHAR) NOT NULL PRIMARY KEY, "TABLE_NAME" VARCHAR2(128 CHAR) NOT NULL, "SOURCE" VARCHAR2(4000 CHAR), "SHA256" VARCHAR2(64 CHAR) NOT NULL, "ROW_COUNT" NUMBER(19) NOT NULL, "REJECTED" NUMBER(19) NOT NULL, "LOADED_AT" TIMESTAMP(9) NOT NULL, "VERSION" VARCHAR2(128 CHAR), "DIGEST" VARCHAR2(64 CHAR))`},
		{"LedgerMigrate", sqlsink.LedgerMigrateSQL(d, false), `ALTER TABLE "SIFTLOAD_RGB"."SIFTLOAD_LEDGER" ADD ("DIGEST" VARCHAR2(64 CHAR))`},
		{"LockLedger", lockLedgerSQL(d), `SELECT "FILE_KEY", "TABLE_NAME", "SOURCE", "SHA256", "ROW_COUNT", "REJECTED", "LOADED_AT", "VERSION", "DIGEST" FROM "SIFTLOAD_RGB"."SIFTLOAD_LEDGER" WHERE "FILE_KEY" = :1 FOR UPDATE`},
		{"LedgerInsert", sqlsink.LedgerInsertSQL(d), `INSERT INTO "SIFTLOAD_RGB"."SIFTLOAD_LEDGER" ("FILE_KEY", "TABLE_NAME", "SOURCE", "SHA256", "ROW_COUNT", "REJECTED", "LOADED_AT", "VERSION", "DIGEST") VALUES (:1, :2, :3, :4, :5, :6, :7, :8, :9)`},
		{"LedgerUpdate", sqlsink.LedgerUpdateSQL(d), `UPDATE "SIFTLOAD_RGB"."SIFTLOAD_LEDGER" SET "TABLE_NAME" = :1, "SOURCE" = :2, "SHA256" = :3, "ROW_COUNT" = :4, "REJECTED" = :5, "LOADED_AT" = :6, "VERSION" = :7, "DIGEST" = :8 WHERE "FILE_KEY" = :9`},
		{"OtherKey", sqlsink.OtherKeySQL(d), `SELECT "FILE_KEY" FROM "SIFTLOAD_RGB"."SIFTLOAD_LEDGER" WHERE "TABLE_NAME" = :1 AND "FILE_KEY" <> :2`},
		{"DeleteOneTable", sqlsink.DeleteRowsSQL(d, "data_line01", true), `DELETE FROM "SIFTLOAD_RGB"."DATA_LINE01" WHERE "SOURCE_KEY" = :1`},
		{"DeleteAll", sqlsink.DeleteRowsSQL(d, "data_line01", false), `DELETE FROM "SIFTLOAD_RGB"."DATA_LINE01"`},
		{"LockTable", lockTableSQL(d, "data_line01"), `LOCK TABLE "SIFTLOAD_RGB"."DATA_LINE01" IN EXCLUSIVE MODE`},
		{"Insert", sqlsink.InsertSQL(d, "data_line01", []string{"source_key", "id", "order"}, 1), `INSERT INTO "SIFTLOAD_RGB"."DATA_LINE01" ("SOURCE_KEY", "ID", "ORDER") VALUES (:1, :2, :3)`},
	}
	for _, tt := range tests {
		if tt.Got != tt.Want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.Name, tt.Got, tt.Want)
		}
	}
	for _, name := range []string{"sys_export", "ORA_x"} {
		if _, err := sqlsink.CreateTableSQL(d, schema.Table{Name: name, Columns: table.Columns}, false); !errors.Is(err, sink.ErrReservedName) {
			t.Errorf("CreateTableSQL(%s) = %v, want %v", name, err, sink.ErrReservedName)
		}
	}
	// The dictionary is read for the owner's tables only: no synonym,
	// view or other schema answers for a name.
	for _, want := range []string{"ALL_TAB_COLUMNS", "OWNER = :1", "ALL_TABLES"} {
		if !strings.Contains(columnsSQL, want) {
			t.Errorf("columnsSQL lacks %q: %s", want, columnsSQL)
		}
	}
	long := schema.Table{Name: strings.Repeat("t", 129), Columns: table.Columns}
	if _, err := sqlsink.CreateTableSQL(d, long, false); err == nil {
		t.Errorf("CreateTableSQL accepted a 129-byte name")
	}
}

// numBytes shows the bytes of an Oracle number.
func numBytes(n *go_ora.Number) string { return fmt.Sprint(*n) }

func TestNumber(t *testing.T) {
	tests := []struct{ Input, Sci, String string }{
		{"12.50", "1.25e1", "12.5"},
		{"-0.001", "-1e-3", "-0.001"},
		{"0.001", "1e-3", "0.001"},
		{"0.05", "5e-2", "0.05"},
		{"100", "1e2", "100"},
		{"-9223372036854775808", "-9.223372036854775808e18", "-9223372036854775808"},
		{"123456789012.345", "1.23456789012345e11", "123456789012.345"},
		{"0007.50", "7.5e0", "7.5"},
		{"1234567890123456789012345678901234.5678", "1.2345678901234567890123456789012345678e33", "1234567890123456789012345678901234.5678"},
	}
	for _, tt := range tests {
		n, err := Number(tt.Input)
		if err != nil {
			t.Fatalf("Number(%q): %v", tt.Input, err)
		}
		want, err := go_ora.NewNumberFromString(tt.Sci)
		if err != nil {
			t.Fatal(err)
		}
		if numBytes(n) != numBytes(want) {
			t.Errorf("Number(%q) = %s, want %s (as %s)", tt.Input, numBytes(n), numBytes(want), tt.Sci)
		}
		if s, err := n.String(); err != nil || s != tt.String {
			t.Errorf("Number(%q).String() = %q, %v; want %q", tt.Input, s, err, tt.String)
		}
	}
	for _, zero := range []string{"0", "0.00", "-0"} {
		n, err := Number(zero)
		if err != nil || numBytes(n) != "{[128]}" {
			t.Errorf("Number(%q) = %v, %v; want Oracle's zero", zero, n, err)
		}
	}
	for _, bad := range []string{"", "-", "1e5", "12,5", "1.2.3", strings.Repeat("9", 39)} {
		if _, err := Number(bad); err == nil {
			t.Errorf("Number(%q) succeeded", bad)
		}
	}
}

func TestParseDSN(t *testing.T) {
	sinktest.RunDSNCases(t, ParseDSN, []sinktest.DSNCase[Config]{
		{Name: "Full", Input: "oracle://scott@db.example.com:1522/ORCLPDB1", Want: Config{User: "scott", Host: "db.example.com", Port: 1522, Service: "ORCLPDB1", Batch: 1000}},
		{Name: "DefaultPort", Input: "oracle://scott@db/XE", Want: Config{User: "scott", Host: "db", Port: 1521, Service: "XE", Batch: 1000}},
		{Name: "Params", Input: "oracle://scott@db/XE?batch=5000&SSL=true", Want: Config{User: "scott", Host: "db", Port: 1521, Service: "XE", Batch: 5000, Options: map[string]string{"SSL": "true"}}},
		{Name: "Password", Input: "oracle://scott:tiger@db/XE", WantErr: true},
		{Name: "PasswordParam", Input: "oracle://scott@db/XE?password=tiger", WantErr: true},
		{Name: "NoService", Input: "oracle://scott@db:1521", WantErr: true},
		{Name: "NoUser", Input: "oracle://db:1521/XE", WantErr: true},
		{Name: "BadBatch", Input: "oracle://scott@db/XE?batch=0", WantErr: true},
		{Name: "OtherScheme", Input: "postgres://scott@db/XE", WantErr: true},
	})
	c, _ := ParseDSN("oracle://scott@db:1522/XE?SSL%20VERIFY=false")
	const password = "p@ss/w:rd?#%"
	u := c.driverURL(password)
	cfg, err := go_ora.ParseConfig(u)
	if err != nil {
		t.Fatalf("go-ora cannot parse driverURL: %v", err)
	}
	if cfg.UserID != "scott" || cfg.Password != password || len(cfg.Servers) != 1 || cfg.Servers[0].Addr != "db" || cfg.Servers[0].Port != 1522 || cfg.ServiceName != "XE" || cfg.SSLVerify {
		t.Errorf("go-ora reads driverURL as %+v", cfg.DatabaseInfo)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"oracle://scott@db:1521/XE":             "oracle://scott@db:1521/XE",
		"oracle://scott:tiger@db:1521/XE":       "oracle://scott@db:1521/XE",
		"oracle://scott@db/XE?password=tiger":   "oracle://scott@db/XE",
		"oracle://scott@db/XE?SSL=true&batch=5": "oracle://scott@db/XE?SSL=true&batch=5",
	} {
		if got := (Factory{}).Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// recorder is an execFunc that keeps what it was given.
type recorder struct {
	calls [][]any
	short int64 // rows to under-report
	fail  error
}

func (r *recorder) exec(_ context.Context, args []any) (int64, error) {
	if r.fail != nil {
		return 0, r.fail
	}
	cp := make([]any, len(args))
	for i, a := range args {
		v := reflect.ValueOf(a)
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		cp[i] = c.Interface()
	}
	r.calls = append(r.calls, cp)
	return int64(reflect.ValueOf(args[0]).Len()) - r.short, nil
}

func TestInsertBatches(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 45, 56, 123456789, time.UTC)
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	tz := time.Date(2024, 2, 29, 13, 45, 56, 5, time.FixedZone("", -(5*3600+30*60)))
	cols := []schema.Column{
		{Name: "i", Type: schema.Integer},
		{Name: "d", Type: schema.Decimal},
		{Name: "ts", Type: schema.Timestamp},
		{Name: "s", Type: schema.Text},
		{Name: "day", Type: schema.Date},
		{Name: "tz", Type: schema.TimestampTZ},
	}
	job := sink.LoadJob{Key: "k.csv", Table: schema.Table{Name: "t", Columns: cols}, OneTable: true}
	recs := make([][]any, 2345)
	for i := range recs {
		recs[i] = []any{int64(i), "-0.001", ts, fmt.Sprint("s", i), day, tz}
	}
	recs[7] = []any{nil, nil, nil, nil, nil, nil}
	recs[8] = []any{nil, nil, nil, "a\x00b\x01", nil, nil}

	var r recorder
	n, err := insertBatches(context.Background(), job, sinktest.NewSource(recs...), make([]bool, len(cols)), 1000, &writer{insert: r.exec})
	if err != nil || n != 2345 {
		t.Fatalf("insertBatches = %d, %v; want 2345", n, err)
	}
	var sizes []int
	for _, c := range r.calls {
		if len(c) != 7 {
			t.Fatalf("%d arrays, want 7 (source_key and 6 columns)", len(c))
		}
		sizes = append(sizes, reflect.ValueOf(c[0]).Len())
	}
	if !reflect.DeepEqual(sizes, []int{1000, 1000, 345}) {
		t.Errorf("batch sizes = %v, want [1000 1000 345]", sizes)
	}
	first := r.calls[0]
	keys, ints, nums, times, strs := first[0].([]sql.NullString), first[1].([]sql.NullInt64), first[2].([]*go_ora.Number), first[3].([]go_ora.NullTimeStamp), first[4].([]sql.NullString)
	if keys[3] != (sql.NullString{String: "k.csv", Valid: true}) {
		t.Errorf("source_key = %+v", keys[3])
	}
	if ints[3] != (sql.NullInt64{Int64: 3, Valid: true}) || ints[7].Valid {
		t.Errorf("integers = %+v, %+v", ints[3], ints[7])
	}
	if s, _ := nums[3].String(); s != "-0.001" || nums[7] != nil {
		t.Errorf("decimals = %q, %v", s, nums[7])
	}
	if !time.Time(times[3].TimeStamp).Equal(ts) || !times[3].Valid || times[7].Valid {
		t.Errorf("timestamps = %+v, %+v", times[3], times[7])
	}
	if strs[3] != (sql.NullString{String: "s3", Valid: true}) || strs[7].Valid {
		t.Errorf("texts = %+v, %+v", strs[3], strs[7])
	}
	// A NUL byte goes to Oracle as it is (VARCHAR2 holds CHR(0)).
	if strs[8] != (sql.NullString{String: "a\x00b\x01", Valid: true}) {
		t.Errorf("text with NUL = %+q", strs[8].String)
	}
	days, tzs := first[5].([]go_ora.NullTimeStamp), first[6].([]go_ora.NullTimeStampTZ)
	if got := time.Time(days[3].TimeStamp); !got.Equal(day) || !days[3].Valid || days[7].Valid {
		t.Errorf("dates = %+v, %+v", days[3], days[7])
	}
	// The offset travels with the value: Oracle keeps it.
	got := time.Time(tzs[3].TimeStampTZ)
	if _, off := got.Zone(); !got.Equal(tz) || off != -(5*3600+30*60) || !tzs[3].Valid || tzs[7].Valid {
		t.Errorf("timestamps with offset = %v (offset %d), %+v", got, off, tzs[7])
	}
	if got := r.calls[2][1].([]sql.NullInt64)[344].Int64; got != 2344 {
		t.Errorf("last integer = %d, want 2344", got)
	}
}

func TestInsertBatchesLOB(t *testing.T) {
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "s", Type: schema.Text}, {Name: "c", Type: schema.Text}}}}
	long := strings.Repeat("x", 4001)
	var r recorder
	_, err := insertBatches(context.Background(), job, sinktest.NewSource([]any{"a", "b"}, []any{"c", "d"}, []any{long, long}, []any{nil, nil}), []bool{false, true}, 2, &writer{insert: r.exec})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.calls[0][1].([]sql.NullString); !ok {
		t.Errorf("a LOB column with short values binds %T, want []sql.NullString", r.calls[0][1])
	}
	clobs, ok := r.calls[1][1].([]go_ora.Clob)
	if !ok {
		t.Fatalf("a LOB column with a long value binds %T, want []go_ora.Clob", r.calls[1][1])
	}
	if clobs[0].String != long || !clobs[0].Valid || clobs[1].Valid {
		t.Errorf("clobs = %v valid %v, %v", len(clobs[0].String), clobs[0].Valid, clobs[1].Valid)
	}
	if _, ok := r.calls[1][0].([]sql.NullString); !ok {
		t.Errorf("a VARCHAR2 column binds %T, want []sql.NullString", r.calls[1][0])
	}
}

func TestInsertBatchesErrors(t *testing.T) {
	cols := []schema.Column{{Name: "i", Type: schema.Integer}, {Name: "d", Type: schema.Decimal}}
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: cols}}
	rec := func(i int) []any { return []any{int64(i), "1.5"} }
	boom := errors.New("boom")
	tests := []struct {
		Name    string
		Src     *sinktest.Source
		R       recorder
		Ctx     func() context.Context
		WantErr error
		WantMsg string
		Calls   int
	}{
		{Name: "SourceError", Src: &sinktest.Source{Records: [][]any{rec(1), rec(2), rec(3)}, FailAt: 3}, WantErr: sinktest.ErrInjected, Calls: 1},
		{Name: "ExecError", Src: sinktest.NewSource(rec(1), rec(2)), R: recorder{fail: boom}, WantErr: boom},
		{Name: "ShortCount", Src: sinktest.NewSource(rec(1), rec(2)), R: recorder{short: 1}, WantMsg: "reports 1 rows", Calls: 1},
		{Name: "WrongType", Src: sinktest.NewSource(rec(1), []any{"x", "1"}), WantMsg: "column i: want an int64", Calls: 0},
		{Name: "BadDecimal", Src: sinktest.NewSource([]any{int64(1), "1e5"}), WantMsg: "column d", Calls: 0},
		{Name: "WrongCount", Src: sinktest.NewSource([]any{int64(1)}), WantMsg: "1 values for 2 columns", Calls: 0},
		{Name: "Cancelled", Src: sinktest.NewSource(rec(1), rec(2), rec(3), rec(4)), Ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, WantErr: context.Canceled, Calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ctx := context.Background()
			if tt.Ctx != nil {
				ctx = tt.Ctx()
			}
			_, err := insertBatches(ctx, job, tt.Src, nil, 2, &writer{insert: tt.R.exec})
			if err == nil {
				t.Fatalf("insertBatches succeeded")
			}
			if tt.WantErr != nil && !errors.Is(err, tt.WantErr) {
				t.Errorf("error = %v, want %v", err, tt.WantErr)
			}
			if tt.WantMsg != "" && !strings.Contains(err.Error(), tt.WantMsg) {
				t.Errorf("error = %v, want one with %q", err, tt.WantMsg)
			}
			if len(tt.R.calls) != tt.Calls {
				t.Errorf("%d INSERTs, want %d", len(tt.R.calls), tt.Calls)
			}
		})
	}
}

func TestBatchUndoesPartialRow(t *testing.T) {
	job := sink.LoadJob{Key: "k", OneTable: true, Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "i", Type: schema.Integer}, {Name: "s", Type: schema.Text}}}}
	b := newBatch(job, nil, 4)
	if err := b.add([]any{int64(1), "a"}); err != nil {
		t.Fatal(err)
	}
	if err := b.add([]any{int64(2), 3}); err == nil {
		t.Fatal("add of a bad row succeeded")
	}
	if err := b.add([]any{int64(3)}); err == nil {
		t.Fatal("add of a short row succeeded")
	}
	for _, a := range b.args() {
		if n := reflect.ValueOf(a).Len(); n != 1 {
			t.Errorf("after a bad row, an array has %d values, want 1", n)
		}
	}
}

func TestAsksPassword(t *testing.T) {
	tests := []struct {
		Name  string
		Input error
		Want  bool
	}{
		{Name: "NullPassword", Input: errors.New("ORA-01005: null password given; logon denied"), Want: true},
		{Name: "Invalid", Input: errors.New("ORA-01017: invalid username/password; logon denied"), Want: true},
		{Name: "Refused", Input: errors.New("dial tcp 127.0.0.1:1521: connect: connection refused"), Want: false},
		{Name: "NoListener", Input: errors.New("ORA-12514: TNS:listener does not currently know of service"), Want: false},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := asksPassword(tt.Input); got != tt.Want {
				t.Errorf("asksPassword(%v) = %v, want %v", tt.Input, got, tt.Want)
			}
		})
	}
}
