package cli

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestDryRunTellsTheTruth: a dry run creates nothing (no SQLite file, no
// ledger table), says when the database does not exist yet, and counts
// every key as would-load, would-replace, would-skip or would-refuse,
// with rows, without changing the database.
func TestDryRunTellsTheTruth(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			dir := "site-" + tg.name
			writeZip(t, dir+"/2023-01-01.zip", map[string]string{
				"a.csv": "id\n1\n2\n", "b.csv": "id\n1\n2\n3\n", "c.csv": "id\n1\n2\n",
			})
			analyzeDir(t, dir)
			out := mustExecute(t, "import", "--db", tg.dsn, "--dry-run")
			if want := "would load 3 keys (7 rows), replace 0 (0 rows), skip 0 (0 rows already loaded), refuse 0 (0 rows)"; !strings.Contains(out, want) {
				t.Errorf("dry run on a fresh database: want %q in\n%s", want, out)
			}
			if tg.name == "sqlite" {
				path := strings.TrimPrefix(tg.dsn, "sqlite:")
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("dry run created the SQLite file: stat: %v", err)
				}
				if !strings.Contains(out, "database does not exist yet") {
					t.Errorf("dry run on a missing SQLite file does not say so:\n%s", out)
				}
			}
			// (After the stat: counting opens the SQLite file.)
			if n := tg.count(t, "siftload_ledger"); n != -1 {
				t.Errorf("dry run created the ledger (%d rows)", n)
			}

			mustExecute(t, "import", "--db", tg.dsn)
			// a grows (replace), b stays (skip), c shrinks (refuse: a
			// downgrade), d is new (load).
			writeZip(t, dir+"/2023-01-01.zip", map[string]string{
				"a.csv": "id\n1\n2\n", "b.csv": "id\n1\n2\n3\n", "c.csv": "id\n1\n",
			})
			writeZip(t, dir+"/2023-01-02.zip", map[string]string{"a.csv": "id\n1\n2\n3\n4\n", "d.csv": "id\n1\n2\n3\n4\n5\n"})
			analyzeDir(t, dir)
			var before []byte
			if tg.name == "sqlite" {
				before = []byte(readFile(t, strings.TrimPrefix(tg.dsn, "sqlite:")))
			}
			p, buf := quiet(t)
			err := execute(t.Context(), p, []string{"import", "--db", tg.dsn, "--dry-run"})
			if !errors.Is(err, ErrProblems) {
				t.Errorf("dry run with a refusal: err %v, want ErrProblems (the import would fail)", err)
			}
			if want := "would load 1 keys (5 rows), replace 1 (4 rows), skip 1 (3 rows already loaded), refuse 1 (1 rows); 0 failed"; !strings.Contains(buf.String(), want) {
				t.Errorf("dry run on a loaded database: want %q in\n%s", want, buf)
			}
			if strings.Contains(buf.String(), "does not exist yet") {
				t.Errorf("dry run on an existing database says it does not exist:\n%s", buf)
			}
			if a, d := tg.count(t, "a"), tg.count(t, "d"); a != 2 || d != -1 {
				t.Errorf("dry run changed the database: a has %d rows (want 2), d %d (want no table)", a, d)
			}
			if tg.name == "sqlite" && readFile(t, strings.TrimPrefix(tg.dsn, "sqlite:")) != string(before) {
				t.Errorf("dry run changed the SQLite file")
			}
		})
	}
}
