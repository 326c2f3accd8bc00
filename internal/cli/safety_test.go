package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/siftload/siftload/internal/testenv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sitegen"
)

// pgCatalogRows returns the rows of pg_catalog.pg_description, or -1 when
// the target is not PostgreSQL.
func pgCatalogRows(t *testing.T, tg target) int64 {
	t.Helper()
	if tg.name != "postgres" {
		return -1
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("SIFTLOAD_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM pg_catalog.pg_description").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReservedTableNameRefused imports a key whose table name the
// database keeps for itself: the import is refused before anything is
// written, with a hint at --table, and with --table it loads into a table
// of its own while the catalog keeps its rows.
func TestReservedTableNameRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			reserved := map[string]string{"sqlite": "sqlite_sequence", "postgres": "pg_description"}[tg.name]
			dir := "site-" + tg.name
			writeZip(t, dir+"/s1.zip", map[string]string{reserved + ".csv": "objoid,description\n1,x\n2,y\n"})
			analyzeDir(t, dir)
			before := pgCatalogRows(t, tg)
			p, out := quiet(t)
			err := execute(t.Context(), p, []string{"import", "--db", tg.dsn})
			if err == nil || !strings.Contains(err.Error(), "reserved") || !strings.Contains(err.Error(), "--table") {
				t.Errorf("import of %s.csv: err %v, want a refusal that names --table\n%s", reserved, err, out)
			}
			if sha := tg.ledgerSHA(t, reserved+".csv"); sha != "" {
				t.Errorf("the refused key is in the ledger")
			}
			mustExecute(t, "import", "--db", tg.dsn, "--table", "x_{name}")
			if n := tg.count(t, "x_"+reserved); n != 2 {
				t.Errorf("with --table x_{name}: table x_%s has %d rows, want 2", reserved, n)
			}
			if after := pgCatalogRows(t, tg); after != before {
				t.Errorf("pg_catalog.pg_description had %d rows, now %d", before, after)
			}
		})
	}
}

// TestTwoPlansRaceForOneTable runs two import processes at once, of two
// plans whose keys L.csv and l.CSV map to one table: the first sleeps in
// the middle of its load while the second starts. One of them loads, the
// other fails saying the table holds another key, and the table holds the
// rows of one file, never both.
func TestTwoPlansRaceForOneTable(t *testing.T) {
	t.Chdir(t.TempDir())
	if a, b := schema.TableName("L.csv"), schema.TableName("l.CSV"); a != b {
		t.Fatalf("the keys map to tables %s and %s: the test needs one", a, b)
	}
	const bigRows = 60_000
	writeBigZip(t, "site-a/s1.zip", "L.csv", bigRows)
	writeZip(t, "site-b/s1.zip", map[string]string{"l.CSV": "id,ts,qty,weight,note\n1,2023-01-01 10:00:00,1,1.5,a\n"})
	mustExecute(t, "analyze", "site-a", "--out", "a.csv")
	mustExecute(t, "analyze", "site-b", "--out", "b.csv")
	table := schema.TableName("L.csv")
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			a := selfCommand(t, t.Context(), []string{"SIFTLOAD_TEST_SLEEP_AFTER_ROWS=20000:2s"}, "import", "--plan", "a.csv", "--db", tg.dsn)
			var outA, outB syncBuffer
			a.Stderr = &outA
			if err := a.Start(); err != nil {
				t.Fatal(err)
			}
			doneA := make(chan error, 1)
			go func() { doneA <- a.Wait() }()
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(outA.String(), "sleeping mid-load") && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			b := selfCommand(t, t.Context(), nil, "import", "--plan", "b.csv", "--db", tg.dsn)
			b.Stderr = &outB
			errB := b.Run()
			errA := <-doneA
			if errA != nil {
				t.Fatalf("importer of L.csv, which started first: %v\n%s", errA, outA.String())
			}
			var ee *exec.ExitError
			if !errors.As(errB, &ee) || ee.ExitCode() != 1 || !strings.Contains(outB.String(), "table holds another key") {
				t.Errorf("importer of l.CSV: %v, want exit 1 saying the table holds another key\n%s", errB, outB.String())
			}
			if n := tg.count(t, table); n != bigRows {
				t.Errorf("table %s has %d rows, want the %d of L.csv alone", table, n, bigRows)
			}
			if sha := tg.ledgerSHA(t, "l.CSV"); sha != "" {
				t.Errorf("the ledger holds l.CSV too")
			}
		})
	}
}

