package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// null stands for NULL among columnValues.
const null = "<NULL>"

// columnValues returns column col of table in tg, ordered by id, with
// NULL as null.
func columnValues(t testing.TB, tg target, table, col string) []string {
	t.Helper()
	q := fmt.Sprintf(`SELECT CAST(%q AS TEXT) FROM %q ORDER BY CAST(id AS INTEGER)`, col, table)
	var out []string
	if path, ok := strings.CutPrefix(tg.dsn, "sqlite:"); ok {
		db := openSQLite(t, path)
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v sql.NullString
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if !v.Valid {
				v.String = null
			}
			out = append(out, v.String)
		}
		return out
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v *string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != nil {
			out = append(out, *v)
		} else {
			out = append(out, null)
		}
	}
	return out
}

// TestRunDialect is the cases through run: a stray inch-mark
// quote no longer hides the fuller version, a bare-CR file counts and
// loads its rows, and CRLF inside a quoted field loads byte for byte.
func TestRunDialect(t *testing.T) {
	t.Chdir(t.TempDir())
	var full strings.Builder
	full.WriteString("id,item,qty\n")
	for i := 1; i <= 100; i++ {
		item := "elbow"
		if i == 3 {
			item = `3/4" pipe`
		}
		fmt.Fprintf(&full, "%d,%s,%d\n", i, item, i%7)
	}
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			dir := "site-" + tg.name
			// The older snapshot was cut short at 10 rows.
			writeZip(t, dir+"/2023-01-01.zip", map[string]string{
				"line01.csv": strings.Join(strings.SplitAfter(full.String(), "\n")[:11], ""),
			})
			writeZip(t, dir+"/2023-01-02.zip", map[string]string{
				"line01.csv": full.String(),
				"mac.csv":    "id,v\r1,a\r2,b b\r3,\"c\rd\"\r",
				"crlf.csv":   "id,note\r\n1,\"two\r\nlines\"\r\n2,plain\r\n3,\"lone\rcr\"\r\n",
				"empty.csv":  "id,t\n1,\"\"\n2,\n3,x\n",
			})
			out := mustExecute(t, "run", dir, "--db", tg.dsn, "--out", tg.name+".plan.csv")
			plan := readFile(t, tg.name+".plan.csv")
			if !strings.Contains(plan, "2023-01-02.zip!/line01.csv") {
				t.Errorf("the fuller version was not chosen:\n%s", plan)
			}
			if n := tg.count(t, "line01"); n != 100 {
				t.Errorf("line01 has %d rows, want 100\n%s", n, out)
			}
			if got := columnValues(t, tg, "line01", "item")[2]; got != `3/4" pipe` {
				t.Errorf("line01 row 3 item = %q, want %q", got, `3/4" pipe`)
			}
			if got, want := columnValues(t, tg, "mac", "v"), []string{"a", "b b", "c\rd"}; !reflect.DeepEqual(got, want) {
				t.Errorf("mac.csv values = %q, want %q", got, want)
			}
			if got, want := columnValues(t, tg, "crlf", "note"), []string{"two\r\nlines", "plain", "lone\rcr"}; !reflect.DeepEqual(got, want) {
				t.Errorf("crlf.csv values = %q, want %q", got, want)
			}
			// The reader tells a quoted empty field from an unquoted one.
			if got, want := columnValues(t, tg, "empty", "t"), []string{"", null, "x"}; !reflect.DeepEqual(got, want) {
				t.Errorf("empty.csv values = %q, want %q", got, want)
			}
		})
	}
}

// TestRunUnclosedQuote: a file that ends inside a quoted field is a
// problem at analysis, named with its record, and run imports nothing.
func TestRunUnclosedQuote(t *testing.T) {
	t.Chdir(t.TempDir())
	tg := targets(t)[0]
	writeZip(t, "site/s.zip", map[string]string{
		"bad.csv":  "id,v\n1,x\n2,\"y\n3,z\n",
		"good.csv": "id,v\n1,x\n",
	})
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"run", "site", "--db", tg.dsn})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("run: err %v, want ErrProblems (exit 1)\n%s", err, out)
	}
	want := "site/s.zip!/bad.csv: record 2: unclosed quote"
	if !strings.Contains(out.String(), want) || !strings.Contains(readFile(t, "plan.problems.csv"), "unclosed quote") {
		t.Errorf("want %q in the output and the problems file:\n%s", want, out)
	}
	if n := tg.count(t, "good"); n != -1 {
		t.Errorf("run imported despite the problem: good has %d rows", n)
	}
	// import on its own refuses the file too.
	err = execute(t.Context(), p, []string{"import", "--db", tg.dsn})
	if !errors.Is(err, ErrProblems) || tg.count(t, "bad") > 0 {
		t.Errorf("import: err %v, bad has %d rows; want a failure and no rows", err, tg.count(t, "bad"))
	}
}

// TestRecordTooLong: a record over --max-record-bytes is a problem at
// analysis and a failure at import, never "loaded 0 rows".
func TestRecordTooLong(t *testing.T) {
	t.Chdir(t.TempDir())
	tg := targets(t)[0]
	writeZip(t, "site/s.zip", map[string]string{
		"giant.csv": strings.Repeat("x", 300), // one giant line and nothing else
		"long.csv":  "id,v\n1," + strings.Repeat("y", 300) + "\n2,z\n",
	})
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", "site", "--max-record-bytes", "100"})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("analyze: err %v, want ErrProblems\n%s", err, out)
	}
	for _, want := range []string{
		"site/s.zip!/giant.csv: header: record too long: longer than 100 bytes",
		"site/s.zip!/long.csv: record 1: record too long: longer than 100 bytes",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("analyze: want %q in\n%s", want, out)
		}
	}
	// A plan made with a larger limit: import fails on the same records.
	mustExecute(t, "analyze", "site")
	p, out = quiet(t)
	err = execute(t.Context(), p, []string{"import", "--db", tg.dsn, "--max-record-bytes", "100"})
	if !errors.Is(err, ErrProblems) || tg.count(t, "long") > 0 || tg.count(t, "giant") > 0 {
		t.Fatalf("import: err %v, want ErrProblems and no rows\n%s", err, out)
	}
	for _, want := range []string{"giant.csv: header: record too long", "long.csv: record 1: record too long"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("import: want %q in\n%s", want, out)
		}
	}
}
