package cli

import (
	"errors"
	"strings"
	"testing"
)

// planOf analyzes with args and returns the plan's key → source and
// key → rows.
func planOf(t *testing.T, args ...string) (map[string]string, map[string]int64) {
	t.Helper()
	p, out := quiet(t)
	err := execute(t.Context(), p, append([]string{"analyze", "--out", "plan.csv"}, args...))
	if err != nil && !errors.Is(err, ErrProblems) {
		t.Fatalf("analyze %q: %v\n%s", args, err, out)
	}
	entries, err := readPlanFile("plan.csv")
	if err != nil {
		t.Fatal(err)
	}
	src, rows := map[string]string{}, map[string]int64{}
	for _, e := range entries {
		src[e.Key], rows[e.Key] = e.Source, e.Rows
	}
	return src, rows
}

func TestAnalyzeOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	// s1 has more rows of a.csv, s2 reaches a later timestamp.
	writeZip(t, "site/s1.zip", map[string]string{
		"data/a.csv":   "ts,v\n2023-01-01 00:00:00,1\n2023-01-02 00:00:00,2\n2023-01-03 00:00:00,3\n",
		"data/b.txt":   "x\n1\n",
		"notes/c.csv":  "x\n1\n",
		"empty.csv":    "",
		"header.csv":   "x,y\n",
		"bin/blob.dat": "\x00\x01",
	})
	writeZip(t, "site/s2.zip", map[string]string{
		"data/a.csv": "ts,v\n2023-02-01 00:00:00,9\n",
	})
	t.Run("Default", func(t *testing.T) {
		src, rows := planOf(t, "site")
		if src["data/a.csv"] != "site/s1.zip!/data/a.csv" || rows["data/a.csv"] != 3 {
			t.Errorf("a.csv: %s %d", src["data/a.csv"], rows["data/a.csv"])
		}
		if _, ok := src["bin/blob.dat"]; ok {
			t.Errorf("non-data member in the plan")
		}
		if rows["empty.csv"] != 0 || rows["header.csv"] != 0 || src["empty.csv"] == "" || src["header.csv"] == "" {
			t.Errorf("empty and header-only files must be keys with 0 rows: %v", rows)
		}
	})
	t.Run("MaxTimestamp", func(t *testing.T) {
		src, _ := planOf(t, "site", "--metric", "max:ts", "--include", "data/a.csv")
		if src["data/a.csv"] != "site/s2.zip!/data/a.csv" {
			t.Errorf("max:ts chose %s", src["data/a.csv"])
		}
	})
	t.Run("Bytes", func(t *testing.T) {
		src, _ := planOf(t, "site", "--metric", "bytes", "--include", "data/a.csv")
		if src["data/a.csv"] != "site/s1.zip!/data/a.csv" {
			t.Errorf("bytes chose %s", src["data/a.csv"])
		}
	})
	t.Run("NoHeader", func(t *testing.T) {
		_, rows := planOf(t, "site", "--no-header")
		if rows["data/a.csv"] != 4 || rows["header.csv"] != 1 {
			t.Errorf("--no-header rows: %v", rows)
		}
	})
	t.Run("IncludeExclude", func(t *testing.T) {
		src, _ := planOf(t, "site", "--include", "*.csv", "--exclude", "notes/*")
		if _, ok := src["notes/c.csv"]; ok {
			t.Errorf("excluded file in the plan")
		}
		if _, ok := src["data/b.txt"]; ok {
			t.Errorf("--include *.csv still took b.txt")
		}
		if _, ok := src["data/a.csv"]; !ok {
			t.Errorf("a.csv missing")
		}
	})
	t.Run("KeyRegex", func(t *testing.T) {
		src, _ := planOf(t, "site", "--include", "data/*", "--key", `!/data/(?P<key>[a-z]+)\.`)
		if src["a"] == "" || src["b"] == "" || len(src) != 2 {
			t.Errorf("--key: keys %v", src)
		}
	})
}

func TestImportTextOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	tg := targets(t)[0]
	// windows-1252 text (é is 0xE9) with semicolons and pipes in data.
	writeZip(t, "site/s.zip", map[string]string{
		"w.csv":      "name;city\nRen\xe9;Paris|Nord\nJos\xe9;\"Lyon;Sud\"\n",
		"empty.csv":  "",
		"header.csv": "x,y\n",
	})
	analyzeDir(t, "site")
	out := mustExecute(t, "import", "--db", tg.dsn, "--encoding", "windows-1252", "--delimiter", ";")
	if n := tg.count(t, "w"); n != 2 {
		t.Errorf("w: %d rows", n)
	}
	if !strings.Contains(out, "skipped  empty.csv -> empty: empty file (0 bytes)") {
		t.Errorf("empty file not skipped with a note:\n%s", out)
	}
	if n := tg.count(t, "empty"); n != -1 {
		t.Errorf("a table was made for the empty file")
	}
	if n := tg.count(t, "header"); n != 0 {
		t.Errorf("header-only file: table has %d rows, want an empty table", n)
	}
	db := openSQLite(t, strings.TrimPrefix(tg.dsn, "sqlite:"))
	var city string
	if err := db.QueryRow(`SELECT city FROM w WHERE name = 'René'`).Scan(&city); err != nil || city != "Paris|Nord" {
		t.Errorf("decoded row: %q, %v", city, err)
	}
}

func TestImportOneTable(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			dir := "site-" + tg.name
			writeZip(t, dir+"/s1.zip", map[string]string{
				"l1.csv": "id,qty\n1,5\n2,6\n",
				"l2.csv": "id,qty\n1,7.5\n",
			})
			analyzeDir(t, dir)
			mustExecute(t, "import", "--db", tg.dsn, "--one-table", "all_lines")
			if n := tg.count(t, "all_lines"); n != 3 {
				t.Errorf("all_lines has %d rows, want 3", n)
			}
			// A new version of l1 replaces only l1's rows.
			writeZip(t, dir+"/s2.zip", map[string]string{"l1.csv": "id,qty\n1,5\n2,6\n3,8\n"})
			analyzeDir(t, dir)
			mustExecute(t, "import", "--db", tg.dsn, "--one-table", "all_lines")
			if n := tg.count(t, "all_lines"); n != 4 {
				t.Errorf("after replacing l1: %d rows, want 4", n)
			}
		})
	}
}
