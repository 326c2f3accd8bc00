package oracle

import (
	"testing"
	"time"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
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
