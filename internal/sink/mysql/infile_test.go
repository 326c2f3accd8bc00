package mysql

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

func TestAppendValue(t *testing.T) {
	dec := column{name: "d", decimal: true, prec: 10, scale: 2}
	tests := []struct {
		Name    string
		Value   any
		Column  column
		Want    string
		WantErr bool
	}{
		{Name: "Null", Value: nil, Want: `\N`},
		{Name: "Plain", Value: "plain", Want: "plain"},
		{Name: "Empty", Value: "", Want: ""},
		{Name: "Backslash", Value: `a\b`, Want: `a\\b`},
		{Name: "LiteralN", Value: `\N`, Want: `\\N`},
		{Name: "Tab", Value: "a\tb", Want: `a\tb`},
		{Name: "LF", Value: "a\nb", Want: `a\nb`},
		{Name: "CR", Value: "a\r\nb", Want: `a\r\nb`},
		{Name: "NUL", Value: "a\x00b", Want: `a\0b`},
		{Name: "Quotes", Value: `"q" 'q'`, Want: `"q" 'q'`},
		{Name: "Unicode", Value: "ü🙂", Want: "ü🙂"},
		{Name: "Int", Value: int64(-9223372036854775808), Want: "-9223372036854775808"},
		{Name: "Date", Value: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), Want: "0001-01-01 00:00:00"},
		{Name: "Micro", Value: time.Date(2024, 2, 29, 13, 14, 15, 250000000, time.UTC), Want: "2024-02-29 13:14:15.25"},
		{Name: "Zoned", Value: time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("", 7200)), Want: "2024-02-29 11:14:15"},
		{Name: "Decimal", Value: "-12345678.90", Column: dec, Want: "-12345678.90"},
		{Name: "DecimalZeros", Value: "1.5000", Column: dec, Want: "1.50"},
		{Name: "DecimalScale", Value: "1.501", Column: dec, WantErr: true},
		{Name: "DecimalIntDigits", Value: "123456789", Column: dec, WantErr: true},
		{Name: "DecimalLeadingZero", Value: "0.5", Column: dec, Want: "0.5"},
		{Name: "Float", Value: 1.5, WantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := appendValue(nil, tt.Value, tt.Column)
			if (err != nil) != tt.WantErr {
				t.Fatalf("appendValue(%#v) error = %v, want error %v", tt.Value, err, tt.WantErr)
			}
			if err == nil && string(got) != tt.Want {
				t.Errorf("appendValue(%#v) = %q, want %q", tt.Value, got, tt.Want)
			}
		})
	}
}

func TestFitDecimal(t *testing.T) {
	tests := []struct {
		In, Want string
		OK       bool
	}{
		{"0.5", "0.5", true},
		{"-0.000001", "-0.000001", true},
		{strings.Repeat("9", 35) + "." + strings.Repeat("9", 30), strings.Repeat("9", 35) + "." + strings.Repeat("9", 30), true},
		{strings.Repeat("9", 36), "", false},
		{"0." + strings.Repeat("0", 30) + "1", "", false},
		{"1." + strings.Repeat("0", 40), "1." + strings.Repeat("0", 30), true},
		{"-7.000", "-7.000", true},
	}
	for _, tt := range tests {
		got, ok := sqlsink.FitDecimal(tt.In, decimalPrecision, decimalScale)
		if got != tt.Want || ok != tt.OK {
			t.Errorf("FitDecimal(%q) = %q, %v; want %q, %v", tt.In, got, ok, tt.Want, tt.OK)
		}
	}
}

