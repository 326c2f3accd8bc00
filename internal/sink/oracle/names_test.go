package oracle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

func TestStoredName(t *testing.T) {
	long40 := strings.Repeat("abcd", 10)
	tests := []struct {
		MaxName int
		Input   string
		Want    string
	}{
		{0, "order_id", "ORDER_ID"},
		{0, "date", "DATE"}, // reserved: quoted it works, unquoted it fails
		{0, "rowid", "ROWID_"},
		{0, "user", "USER_"},
		{0, "level", "LEVEL_"},
		{0, "sysdate", "SYSDATE_"},
		{0, "rowid_", "ROWID_"}, // (a comment tells the two apart)
		{0, "MyCol", "MyCol"},
		{0, long40, strings.ToUpper(long40)},
		{30, long40, strings.ToUpper(long40[:21]) + "_"},
		{30, strings.Repeat("x", 30), strings.Repeat("X", 30)},
		{30, "user", "USER_"},
	}
	for _, tt := range tests {
		d := dialect{maxName: tt.MaxName}
		got := d.stored(tt.Input)
		if tt.MaxName == 30 && len(tt.Input) > 30 {
			if len(got) != 30 || !strings.HasPrefix(got, tt.Want) || !regexp.MustCompile(`_[0-9A-F]{8}$`).MatchString(got) {
				t.Errorf("dialect{%d}.stored(%q) = %q, want %q + 8 hex digits, 30 bytes", tt.MaxName, tt.Input, got, tt.Want)
			}
			continue
		}
		if got != tt.Want {
			t.Errorf("dialect{%d}.stored(%q) = %q, want %q", tt.MaxName, tt.Input, got, tt.Want)
		}
	}
	d := dialect{maxName: 30}
	a, b := d.stored(long40+"_x"), d.stored(long40+"_y")
	if a == b {
		t.Errorf("two long names differing after the cut are both stored as %q", a)
	}
	// A multi-byte character is not cut in half.
	if got := d.stored(strings.Repeat("é", 20)); !strings.HasPrefix(got, strings.Repeat("É", 10)+"_") || len(got) > 30 {
		t.Errorf("stored(é×20) = %q (%d bytes)", got, len(got))
	}
}

// TestCreateTable30 checks the DDL for a database that takes 30-byte names:
// every identifier fits, and every renamed column gets its comment.
func TestCreateTable30(t *testing.T) {
	d := dialect{maxName: 30}
	table := schema.Table{Name: "data_" + strings.Repeat("line", 10), Columns: []schema.Column{
		{Name: "rowid", Type: schema.Integer},
		{Name: "user", Type: schema.Text},
		{Name: "date", Type: schema.Timestamp},
		{Name: "a_rather_long_column_name_of_more_than_thirty_bytes", Type: schema.Text},
		{Name: "qty", Type: schema.Decimal},
	}}
	target := sqlsink.Target{Dialect: d, Schema: "LOADER"}
	stmts, err := sqlsink.CreateTableSQL(target, table, true)
	if err != nil {
		t.Fatal(err)
	}
	stmts = append(stmts, commentSQL(target, table.Name, schema.ColumnNamesOf(table.Columns))...)
	idents := regexp.MustCompile(`"((?:[^"]|"")*)"`)
	for _, st := range stmts {
		for _, m := range idents.FindAllStringSubmatch(st, -1) {
			if len(m[1]) > 30 {
				t.Errorf("identifier %q is %d bytes (limit 30) in %s", m[1], len(m[1]), st)
			}
		}
	}
	joined := strings.Join(stmts, "\n")
	for _, want := range []string{
		`"ROWID_" NUMBER(19)`,
		`"USER_" VARCHAR2`,
		`"DATE" TIMESTAMP(9)`,
		`COMMENT ON COLUMN "LOADER"."` + d.stored(table.Name) + `"."ROWID_" IS 'siftload:rowid'`,
		`IS 'siftload:user'`,
		`IS 'siftload:a_rather_long_column_name_of_more_than_thirty_bytes'`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("DDL lacks %s:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "'siftload:date'") || strings.Contains(joined, "'siftload:qty'") {
		t.Errorf("a column stored under its own name got a comment:\n%s", joined)
	}
}

// TestColumnsRestoresNames checks that Columns gives renamed columns
// their siftload names back from their comments.
func TestColumnsRestoresNames(t *testing.T) {
	d := dialect{maxName: 30}
	long := "a_rather_long_column_name_of_more_than_thirty_bytes"
	drv := &dictDriver{rows: map[string][][]driver.Value{
		columnsSQL: {
			{"ROWID_", "NUMBER", int64(0), nil},
			{"DATE", "TIMESTAMP(9)", int64(9), nil},
			{d.stored(long), "VARCHAR2", nil, int64(64)},
			{"ROWID__2", "VARCHAR2", nil, int64(32)},
			{d.stored(strings.Repeat("é", 20)), "VARCHAR2", nil, int64(32)},
		},
		commentsSQL: {
			{"ROWID_", "siftload:rowid"},
			{d.stored(long), "siftload:" + long},
			{d.stored(strings.Repeat("é", 20)), "siftload:" + strings.Repeat("é", 20)},
		},
	}}
	db := sql.OpenDB(drv)
	defer db.Close()
	cols, ok, err := columns(context.Background(), db, sqlsink.Target{Dialect: d, Schema: "LOADER"}, "t")
	if err != nil || !ok {
		t.Fatalf("columns = %v, %v", ok, err)
	}
	got := make([]string, len(cols))
	for i, c := range cols {
		got[i] = c.Name
	}
	if want := []string{"rowid", "date", long, "rowid__2", strings.Repeat("é", 20)}; !slices.Equal(got, want) {
		t.Errorf("columns = %q, want %q", got, want)
	}
}
