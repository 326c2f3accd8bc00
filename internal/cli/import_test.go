package cli

import (
	"archive/zip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/testenv"
	"github.com/siftload/siftload/internal/ui"
)

// TestMain lets the test binary act as siftload itself (for the tests that
// kill a running import): with SIFTLOAD_TEST_MAIN set it runs the command
// line and exits like main does.
func TestMain(m *testing.M) {
	if os.Getenv("SIFTLOAD_TEST_MAIN") == "1" {
		hooks := defaultDeps()
		if n, err := strconv.ParseInt(os.Getenv("SIFTLOAD_TEST_PAUSE_AFTER_ROWS"), 10, 64); err == nil {
			// Stop in the middle of a load, inside its transaction,
			// and say so: the test then kills the process.
			var rows atomic.Int64
			hooks.importProgress = func(r int64) {
				if rows.Add(r) >= n {
					fmt.Fprintln(os.Stderr, "siftload-test: paused mid-load")
					select {}
				}
			}
		}
		if n, d, ok := strings.Cut(os.Getenv("SIFTLOAD_TEST_SLEEP_AFTER_ROWS"), ":"); ok {
			// Sleep once in the middle of a load, inside its
			// transaction, and say so: the test starts another
			// process meanwhile.
			rowsAt, _ := strconv.ParseInt(n, 10, 64)
			pause, _ := time.ParseDuration(d)
			var rows atomic.Int64
			var once sync.Once
			hooks.importProgress = func(r int64) {
				if rows.Add(r) >= rowsAt {
					once.Do(func() {
						fmt.Fprintln(os.Stderr, "siftload-test: sleeping mid-load")
						time.Sleep(pause)
					})
				}
			}
		}
		err := executeWith(context.Background(), ui.Stderr(), hooks, os.Args[1:])
		switch {
		case err == nil:
			os.Exit(0)
		case errors.Is(err, ErrUsage):
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		default:
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// target is a database the import tests run against.
type target struct {
	name  string
	dsn   string
	count func(t testing.TB, table string) int64 // -1 when the table does not exist
	// ledgerSHA returns the ledger's sha256 for key, "" when absent.
	ledgerSHA func(t testing.TB, key string) string
}

// targets returns SQLite (always) and PostgreSQL (when
// SIFTLOAD_TEST_POSTGRES_URL is set), each fresh for this test. It must be
// called after the test changed its working directory.
func targets(t *testing.T) []target {
	t.Helper()
	dbPath, _ := filepath.Abs("siftload-test.db")
	sq := target{name: "sqlite", dsn: "sqlite:" + dbPath}
	open := func(t testing.TB) *sql.DB { return openSQLite(t, dbPath) }
	sq.count = func(t testing.TB, table string) int64 {
		db := open(t)
		defer db.Close()
		var n int64
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + table + `"`).Scan(&n); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				return -1
			}
			t.Fatal(err)
		}
		return n
	}
	sq.ledgerSHA = func(t testing.TB, key string) string {
		db := open(t)
		defer db.Close()
		var sha string
		err := db.QueryRow(`SELECT sha256 FROM siftload_ledger WHERE file_key = ?`, key).Scan(&sha)
		if err != nil && !errors.Is(err, sql.ErrNoRows) && !strings.Contains(err.Error(), "no such table") {
			t.Fatal(err)
		}
		return sha
	}
	out := []target{sq}

	url := os.Getenv("SIFTLOAD_TEST_POSTGRES_URL")
	if url == "" {
		testenv.SkipPart(t, "PostgreSQL: set SIFTLOAD_TEST_POSTGRES_URL to run it")
		return out
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to SIFTLOAD_TEST_POSTGRES_URL: %v", err)
	}
	schemaName := fmt.Sprintf("siftload_test_%d", rand.Uint64()%1e12)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schemaName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schemaName+" CASCADE")
		conn.Close(context.Background())
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	pg := target{name: "postgres", dsn: url + sep + "options=-csearch_path%3D" + schemaName}
	pg.count = func(t testing.TB, table string) int64 {
		var n int64
		err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM `+schemaName+`."`+table+`"`).Scan(&n)
		if err != nil {
			if strings.Contains(err.Error(), "does not exist") {
				return -1
			}
			t.Fatal(err)
		}
		return n
	}
	pg.ledgerSHA = func(t testing.TB, key string) string {
		var sha string
		err := conn.QueryRow(ctx, `SELECT sha256 FROM `+schemaName+`.siftload_ledger WHERE file_key = $1`, key).Scan(&sha)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) && !strings.Contains(err.Error(), "does not exist") {
			t.Fatal(err)
		}
		return sha
	}
	return append(out, pg)
}

// openSQLite opens a SQLite file for checks; closed with the test.
func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// writeZip writes a zip holding members (name → content).
func writeZip(t testing.TB, path string, members map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, content := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeBigZip writes a zip with one member of rows generated rows.
func writeBigZip(t testing.TB, path, member string, rows int) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintln(&b, "id,ts,qty,weight,note")
	for i := range rows {
		fmt.Fprintf(&b, "%d,2023-01-%02d 10:%02d:%02d,%d,%d.%03d,\"note %d, with comma\"\n", i+1, i%28+1, i%60, i%60, i%1000, i%97, i%1000, i)
	}
	writeZip(t, path, map[string]string{member: b.String()})
}

func TestRunLoadsOnceAndRerunSkips(t *testing.T) {
	dir, truth := site(t, tricky)
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mustExecute(t, "run", dir, "--db", tg.dsn, "--out", tg.name+".plan.csv")
			for _, tr := range truth {
				table := schema.TableName(tr.Key)
				if got := tg.count(t, table); got != tr.Rows {
					t.Errorf("table %s has %d rows, want %d", table, got, tr.Rows)
				}
			}
			// Flags after the INPUT, too.
			out := mustExecute(t, "run", "--db", tg.dsn, dir, "--out", tg.name+".plan.csv", "--load-workers", "2")
			want := fmt.Sprintf("0 loaded, 0 replaced, %d skipped, 0 failed", len(truth))
			if !strings.Contains(out, want) {
				t.Errorf("second run did not skip everything: want %q in\n%s", want, out)
			}
			for _, tr := range truth {
				if got := tg.count(t, schema.TableName(tr.Key)); got != tr.Rows {
					t.Errorf("after the second run table %s has %d rows, want %d", schema.TableName(tr.Key), got, tr.Rows)
				}
			}
		})
	}
}

// analyzeDir runs analyze on dir into plan.csv and fails on problems.
func analyzeDir(t testing.TB, dir string) {
	t.Helper()
	mustExecute(t, "analyze", dir, "--out", "plan.csv")
}

func TestImportReplacesNewerVersion(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			dir := "site-" + tg.name
			writeZip(t, dir+"/2023-01-01.zip", map[string]string{"a.csv": "id,v\n1,x\n2,y\n"})
			analyzeDir(t, dir)
			mustExecute(t, "import", "--db", tg.dsn)
			writeZip(t, dir+"/2023-01-02.zip", map[string]string{"a.csv": "id,v\n1,x\n2,y\n3,z\n"})
			analyzeDir(t, dir)
			out := mustExecute(t, "import", "--db", tg.dsn, "--dry-run")
			if !strings.Contains(out, "replace  a.csv -> a: 2 rows -> 3 rows") || tg.count(t, "a") != 2 {
				t.Errorf("dry run: want a replace line and no change, got %d rows and\n%s", tg.count(t, "a"), out)
			}
			out = mustExecute(t, "import", "--db", tg.dsn)
			if got := tg.count(t, "a"); got != 3 || !strings.Contains(out, "replaced a.csv -> a: 3 rows (was 2)") {
				t.Errorf("after replace: %d rows, want 3; output:\n%s", got, out)
			}
			// A stale plan (fewer rows) must not downgrade the table.
			os.Remove(dir + "/2023-01-02.zip")
			analyzeDir(t, dir)
			p, buf := quiet(t)
			err := execute(t.Context(), p, []string{"import", "--db", tg.dsn})
			if !errors.Is(err, ErrProblems) || !strings.Contains(buf.String(), "--allow-downgrade") || tg.count(t, "a") != 3 {
				t.Errorf("downgrade: err %v, %d rows, output:\n%s", err, tg.count(t, "a"), buf)
			}
			mustExecute(t, "import", "--db", tg.dsn, "--allow-downgrade")
			if n := tg.count(t, "a"); n != 2 {
				t.Errorf("--allow-downgrade: %d rows, want 2", n)
			}
		})
	}
}

func TestImportBadRecords(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			dir := "site-" + tg.name
			writeZip(t, dir+"/s.zip", map[string]string{
				"good.csv": "id,v\n1,x\n",
				"bad.csv":  "id,v\n1,x\n2,y,extra\n3,z\n",
			})
			// The field count is a structural warning, so a problem of the
			// analysis; the plan is written all the same.
			p, out := quiet(t)
			if err := execute(t.Context(), p, []string{"analyze", dir, "--out", "plan.csv"}); !errors.Is(err, ErrProblems) ||
				!strings.Contains(out.String(), "field count differs from header (1 record, first: record 2)") {
				t.Fatalf("analyze: err %v, want a field-count problem\n%s", err, out)
			}
			p, out = quiet(t)
			err := execute(t.Context(), p, []string{"import", "--db", tg.dsn})
			if !errors.Is(err, ErrProblems) {
				t.Fatalf("import with a bad record: err %v, want ErrProblems\n%s", err, out)
			}
			wantMsg := dir + "/s.zip!/bad.csv: record 2: 3 fields, the header has 2"
			if !strings.Contains(out.String(), wantMsg) {
				t.Errorf("error does not name source, record and reason: want %q in\n%s", wantMsg, out)
			}
			if n := tg.count(t, "bad"); n > 0 {
				t.Errorf("bad file partly written: %d rows", n)
			}
			if tg.ledgerSHA(t, "bad.csv") != "" {
				t.Errorf("bad file in the ledger")
			}
			if n := tg.count(t, "good"); n != 1 {
				t.Errorf("the good file did not load: %d rows", n)
			}
			mustExecute(t, "import", "--db", tg.dsn, "--max-bad-rows", "1", "--rejects", tg.name+".rejects.csv")
			if n := tg.count(t, "bad"); n != 2 {
				t.Errorf("with --max-bad-rows 1: %d rows, want 2", n)
			}
			rej := readFile(t, tg.name+".rejects.csv")
			if !strings.Contains(rej, "s.zip!/bad.csv,2,\"3 fields, the header has 2\",\"2,y,extra\"") {
				t.Errorf("reject file:\n%s", rej)
			}
		})
	}
}

func TestImportRefusesBeforeWriting(t *testing.T) {
	t.Chdir(t.TempDir())
	tg := targets(t)[0]
	writeZip(t, "site/s1.zip", map[string]string{"x/a-b.csv": "id\n1\n", "x/a_b.csv": "id\n1\n"})
	analyzeDir(t, "site")
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--db", tg.dsn})
	if err == nil || !strings.Contains(err.Error(), `both map to table x_a_b`) {
		t.Errorf("clash: err %v\n%s", err, out)
	}
	if tg.count(t, "x_a_b") != -1 {
		t.Errorf("a table was created despite the clash")
	}
	p, out = quiet(t)
	if err := execute(t.Context(), p, []string{"import", "--db", tg.dsn, "--table", "{dir}_{base}_t"}); err == nil {
		t.Errorf("template that still clashes: no error\n%s", out)
	}
	// A missing source: nothing loads, not even the keys that exist.
	writeZip(t, "site2/s1.zip", map[string]string{"a.csv": "id\n1\n"})
	writeZip(t, "site2/s2.zip", map[string]string{"b.csv": "id\n1\n"})
	analyzeDir(t, "site2")
	os.Remove("site2/s2.zip")
	p, out = quiet(t)
	err = execute(t.Context(), p, []string{"import", "--db", tg.dsn})
	if err == nil || !strings.Contains(err.Error(), "site2/s2.zip") || tg.count(t, "a") != -1 {
		t.Errorf("missing source: err %v, table a has %d rows\n%s", err, tg.count(t, "a"), out)
	}
}

func TestImportDetectsChangedSource(t *testing.T) {
	t.Chdir(t.TempDir())
	tg := targets(t)[0]
	writeZip(t, "site/s1.zip", map[string]string{"a.csv": "id\n1\n2\n"})
	analyzeDir(t, "site")
	writeZip(t, "site/s1.zip", map[string]string{"a.csv": "id\n1\n3\n"})
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--db", tg.dsn})
	if !errors.Is(err, ErrProblems) || !strings.Contains(out.String(), "site/s1.zip!/a.csv: sha256 differs from the plan") {
		t.Errorf("changed source: err %v\n%s", err, out)
	}
	if n := tg.count(t, "a"); n > 0 {
		t.Errorf("changed source loaded %d rows", n)
	}
}

func TestImportExistingTableColumns(t *testing.T) {
	t.Chdir(t.TempDir())
	tg := targets(t)[0]
	writeZip(t, "site/s1.zip", map[string]string{"a.csv": "id,v\n1,x\n"})
	analyzeDir(t, "site")
	mustExecute(t, "import", "--db", tg.dsn)
	writeZip(t, "site/s2.zip", map[string]string{"a.csv": "id,w,v\n1,x,y\n2,x,y\n"})
	analyzeDir(t, "site")
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--db", tg.dsn})
	if !errors.Is(err, ErrProblems) || !strings.Contains(out.String(), "not in the table: w") {
		t.Errorf("column mismatch: err %v\n%s", err, out)
	}
}

// TestKilledImportLeavesTableAsItWas kills an import in the middle of
// replacing a table and checks that the table and the ledger still hold
// the old version, and that a re-run then loads the new one completely.
func TestKilledImportLeavesTableAsItWas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large file")
	}
	t.Chdir(t.TempDir())
	const bigRows = 400_000
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			dir := "site-" + tg.name
			writeZip(t, dir+"/2023-01-01.zip", map[string]string{"line.csv": "id,ts,qty,weight,note\n1,2023-01-01 10:00:00,1,1.5,a\n2,2023-01-01 10:00:01,2,2.5,b\n"})
			analyzeDir(t, dir)
			p, out := quiet(t)
			if err := execute(t.Context(), p, []string{"import", "--db", tg.dsn}); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			oldSHA := tg.ledgerSHA(t, "line.csv")
			writeBigZip(t, dir+"/2023-01-02.zip", "line.csv", bigRows)
			analyzeDir(t, dir)

			cmd := selfCommand(t, t.Context(), []string{"SIFTLOAD_TEST_PAUSE_AFTER_ROWS=100000"}, "import", "--db", tg.dsn)
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Kill it once 100,000 of the 400,000 rows went to the
			// database, inside the load's transaction.
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(stderr.String(), "paused mid-load") && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if !strings.Contains(stderr.String(), "paused mid-load") {
				t.Fatalf("the import never reached the middle of the load:\n%s", stderr.String())
			}
			cmd.Process.Signal(syscall.SIGKILL)
			err := <-done
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("import was not killed mid-load (it ended: %v); output:\n%s", err, stderr.String())
			}
			if n := tg.count(t, "line"); n != 2 {
				t.Errorf("after the kill the table has %d rows, want the old 2", n)
			}
			if sha := tg.ledgerSHA(t, "line.csv"); sha != oldSHA {
				t.Errorf("after the kill the ledger has %s, want the old %s", sha, oldSHA)
			}
			mustExecute(t, "import", "--db", tg.dsn)
			if n := tg.count(t, "line"); n != bigRows {
				t.Errorf("after the re-run the table has %d rows, want %d", n, bigRows)
			}
		})
	}
}

// syncBuffer is a strings.Builder that a process may write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