// TestInfileStream checks the stream of records as LOAD DATA reads it:
// one line each, the key first in one-table mode, and the source's error
// ending the stream.
func TestInfileStream(t *testing.T) {
	job := sink.LoadJob{Key: "k\t1", OneTable: true, Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "a"}, {Name: "b", Type: schema.Integer}}}}
	src := sinktest.NewSource([]any{"x", int64(1)}, []any{nil, nil})
	got, err := io.ReadAll(newInfile(t.Context(), job, src, columnsOf(job, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "k\\t1\tx\t1\nk\\t1\t\\N\t\\N\n"; string(got) != want {
		t.Errorf("stream = %q, want %q", got, want)
	}
	src = sinktest.NewSource([]any{"x", int64(1)}, []any{"y", int64(2)})
	src.FailAt = 2
	if _, err := io.ReadAll(newInfile(t.Context(), job, src, columnsOf(job, nil))); !errors.Is(err, sinktest.ErrInjected) {
		t.Errorf("failing source: %v, want %v", err, sinktest.ErrInjected)
	}
	ctx, cancel := contextCancelled(t)
	defer cancel()
	if _, err := io.ReadAll(newInfile(ctx, job, sinktest.NewSource([]any{"x", int64(1)}), columnsOf(job, nil))); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestSQL(t *testing.T) {
	tg := sqlsink.Target{Dialect: Dialect, Schema: "mes"}
	tests := []struct {
		Name string
		Got  string
		Want string
	}{
		{Name: "Quote", Got: Dialect.Quote("we`ird"), Want: "`we``ird`"},
		{Name: "Table", Got: tg.Table("select"), Want: "\"mes\".`select`"},
		{Name: "LoadData", Got: loadDataSQL(tg, "siftload-1", "t", []string{"source_key", "a"}),
			Want: "LOAD DATA LOCAL INFILE 'Reader::siftload-1' INTO TABLE \"mes\".`t` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY '\\\\' LINES STARTING BY '' TERMINATED BY '\\n' (`source_key`, `a`)"},
		{Name: "Index", Got: Dialect.IndexSQL("mes", "t_source_key", "t", "source_key"), Want: "CREATE INDEX `t_source_key` ON `mes`.`t` (`source_key`(255))"},
	}
	stmts, err := createTableSQL(tg, schema.Table{Name: "t", Columns: []schema.Column{
		{Name: "i", Type: schema.Integer}, {Name: "d", Type: schema.Decimal, MaxLen: 31}, {Name: "long", Type: schema.Decimal, MaxLen: 32},
		{Name: "day", Type: schema.Date}, {Name: "ts", Type: schema.Timestamp}, {Name: "tz", Type: schema.TimestampTZ}, {Name: "txt", Type: schema.Text},
	}}, true)
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct{ Name, Got, Want string }{Name: "CreateTable", Got: strings.Join(stmts, "; "),
		Want: "CREATE TABLE \"mes\".`t` (`source_key` LONGTEXT NOT NULL, `i` BIGINT, `d` DECIMAL(65,30), `long` LONGTEXT, `day` DATE, `ts` DATETIME(6), `tz` DATETIME(6) COMMENT 'siftload: timestamptz', `txt` LONGTEXT)" + tableOptions +
			"; CREATE INDEX `t_source_key` ON `mes`.`t` (`source_key`(255))"})
	for _, tt := range tests {
		if tt.Got != tt.Want {
			t.Errorf("%s:\n got %s\nwant %s", tt.Name, tt.Got, tt.Want)
		}
	}
}

// TestLimits checks the column and row-size limits, both refused before
// any statement runs.
func TestLimits(t *testing.T) {
	tg := sqlsink.Target{Dialect: Dialect, Schema: "mes"}
	cols := func(n int, typ schema.Type) []schema.Column {
		c := make([]schema.Column, n)
		for i := range c {
			c[i] = schema.Column{Name: "c" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + itoa(i), Type: typ}
		}
		return c
	}
	tests := []struct {
		Name     string
		Columns  []schema.Column
		OneTable bool
		WantErr  string
	}{
		// The most CREATE TABLE took of each type on MariaDB 10.11.
		{Name: "Text383", Columns: cols(383, schema.Text)},
		{Name: "Text384", Columns: cols(384, schema.Text), WantErr: "InnoDB takes at most 8126"},
		{Name: "Decimal268", Columns: cols(268, schema.Decimal)},
		{Name: "Decimal269", Columns: cols(269, schema.Decimal), WantErr: "InnoDB takes at most 8126"},
		{Name: "Integer997", Columns: cols(997, schema.Integer)},
		{Name: "Integer998", Columns: cols(998, schema.Integer), WantErr: "InnoDB takes at most 8126"},
		{Name: "Columns1018", Columns: cols(1018, schema.Date), WantErr: "1018 columns, the database takes at most 1017"},
		{Name: "Columns1017OneTable", Columns: cols(1017, schema.Date), OneTable: true, WantErr: "1018 columns"},
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

func itoa(i int) string { return strconv.Itoa(i) }

func contextCancelled(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx, cancel
}

// BenchmarkInfile measures the LOAD DATA stream of synthetic records,
// without a server.
func BenchmarkInfile(b *testing.B) {
	recs := sinktest.Synthetic(10_000)
	job := sink.LoadJob{Key: "k", Table: schema.Table{Name: "t", Columns: sinktest.SyntheticColumns}}
	cols := columnsOf(job, nil)
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		m, err := io.Copy(io.Discard, newInfile(context.Background(), job, sinktest.NewSource(recs...), cols))
		if err != nil {
			b.Fatal(err)
		}
		n = m
	}
	b.SetBytes(n)
}

func TestSchemaType(t *testing.T) {
	for _, tt := range []struct {
		Type sqlType
		Want schema.Type
	}{
		{sqlType{dataType: "bigint"}, schema.Integer},
		{sqlType{dataType: "decimal", prec: 65, scale: 30}, schema.Decimal},
		{sqlType{dataType: "date"}, schema.Date},
		{sqlType{dataType: "datetime"}, schema.Timestamp},
		{sqlType{dataType: "datetime", comment: tzComment}, schema.TimestampTZ},
		{sqlType{dataType: "longtext"}, schema.Text},
		{sqlType{dataType: "double"}, schema.Text},
	} {
		if got := tt.Type.schemaType(); got != tt.Want {
			t.Errorf("%+v: %v, want %v", tt.Type, got, tt.Want)
		}
	}
}
