package cli

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestImportLockedSQLite imports into a SQLite database whose write lock
// another program holds: import says what it waits for and gives up after
// --lock-timeout, naming the lock.
func TestImportLockedSQLite(t *testing.T) {
	dir := t.TempDir()
	planPath, db := filepath.Join(dir, "plan.csv"), filepath.Join(dir, "site.db")
	t.Chdir("../..")
	mustExecute(t, "analyze", "-q", "--out", planPath, "examples/site-rgb")

	other, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA journal_mode=WAL", "BEGIN IMMEDIATE"} {
		if _, err := other.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer other.Exec("ROLLBACK")

	p, out := quiet(t)
	start := time.Now()
	err = execute(t.Context(), p, []string{"import", "--plan", planPath, "--db", "sqlite:" + db, "--lock-timeout", "300ms", "--workers", "1"})
	if err == nil {
		t.Fatalf("import into a locked database succeeded:\n%s", out)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("import waited %s with --lock-timeout 300ms", elapsed)
	}
	for _, want := range []string{"waiting for the write lock of " + db, "another program held the write lock"} {
		if !strings.Contains(out.String()+err.Error(), want) {
			t.Errorf("output lacks %q:\n%s\nerr: %v", want, out, err)
		}
	}
}
