package sqlserver

import (
	"testing"

	"github.com/siftload/siftload/internal/schema"
)

// TestDigestColumns checks that a decimal too long for DECIMAL(38,19),
// which the table keeps as NVARCHAR(MAX), is digested as text, and that
// the job's columns are not changed.
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
