package oracle

import (
	"database/sql"
	"database/sql/driver"
	"slices"
	"testing"
	"time"

	go_ora "github.com/sijms/go-ora/v2"
	"github.com/sijms/go-ora/v2/network"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// TestDigestExpr checks what DigestRows selects for each type: text that
// sink.Canonical reads whatever the session's NLS settings.
func TestDigestExpr(t *testing.T) {
	tests := []struct {
		Type schema.Type
		Want string
	}{
		{schema.Text, `"C"`},
		{schema.Integer, `TO_CHAR("C", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')`},
		{schema.Decimal, `TO_CHAR("C", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')`},
		{schema.Date, `TO_CHAR("C", 'YYYY-MM-DD')`},
		{schema.Timestamp, `TO_CHAR("C", 'YYYY-MM-DD HH24:MI:SS.FF9')`},
		{schema.TimestampTZ, `TO_CHAR("C", 'YYYY-MM-DD HH24:MI:SS.FF9TZH:TZM')`},
	}
	for _, tt := range tests {
		t.Run(tt.Type.String(), func(t *testing.T) {
			if got := digestExpr(tt.Type, `"C"`); got != tt.Want {
				t.Errorf("digestExpr(%s) = %s, want %s", tt.Type, got, tt.Want)
			}
		})
	}
}

// TestDigestValue checks that Oracle's forms of a row (TO_CHAR text, a
// CLOB, NULL for empty text) digest as the values loaded.
func TestDigestValue(t *testing.T) {
	cols := []schema.Column{{Name: "n", Type: schema.Decimal}, {Name: "note", Type: schema.Text}, {Name: "empty", Type: schema.Text}, {Name: "at", Type: schema.TimestampTZ}}
	loaded := []any{"-0.50", "long text", "", mustTime(t, "2023-05-02T10:04:05+02:00")}
	read := []any{"-.5", go_ora.Clob{String: "long text", Valid: true}, nil, "2023-05-02 10:04:05.000000000+02:00"}
	var a, b sink.Digest
	if err := a.Add(cols, loaded); err != nil {
		t.Fatal(err)
	}
	conv := make([]any, len(read))
	for i, v := range read {
		conv[i] = digestValue(v)
	}
	if err := b.Add(cols, conv); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("digest of Oracle's row %s, of the loaded row %s", b.String(), a.String())
	}
	if digestValue(go_ora.Clob{}) != nil {
		t.Errorf("a NULL CLOB is not nil")
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestMigrateLedger checks the migration of a ledger made before the
// digest column: the column is added once, not to a ledger that has it or
// to none, and a session that added it meanwhile (ORA-01430) is fine.
func TestMigrateLedger(t *testing.T) {
	alter := sqlsink.LedgerMigrateSQL(testTarget, false)
	ledgerCol := func(name string) []driver.Value { return []driver.Value{name, "VARCHAR2", nil, int64(64)} }
	old := [][]driver.Value{ledgerCol("FILE_KEY"), ledgerCol("TABLE_NAME"), ledgerCol("SHA256"), ledgerCol("VERSION")}
	tests := []struct {
		Name      string
		Columns   [][]driver.Value
		AlterErr  error
		WantAlter bool
		WantErr   bool
	}{
		{Name: "OldLedger", Columns: old, WantAlter: true},
		{Name: "NewLedger", Columns: append(old, ledgerCol("DIGEST"))},
		{Name: "NoLedger", Columns: [][]driver.Value{}},
		{Name: "MigratedMeanwhile", Columns: old, AlterErr: &network.OracleError{ErrCode: errColumnExists, ErrMsg: "ORA-01430: column being added already exists in table"}, WantAlter: true},
		{Name: "NoPrivilege", Columns: old, AlterErr: &network.OracleError{ErrCode: 1031, ErrMsg: "ORA-01031: insufficient privileges"}, WantAlter: true, WantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			d := &dictDriver{rows: map[string][][]driver.Value{columnsSQL: tt.Columns}, errs: map[string]error{alter: tt.AlterErr}}
			s := &Sink{db: sql.OpenDB(d), t: testTarget}
			defer s.db.Close()
			err := s.migrateLedger(t.Context())
			if (err != nil) != tt.WantErr {
				t.Fatalf("migrateLedger error = %v, want one: %v", err, tt.WantErr)
			}
			if got := slices.Contains(d.Execs(), alter); got != tt.WantAlter {
				t.Errorf("statements %q: ALTER run %v, want %v", d.Execs(), got, tt.WantAlter)
			}
		})
	}
}
