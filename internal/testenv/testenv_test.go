package testenv

import (
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of ending
// the test.
type recorder struct {
	testing.TB
	skipped, fatal, logged string
}

func (r *recorder) Log(args ...any) { r.logged = args[0].(string) }

func (r *recorder) Helper()              {}
func (r *recorder) Skip(args ...any)     { r.skipped = args[0].(string) }
func (r *recorder) Fatal(args ...any)    { r.fatal = args[0].(string) }
func (r *recorder) Skipf(string, ...any) { panic("unused") }

// TestSkip cannot be parallel: it sets the environment.
func TestSkip(t *testing.T) {
	tests := []struct {
		Name      string
		Env       string
		WantSkip  string
		WantFatal string
	}{
		{Name: "Unset", Env: "", WantSkip: "no x here"},
		{Name: "Set", Env: "1", WantFatal: "no x here (and SIFTLOAD_TEST_DISALLOW_SKIP forbids skipping)"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			t.Setenv(DisallowSkip, tt.Env)
			r := &recorder{TB: t}
			Skipf(r, "no %s here", "x")
			if r.skipped != tt.WantSkip || r.fatal != tt.WantFatal {
				t.Errorf("skipped %q, failed %q; want %q, %q", r.skipped, r.fatal, tt.WantSkip, tt.WantFatal)
			}
		})
	}
}

// TestSkipPart cannot be parallel: it sets the environment.
func TestSkipPart(t *testing.T) {
	tests := []struct {
		Name      string
		Env       string
		WantLog   string
		WantFatal string
	}{
		{Name: "Unset", Env: "", WantLog: "part skipped: no x here"},
		{Name: "Set", Env: "1", WantFatal: "no x here (and SIFTLOAD_TEST_DISALLOW_SKIP forbids skipping)"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			t.Setenv(DisallowSkip, tt.Env)
			r := &recorder{TB: t}
			SkipPart(r, "no x here")
			if r.logged != tt.WantLog || r.fatal != tt.WantFatal || r.skipped != "" {
				t.Errorf("logged %q, failed %q, skipped %q; want %q, %q, none", r.logged, r.fatal, r.skipped, tt.WantLog, tt.WantFatal)
			}
		})
	}
}
