package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputWildcards gives analyze its INPUTs as patterns, as cmd.exe and
// PowerShell pass them (they expand no wildcards): the plan is the one of
// the inputs the patterns name.
func TestInputWildcards(t *testing.T) {
	out := filepath.Join(t.TempDir(), "plan.csv")
	t.Chdir("../..")
	mustExecute(t, "analyze", "-q", "--out", out,
		filepath.Join("examples", "site-rgb", "2023", "*.zip"),
		filepath.Join("examples", "site-rgb", "2023", "*_export.tar.gz"),
		filepath.Join("examples", "site-rgb", "old", "backup-*"))
	if got, want := readFile(t, out), readFile(t, "internal/cli/testdata/example.plan.csv"); got != want {
		t.Errorf("plan of the patterns differs from the example's:\n got:\n%s\nwant:\n%s", got, want)
	}

	p, buf := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", "--out", out, filepath.Join("examples", "site-rgb", "*.rar")})
	if err == nil || !strings.Contains(err.Error(), "no such files") {
		t.Errorf("a pattern that names nothing: err = %v, want no such files\n%s", err, buf)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the plan of the first analysis is gone: %v", err)
	}
}

// TestHelpNamesShells checks that the help of the commands that take a
// password shows how sh, cmd.exe and PowerShell set its variable.
func TestHelpNamesShells(t *testing.T) {
	p, _ := quiet(t)
	root := newRootCommand(p, deps{})
	for _, name := range []string{"import", "run"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"export SIFTLOAD_DB_PASSWORD=", "set SIFTLOAD_DB_PASSWORD=", "$env:SIFTLOAD_DB_PASSWORD = ", "icacls"} {
			if !strings.Contains(cmd.Long, want) {
				t.Errorf("%s --help lacks %q", name, want)
			}
		}
	}
}
