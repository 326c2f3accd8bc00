package cli

import (
	"errors"
	"strings"
	"testing"
)

// TestImportSummaryTable: an import ends with a table of the keys it
// loaded (rows, rejected, time, status), the skipped keys in one row, a
// total, and the failures repeated as the very last lines.
func TestImportSummaryTable(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/2023-01-01.zip", map[string]string{"a.csv": "id\n1\n2\n", "b.csv": "id\n1\n2\n3\n"})
	analyzeDir(t, "site")
	mustExecute(t, "import", "--db", "sqlite:t.db")
	writeZip(t, "site/2023-01-02.zip", map[string]string{"c.csv": "id\n1\n", "d.csv": "id\n1\n2\n3\n4\n", "e.csv": "id,v\n1,x\n"})
	analyzeDir(t, "site")
	// e's table exists with other columns: e fails.
	db := openSQLite(t, "t.db")
	if _, err := db.Exec(`CREATE TABLE e (other TEXT)`); err != nil {
		t.Fatal(err)
	}
	closeDB(t, db)

	p, buf := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--db", "sqlite:t.db"})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("err %v, want ErrProblems\n%s", err, buf)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	header := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "key ") && strings.Contains(l, "rejected") {
			header = i
		}
	}
	if header < 0 {
		t.Fatalf("no summary table:\n%s", out)
	}
	table := strings.Join(lines[header:], "\n")
	rows := map[string][]string{} // by the first field
	for _, l := range lines[header+1:] {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = f
		}
	}
	for key, want := range map[string]string{
		"c.csv": "c 1 0 loaded", "d.csv": "d 4 0 loaded", "e.csv": "e 0 0 failed",
		"(2": "keys skipped: already loaded) 5 skipped", "total": "5 0",
	} {
		f := rows[key]
		if len(f) < 2 {
			t.Errorf("summary table has no row %s:\n%s", key, table)
			continue
		}
		got := strings.Join(f[1:], " ")
		if key != "(2" && key != "total" { // drop the time
			got = strings.Join(append(f[1:len(f)-2:len(f)-2], f[len(f)-1]), " ")
		}
		if key == "total" {
			got = strings.Join(f[1:3], " ")
		}
		if got != want {
			t.Errorf("summary row %s: %q, want %q\n%s", key, got, want, table)
		}
	}
	if strings.Contains(table, "a.csv") || strings.Contains(table, "b.csv") {
		t.Errorf("skipped keys are not collapsed:\n%s", table)
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "FAILED 1/1: e.csv -> e: ") || !strings.Contains(last, "other columns") {
		t.Errorf("the last line is %q, want the failure of e.csv repeated\n%s", last, out)
	}
}
