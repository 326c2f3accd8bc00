package cli

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestMistypedHints: mistyped flags, a --db without a scheme and a
// missing plan get a hint that says what was meant.
func TestMistypedHints(t *testing.T) {
	tests := []struct {
		Name    string
		Input   []string
		WantErr string
	}{
		{Name: "DryRunNoDash", Input: []string{"import", "--dryrun"}, WantErr: "unknown flag: --dryrun (did you mean --dry-run?)"},
		{Name: "Output", Input: []string{"analyze", "--ouput", "x.csv", "."}, WantErr: "unknown flag: --ouput (did you mean --out?)"},
		{Name: "Inherited", Input: []string{"import", "--quite"}, WantErr: "(did you mean --quiet?)"},
		{Name: "WithValue", Input: []string{"import", "--tabel=x"}, WantErr: "unknown flag: --tabel (did you mean --table?)"},
		{Name: "NothingClose", Input: []string{"import", "--zzzzzz"}, WantErr: "unknown flag: --zzzzzz\n"},
		{Name: "DBFile", Input: []string{"import", "--db", "site.db", "--dry-run"}, WantErr: "a database file is sqlite:site.db"},
		{Name: "DBDrivePath", Input: []string{"import", "--db", `C:\data\site.db`, "--dry-run"}, WantErr: `a database file is sqlite:C:\data\site.db`},
		{Name: "MissingPlan", Input: []string{"import", "--plan", "nope.csv", "--db", "sqlite:x.db"}, WantErr: "no plan yet? write one with: siftload analyze INPUT... --out nope.csv"},
	}
	t.Chdir(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			p, out := quiet(t)
			err := execute(t.Context(), p, tt.Input)
			if err == nil || !strings.Contains(err.Error()+"\n", tt.WantErr) {
				t.Errorf("%q: err %v\nwant it to contain %q\n%s", tt.Input, err, tt.WantErr, out)
			}
		})
	}
}

// TestTableWithOtherColumnsHint: an existing table whose columns differ
// from the file's suggests --table or --one-table.
func TestTableWithOtherColumnsHint(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/2023-01-01.zip", map[string]string{"a.csv": "id,v\n1,x\n"})
	analyzeDir(t, "site")
	path, _ := filepath.Abs("t.db")
	db := openSQLite(t, path)
	if _, err := db.Exec(`CREATE TABLE a (other TEXT)`); err != nil {
		t.Fatal(err)
	}
	closeDB(t, db)
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--db", "sqlite:" + path})
	for _, want := range []string{"table a has other columns than the file", "--table (a template such as 'v2_{name}') or --one-table"} {
		if err == nil || !strings.Contains(out.String(), want) {
			t.Errorf("err %v, want %q in\n%s", err, want, out)
		}
	}
}

func closeDB(t testing.TB, db *sql.DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
