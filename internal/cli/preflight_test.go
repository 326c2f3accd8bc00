package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunChecksFirst makes run fail in ways known before the analysis:
// it must fail before analyzing (no plan is written), naming the cause.
func TestRunChecksFirst(t *testing.T) {
	tests := []struct {
		Name    string
		Setup   func(t *testing.T, dir string) // makes the trouble
		Args    []string                       // beyond run INPUT --out plan.csv
		WantErr []string
	}{{
		Name: "DatabaseUnreachable",
		// Nothing listens on port 1 of loopback.
		Args:    []string{"--db", "postgres://postgres@127.0.0.1:1/none?sslmode=disable", "--connect-timeout", "5s"},
		WantErr: []string{"127.0.0.1:1", "checked before the analysis"},
	}, {
		Name: "ProblemsFileIsADirectory",
		Setup: func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, "plan.problems.csv"), 0o755); err != nil {
				t.Fatal(err)
			}
		},
		Args:    []string{"--db", "sqlite:site.db"},
		WantErr: []string{"plan.problems.csv cannot be written, so the analysis did not start", "directory"},
	}, {
		Name:    "OutputDirectoryMissing",
		Args:    []string{"--db", "sqlite:site.db", "--rejects", filepath.Join("no", "such", "dir", "rejects.csv")},
		WantErr: []string{"rejects.csv cannot be written, so the analysis did not start"},
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.Setup != nil {
				tt.Setup(t, dir)
			}
			t.Chdir("../..")
			site, _ := filepath.Abs("examples/site-rgb")
			t.Chdir(dir)
			p, out := quiet(t)
			args := append([]string{"run", site, "--out", "plan.csv"}, tt.Args...)
			err := execute(t.Context(), p, args)
			if err == nil {
				t.Fatalf("run succeeded:\n%s", out)
			}
			for _, w := range tt.WantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, err := os.Stat("plan.csv"); err == nil {
				t.Errorf("run analyzed and wrote the plan before failing")
			}
		})
	}
}

// TestRunImportFailedSaysPlanWritten: when run's import fails, it says
// that the plan was written and how to load it.
func TestRunImportFailedSaysPlanWritten(t *testing.T) {
	dir := t.TempDir()
	t.Chdir("../..")
	site, _ := filepath.Abs("examples/site-rgb")
	t.Chdir(dir)
	p, out := quiet(t)
	// sqlite_ names are SQLite's own: every key fails to load.
	err := execute(t.Context(), p, []string{"run", site, "--out", "plan.csv", "--db", "sqlite:site.db", "--table", "sqlite_{name}"})
	if err == nil {
		t.Fatalf("run succeeded:\n%s", out)
	}
	if _, err := os.Stat("plan.csv"); err != nil {
		t.Fatalf("no plan: %v", err)
	}
	if !strings.Contains(out.String(), "the plan was written to plan.csv") || !strings.Contains(out.String(), "siftload import --plan plan.csv") {
		t.Errorf("output does not say how to load the plan:\n%s", out)
	}
}

func TestHeldHint(t *testing.T) {
	denied := &os.LinkError{Op: "rename", Old: "x.tmp", New: "plan.csv", Err: fs.ErrPermission}
	tests := []struct {
		Name string
		GOOS string
		Err  error
		Want string // a substring; "" wants no hint
	}{
		{Name: "WindowsDenied", GOOS: "windows", Err: denied, Want: "open in another program, such as Excel"},
		{Name: "WindowsOther", GOOS: "windows", Err: fs.ErrNotExist},
		{Name: "LinuxDenied", GOOS: "linux", Err: denied},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got := heldHint(tt.GOOS, tt.Err)
			if (tt.Want == "") != (got == "") || !strings.Contains(got, tt.Want) {
				t.Errorf("heldHint(%s, %v) = %q, want %q", tt.GOOS, tt.Err, got, tt.Want)
			}
		})
	}
}
