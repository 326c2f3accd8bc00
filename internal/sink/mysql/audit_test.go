package mysql

import (
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink/sqlsink"
)

func TestAuditSQL(t *testing.T) {
	d := sqlsink.Target{Dialect: Dialect, Schema: "site"}
	tests := []struct{ Name, Got, Want string }{
		{"Migrate", ledgerMigrateSQL(d), "ALTER TABLE \"site\".`siftload_ledger` ADD COLUMN `digest` VARCHAR(64)"},
	}
	for _, tt := range tests {
		if tt.Got != tt.Want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.Name, tt.Got, tt.Want)
		}
	}
}

// TestDigestColumns checks that a decimal too long for DECIMAL(65,30),
// which the table keeps as LONGTEXT, is digested as text, and that the
// job's columns are not changed.
func TestDigestColumns(t *testing.T) {
	cols := []schema.Column{{Name: "a", Type: schema.Decimal, MaxLen: maxDecimalLen}, {Name: "b", Type: schema.Decimal, MaxLen: maxDecimalLen + 1}, {Name: "c", Type: schema.Text}}
	got := digestColumns(cols)
	if got[0].Type != schema.Decimal || got[1].Type != schema.Text || got[2].Type != schema.Text {
		t.Errorf("digestColumns = %+v, want a decimal, b and c text", got)
	}
	if cols[1].Type != schema.Decimal {
		t.Errorf("digestColumns changed its argument")
	}
}
