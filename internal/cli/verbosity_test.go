package cli

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// TestVerbosity: -v shows per key its source and columns and where the
// password came from; -q prints nothing but errors; --log-file gets every
// line, verbose ones too, with timestamps.
func TestVerbosity(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/2023-01-01.zip", map[string]string{"a.csv": "id,ts,v\n1,2023-01-01 10:00:00,x\n", "b.csv": "id\n1\n", "readme.md": "hi"})
	out := mustExecute(t, "analyze", "site", "--out", "plan.csv", "-v")
	if want := "skipped site/2023-01-01.zip!/readme.md: no data file"; !strings.Contains(out, want) {
		t.Errorf("analyze -v: output lacks %q:\n%s", want, out)
	}
	if out := mustExecute(t, "analyze", "site", "--out", "plan.csv"); strings.Contains(out, "readme.md") {
		t.Errorf("analyze without -v names a skipped member:\n%s", out)
	}

	out = mustExecute(t, "import", "--db", "sqlite:v.db", "-v", "--plan", "plan.csv")
	for _, want := range []string{
		"password: none needed",
		"a.csv: source site/2023-01-01.zip!/a.csv",
		"a.csv: inferred columns a: id integer, ts timestamp, v text",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("-v: output lacks %q:\n%s", want, out)
		}
	}
	if out := mustExecute(t, "import", "--db", "sqlite:v.db"); strings.Contains(out, "source site/") || strings.Contains(out, "password:") {
		t.Errorf("without -v, detail is printed:\n%s", out)
	}

	// -q: a re-run prints nothing; a failure prints only errors.
	if out := mustExecute(t, "import", "--db", "sqlite:v.db", "-q"); out != "" {
		t.Errorf("-q printed:\n%s", out)
	}
	db := openSQLite(t, "w.db")
	if _, err := db.Exec(`CREATE TABLE b (other TEXT)`); err != nil {
		t.Fatal(err)
	}
	closeDB(t, db)
	p, buf := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--db", "sqlite:w.db", "-q", "--log-file", "import.log"})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("err %v, want ErrProblems", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !strings.HasPrefix(l, "failed ") && !strings.HasPrefix(l, "FAILED ") {
			t.Errorf("-q printed a line that is no error: %q", l)
		}
	}
	log := readFile(t, "import.log")
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}`)
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if !stamp.MatchString(l) {
			t.Errorf("log line without a timestamp: %q", l)
		}
	}
	for _, want := range []string{"import: 2 keys into sqlite:w.db", "password: none needed", "a.csv: source site/2023-01-01.zip!/a.csv", "loaded   a.csv -> a: 1 rows", "FAILED 1/1: b.csv -> b"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