// silentServer listens on loopback, accepts connections and never
// answers, as a hung server or a black-holing proxy does. It returns the
// port.
func silentServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// TestConnectTimeout imports into a server that accepts the connection
// and never answers: the import ends within the connect timeout with an
// error that says so, instead of waiting for ever.
func TestConnectTimeout(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/s1.zip", map[string]string{"a.csv": "id\n1\n"})
	analyzeDir(t, "site")
	port := silentServer(t)
	for _, dsn := range []string{
		fmt.Sprintf("postgres://loader@127.0.0.1:%d/db?sslmode=disable", port),
		fmt.Sprintf("oracle://loader@127.0.0.1:%d/svc", port),
	} {
		t.Run(strings.Split(dsn, ":")[0], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			p, out := quiet(t)
			start := time.Now()
			err := execute(ctx, p, []string{"import", "--db", dsn, "--connect-timeout", "700ms"})
			took := time.Since(start)
			if err == nil || ctx.Err() != nil || !strings.Contains(strings.ToLower(err.Error()), "timeout") && !strings.Contains(err.Error(), "deadline exceeded") {
				t.Errorf("import into a silent server: err %v after %s, want a timeout error\n%s", err, took, out)
			}
			if took > 10*time.Second {
				t.Errorf("import into a silent server took %s with --connect-timeout 700ms", took)
			}
			t.Logf("ended after %s: %v", took.Round(time.Millisecond), err)
		})
	}
}

// TestStatementTimeout holds a lock on a loaded table in another session,
// so that replacing the key's rows waits for ever: with --statement-timeout
// the key fails within the limit, saying why, and the import ends.
func TestStatementTimeout(t *testing.T) {
	t.Chdir(t.TempDir())
	var pg target
	for _, tg := range targets(t) {
		if tg.name == "postgres" {
			pg = tg
		}
	}
	if pg.name == "" {
		testenv.Skip(t, "needs PostgreSQL (SIFTLOAD_TEST_POSTGRES_URL)")
	}
	writeZip(t, "site/s1.zip", map[string]string{"a.csv": "id\n1\n"})
	analyzeDir(t, "site")
	mustExecute(t, "import", "--db", pg.dsn)
	writeZip(t, "site/s2.zip", map[string]string{"a.csv": "id\n1\n2\n"})
	analyzeDir(t, "site")

	ctx := context.Background()
	locker, err := pgx.Connect(ctx, pg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE "a" IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	p, out := quiet(t)
	start := time.Now()
	err = execute(tctx, p, []string{"import", "--db", pg.dsn, "--statement-timeout", "1s"})
	took := time.Since(start)
	if !errors.Is(err, ErrProblems) || tctx.Err() != nil || !strings.Contains(out.String(), "no progress for 1s") {
		t.Errorf("import against a locked table: err %v after %s, want the key failed for no progress\n%s", err, took, out)
	}
	if took > 20*time.Second {
		t.Errorf("the stalled import took %s with --statement-timeout 1s", took)
	}
	tx.Rollback(ctx)
	if n := pg.count(t, "a"); n != 1 {
		t.Errorf("table a has %d rows after the stalled replace, want the old 1", n)
	}
}

// TestPlanAndProfileReadsAreBounded gives import and config check files
// that never end or never come: each ends at once with an error that says
// why, instead of filling memory or waiting for ever.
func TestPlanAndProfileReadsAreBounded(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := syscall.Mkfifo("fifo", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("long.csv", []byte(strings.Repeat("k", plan.MaxPlanRecord+10)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name    string
		Args    []string
		WantErr string
	}{
		{"PlanDevZero", []string{"import", "--plan", "/dev/zero", "--db", "sqlite:x.db"}, "not a regular file"},
		{"PlanFIFO", []string{"import", "--plan", "fifo", "--db", "sqlite:x.db"}, "not a regular file"},
		{"PlanDirectory", []string{"import", "--plan", ".", "--db", "sqlite:x.db"}, "not a regular file"},
		{"PlanLongRecord", []string{"import", "--plan", "long.csv", "--db", "sqlite:x.db"}, "longer than 1048576 bytes"},
		{"ProfileDevZero", []string{"config", "check", "/dev/zero"}, "not a regular file"},
		{"ProfileFIFO", []string{"config", "check", "fifo"}, "not a regular file"},
		{"RunProfileDevZero", []string{"run", "--config", "/dev/zero"}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			p, out := quiet(t)
			err := execute(ctx, p, tt.Args)
			if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), tt.WantErr) {
				t.Errorf("%q: err %v, want one with %q\n%s", tt.Args, err, tt.WantErr, out)
			}
		})
	}
}

