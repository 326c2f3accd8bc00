package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlite"
)

// interruptingSink is a sink that calls interrupt around the load of one
// key: before it (the load then rolls back) or after it committed.
type interruptingSink struct {
	sink.Sink
	key       string
	after     bool
	interrupt func()
}

func (s interruptingSink) Load(ctx context.Context, job sink.LoadJob, src sink.RecordSource) (sink.Result, error) {
	if job.Key == s.key && !s.after {
		s.interrupt()
	}
	res, err := s.Sink.Load(ctx, job, src)
	if job.Key == s.key && s.after {
		s.interrupt()
	}
	return res, err
}

// TestInterruptReportsCommittedKeys interrupts a three-key import at the
// second key, once just after it committed and once while it loads:
// every committed key is reported and counted, the interrupted one is
// named as rolled back, and the third is counted as not started.
func TestInterruptReportsCommittedKeys(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"a.csv": testCSV(20, 0), "b.csv": testCSV(30, 0), "c.csv": testCSV(40, 0)}
	var entries []plan.Entry
	for _, k := range []string{"a.csv", "b.csv", "c.csv"} {
		sum := sha256.Sum256(files[k])
		entries = append(entries, plan.Entry{Candidate: plan.Candidate{Key: k, Source: k, SHA256: hex.EncodeToString(sum[:]),
			Rows: int64(bytes.Count(files[k], []byte("\n")) - 1), Bytes: int64(len(files[k]))}})
	}
	tests := []struct {
		Name           string
		After          bool
		WantReported   []string
		WantRolledBack []string
	}{
		{Name: "CommittedJustBefore", After: true, WantReported: []string{"a.csv", "b.csv"}},
		{Name: "WhileLoading", After: false, WantReported: []string{"a.csv"}, WantRolledBack: []string{"b.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			real, err := sqlite.Factory{}.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer real.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := interruptingSink{Sink: real, key: "b.csv", after: tt.After, interrupt: cancel}
			var reported []string
			im := NewImporter(s, Config{
				Concurrency: Concurrency{Workers: 1},
				Files: Files{Open: func(_ context.Context, _, source string, fn func(io.Reader) error) error {
					return fn(bytes.NewReader(files[source]))
				}},
				Hooks: Hooks{Report: func(o Outcome) { reported = append(reported, o.Key) }},
			})
			sum, err := im.Run(ctx, entries)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
			if !slices.Equal(reported, tt.WantReported) || sum.Loaded != len(tt.WantReported) {
				t.Errorf("reported %v and counted %d loaded, want %v", reported, sum.Loaded, tt.WantReported)
			}
			if !slices.Equal(sum.RolledBack, tt.WantRolledBack) || sum.NotStarted != 1 {
				t.Errorf("rolled back %v, %d not started; want %v, 1", sum.RolledBack, sum.NotStarted, tt.WantRolledBack)
			}
			for _, k := range []string{"a.csv", "b.csv"} {
				_, ok, err := real.Ledger(context.Background(), k)
				if want := slices.Contains(tt.WantReported, k); ok != want || err != nil {
					t.Errorf("ledger has %s: %t (%v), want %t", k, ok, err, want)
				}
			}
		})
	}
}
