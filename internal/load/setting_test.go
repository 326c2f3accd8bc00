package load

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/plan"
)

// TestErrorsNameSettingsAsTold: the load's errors that a setting fixes
// name it as Config.Setting says (the flag or profile key that set it),
// and by its key without one: never by a flag of their own.
func TestErrorsNameSettingsAsTold(t *testing.T) {
	entries := []plan.Entry{{Candidate: plan.Candidate{Key: "a.csv"}}}
	for _, tt := range []struct {
		Name    string
		Setting func(string) string
		Want    string
	}{
		{Name: "Key", Want: "table: table template"},
		{Name: "Told", Setting: func(k string) string { return k + " (site.yaml:4:1)" }, Want: "table (site.yaml:4:1): table template"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			im := NewImporter(nil, Config{Tables: Tables{Template: "x_{name"}, Setting: tt.Setting})
			_, err := im.prepare(entries)
			if err == nil || !strings.HasPrefix(err.Error(), tt.Want) || strings.Contains(err.Error(), "--") {
				t.Errorf("prepare = %v, want %q...", err, tt.Want)
			}
		})
	}
	// A stall names the setting of its limit as told.
	ctx, w := newWatchdog(t.Context(), time.Millisecond, "SIFTLOAD_STATEMENT_TIMEOUT")
	defer w.stop()
	<-ctx.Done()
	if err := context.Cause(ctx); !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), "(SIFTLOAD_STATEMENT_TIMEOUT sets the limit)") {
		t.Errorf("stall: %v", err)
	}
}