// TestPlanFromStdinIsInterruptible reads the plan from standard input,
// a pipe that never writes: cancelling the context ends the read.
func TestPlanFromStdinIsInterruptible(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	stdin := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = stdin }()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := readPlanContext(ctx, "-")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("read of a silent stdin: err %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read of a silent stdin ignored the cancelled context")
	}
	// And a plan that does come through stdin is read.
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdin = r2
	go func() {
		fmt.Fprintf(w2, "key,rows,source,sha256\na.csv,1,in/a.csv,%s\n", strings.Repeat("0", 64))
		w2.Close()
	}()
	entries, err := readPlanContext(t.Context(), "-")
	if err != nil || len(entries) != 1 || entries[0].Key != "a.csv" {
		t.Errorf("plan from stdin: %v, %v", entries, err)
	}
}

// writePlan writes a hand-made plan of one key.
func writePlan(t *testing.T, path, key, source, sha string) {
	t.Helper()
	body := fmt.Sprintf("key,rows,source,sha256\n%s,1,%s,%s\n", key, source, sha)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestHostilePlanSources edits plans as an attacker would: sources
// outside the plan's inputs (a relative climb, a symbolic link, an
// absolute path, /proc/self/environ) or no regular file are refused before
// anything is read, and a file inside whose sha256 does not match the
// plan never has its content quoted in an error, not even when the header
// or a value is what fails.
func TestHostilePlanSources(t *testing.T) {
	t.Chdir(t.TempDir())
	tg := targets(t)[0]
	const secret = "hunter2fakesecret" // survives column-name cleaning
	writeZip(t, "site/s1.zip", map[string]string{"a.csv": "id\n1\n"})
	mustExecute(t, "analyze", "site", "--out", "first.csv")
	mustExecute(t, "import", "--plan", "first.csv", "--db", tg.dsn) // table a: id integer
	if err := os.WriteFile("secret.txt", []byte("SIFTLOAD_DB_PASSWORD="+secret+"\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("secret.txt")
	if err := os.Symlink(abs, "site/link.csv"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo("site/fifo.csv", 0o600); err != nil {
		t.Fatal(err)
	}
	zero := strings.Repeat("0", 64)
	refused := []struct{ Name, Source, WantErr string }{
		{"Climb", "../secret.txt", "outside the plan's inputs"},
		{"Symlink", "link.csv", "outside the plan's inputs"},
		{"Absolute", abs, "outside the plan's inputs"},
		{"ProcEnviron", "/proc/self/environ", "pseudo file system"},
		{"FIFO", "fifo.csv", "not a regular file"},
	}
	for _, tt := range refused {
		t.Run(tt.Name, func(t *testing.T) {
			writePlan(t, "hostile.csv", "a.csv", tt.Source, zero)
			p, out := quiet(t)
			err := execute(t.Context(), p, []string{"import", "--plan", "hostile.csv", "--db", tg.dsn, "--base", "site"})
			if err == nil || !strings.Contains(err.Error(), tt.WantErr) || !strings.Contains(err.Error(), "nothing was loaded") {
				t.Errorf("source %s: err %v, want a refusal with %q\n%s", tt.Source, err, tt.WantErr, out)
			}
			if strings.Contains(fmt.Sprint(err)+out.String(), secret) {
				t.Errorf("the secret was printed:\n%v\n%s", err, out)
			}
		})
	}
	// The root is the whole of the plan's inputs: /proc is refused even
	// when it lies under --base.
	t.Run("ProcUnderBase", func(t *testing.T) {
		writePlan(t, "hostile.csv", "a.csv", "self/environ", zero)
		p, out := quiet(t)
		err := execute(t.Context(), p, []string{"import", "--plan", "hostile.csv", "--db", tg.dsn, "--base", "/proc"})
		if err == nil || !strings.Contains(err.Error(), "pseudo file system") {
			t.Errorf("/proc/self/environ under --base /proc: err %v\n%s", err, out)
		}
	})

	// Files inside the inputs whose header or value fails: quoted only
	// once the file is verified against the plan.
	inside := []struct {
		Name, Content string
		Verified      bool
		Want          string
	}{
		{"HeaderUnverified", "SIFTLOAD_DB_PASSWORD=" + secret + "\n1\n", false, "sha256 differs from the plan"},
		{"ValueUnverified", "id\n" + secret + "\n", false, "(column id)"},
		{"ValueVerified", "id\n" + secret + "\n", true, secret},
		{"HeaderVerified", "SIFTLOAD_DB_PASSWORD=" + secret + "\n1\n", true, "not in the table"},
	}
	for _, tt := range inside {
		t.Run(tt.Name, func(t *testing.T) {
			if err := os.WriteFile("site/in.csv", []byte(tt.Content), 0o644); err != nil {
				t.Fatal(err)
			}
			sha := zero
			if tt.Verified {
				sha = sha256Hex(tt.Content)
			}
			writePlan(t, "hostile.csv", "a.csv", "in.csv", sha)
			p, out := quiet(t)
			err := execute(t.Context(), p, []string{"import", "--plan", "hostile.csv", "--db", tg.dsn, "--base", "site"})
			if !errors.Is(err, ErrProblems) || !strings.Contains(out.String(), tt.Want) {
				t.Errorf("err %v, want the key failed with %q\n%s", err, tt.Want, out)
			}
			if !tt.Verified && strings.Contains(out.String(), secret) {
				t.Errorf("content of an unverified file was printed:\n%s", out)
			}
			if n := tg.count(t, "a"); n != 1 {
				t.Errorf("table a has %d rows, want the first load's 1", n)
			}
		})
	}
}

// TestRunIgnoresItsOwnOutputs runs twice on a directory that holds the
// run's own plan, problems, candidates and rejects files and SQLite
// database: the second run's plan is the first's.
func TestRunIgnoresItsOwnOutputs(t *testing.T) {
	dir, _ := site(t, sitegen.Params{Snapshots: 3, Keys: 3, Rows: 20, Columns: 6, Seed: 5})
	args := []string{"run", dir, "--out", dir + "/plan.csv", "--candidates", dir + "/cands.csv",
		"--rejects", dir + "/rejects.txt", "--db", "sqlite:" + dir + "/load.csv", "--workers", "1"}
	mustExecute(t, args...)
	first := readFile(t, dir+"/plan.csv")
	for _, f := range []string{"load.csv-wal", "load.csv-journal", "rejects.txt"} {
		// Leftovers a crash or --max-bad-rows would leave.
		if err := os.WriteFile(dir+"/"+f, []byte("id\n1\n2\n3\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustExecute(t, args...)
	if second := readFile(t, dir+"/plan.csv"); second != first {
		t.Errorf("the second run analyzed its own files:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
}

// TestShardRefusesCandidatesInsideInputs: a shard cannot know its
// siblings' candidates files, so one written inside an input (where the
// other shards would analyze it) is refused before anything is read.
func TestShardRefusesCandidatesInsideInputs(t *testing.T) {
	dir, _ := site(t, sitegen.Params{Snapshots: 2, Keys: 2, Rows: 5, Columns: 5, Seed: 6})
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", dir, "--shard", "0/2", "--candidates", dir + "/out/part-0.csv"})
	if !errors.Is(err, ErrUsage) || !strings.Contains(out.String()+err.Error(), "lies inside the input") {
		t.Fatalf("err = %v, want a usage error about the candidates file inside the input\n%s", err, out)
	}
	if _, err := os.Stat(dir + "/out/part-0.csv"); !os.IsNotExist(err) {
		t.Errorf("the refused shard wrote its file: %v", err)
	}
	// Outside the inputs it runs.
	mustExecute(t, "analyze", dir, "--shard", "0/2", "--candidates", t.TempDir()+"/part-0.csv")
}
