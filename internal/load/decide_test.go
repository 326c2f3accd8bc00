package load

import (
	"context"
	"errors"
	"testing"

	"github.com/siftload/siftload/internal/sink"
)

// ledgerBlindSink hides the ledger from the import's own check, so that
// the sink's Load meets the fuller version inside its transaction, as when
// another import committed it meanwhile.
type ledgerBlindSink struct{ sink.Sink }

func (ledgerBlindSink) Ledger(context.Context, string) (sink.LedgerEntry, bool, error) {
	return sink.LedgerEntry{}, false, nil
}

// TestDowngradeWording refuses a stale plan (fewer rows than the ledger's
// version) where the import checks the ledger and where the sink does:
// both fail the key with one message.
func TestDowngradeWording(t *testing.T) {
	t.Parallel()
	const want = "sink: ledger holds a fuller version: the ledger has 20 rows from k.csv, the plan 10 (a stale plan?); --allow-downgrade replaces it"
	tests := []struct {
		Name string
		Wrap func(sink.Sink) sink.Sink
	}{
		{Name: "Import", Wrap: func(s sink.Sink) sink.Sink { return s }},
		{Name: "Sink", Wrap: func(s sink.Sink) sink.Sink { return ledgerBlindSink{s} }},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			s, _ := openSQLite(t)
			runOne(t, s, "k.csv", testCSV(20, 0), 20, Config{})
			o, _ := runOne(t, tt.Wrap(s), "k.csv", testCSV(10, 0), 10, Config{})
			if o.Action != Failed || !errors.Is(o.Err, sink.ErrDowngrade) {
				t.Fatalf("outcome %s, %v; want failed with ErrDowngrade", o.Action, o.Err)
			}
			if got := o.Err.Error(); got != want {
				t.Errorf("error\ngot  %s\nwant %s", got, want)
			}
		})
	}
}
