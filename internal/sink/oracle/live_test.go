package oracle

// Live tests of what only a real Oracle server can show. They run when
// SIFTLOAD_TEST_ORACLE_URL and SIFTLOAD_TEST_ORACLE_PASSWORD are set (see
// README.md for Oracle Database Free in a container), and some of them
// only when a second setting names what they need:
//
//	SIFTLOAD_TEST_ORACLE_NONUTF8_URL   a database whose character set is not AL32UTF8
//	SIFTLOAD_TEST_ORACLE_LP_URL        a least-privilege user (README's grants), same password variable SIFTLOAD_TEST_ORACLE_LP_PASSWORD
//	SIFTLOAD_TEST_ORACLE_WALLET_URL    a TCPS listener and a WALLET=dir that only trusts its CA
//
// Each starts from fresh tables named ol_<random>_..., dropped at the end.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// liveSink opens the database of SIFTLOAD_TEST_ORACLE_URL, or skips.
func liveSink(t *testing.T) *Sink {
	t.Helper()
	return liveSinkOf(t, "SIFTLOAD_TEST_ORACLE_URL", "SIFTLOAD_TEST_ORACLE_PASSWORD", sink.Options{})
}

func liveSinkOf(t *testing.T, urlVar, pwVar string, opts sink.Options) *Sink {
	t.Helper()
	dsn := os.Getenv(urlVar)
	if dsn == "" || os.Getenv("SIFTLOAD_TEST_ORACLE_URL") == "" {
		// CI has no Oracle: these skip even under
		// SIFTLOAD_TEST_DISALLOW_SKIP, as TestLive does.
		t.Skipf("skipping live Oracle test: %s is not set", urlVar)
	}
	opts.Password = os.Getenv(pwVar)
	s, err := Factory{}.Open(t.Context(), dsn, opts)
	if err != nil {
		t.Fatalf("open %s: %v", Factory{}.Redact(dsn), err)
	}
	t.Cleanup(func() { s.Close() })
	return s.(*Sink)
}

// liveName returns a fresh table name and drops the table at the end.
func liveName(t *testing.T, s *Sink, name string) string {
	t.Helper()
	b := make([]byte, 3)
	rand.Read(b)
	table := "ol_" + hex.EncodeToString(b) + "_" + name
	t.Cleanup(func() {
		if err := s.Drop(context.Background(), table); err != nil {
			t.Errorf("drop %s: %v", table, err)
		}
	})
	return table
}

var liveCols = []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "name", Type: schema.Text, MaxLen: 8}}

func liveRecords(n int, name func(i int) any) [][]any {
	recs := make([][]any, n)
	for i := range recs {
		recs[i] = []any{int64(i + 1), name(i + 1)}
	}
	return recs
}

func liveJob(key, table, sha string, rows int, cols []schema.Column) sink.LoadJob {
	return sink.LoadJob{Key: key, Source: "live/" + key, SHA256: sha, Rows: int64(rows), Table: schema.Table{Name: table, Columns: cols}, Version: "live"}
}

// countRows returns the rows of table (0 when it does not exist).
func countRows(t *testing.T, s *Sink, table string) int64 {
	t.Helper()
	var n int64
	err := s.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+s.t.Table(table)).Scan(&n)
	if oraCode(err) == errNoTable {
		return 0
	}
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestLiveCancelNeverCommits cancels loads during a batch and between
// batches, many times, then reopens the database and checks that no row
// and no ledger row of any of them committed (item 1: a cancelled load
// must roll back before its session logs off).
func TestLiveCancelNeverCommits(t *testing.T) {
	s := liveSink(t)
	table := liveName(t, s, "cancel")
	recs := liveRecords(5000, func(i int) any { return fmt.Sprint("n", i) })
	s.batch = 500
	for i := range 20 {
		key := fmt.Sprintf("live/cancel/%d.csv", i)
		ctx, cancel := context.WithCancel(t.Context())
		src := sinktest.NewSource(recs...)
		at := 1 + (i*997)%len(recs) // within a batch, on a batch edge, ...
		if i%2 == 1 {
			at = 500*(1+i%9) + 1 // the first record of a batch: between batches
		}
		src.OnNext = func(n int) {
			if n == at {
				cancel()
			}
		}
		if _, err := s.Load(ctx, liveJob(key, table, fmt.Sprintf("%064d", i), len(recs), liveCols), src); err == nil {
			t.Fatalf("load %d cancelled at record %d succeeded", i, at)
		}
		cancel()
	}
	s2 := liveSinkOf(t, "SIFTLOAD_TEST_ORACLE_URL", "SIFTLOAD_TEST_ORACLE_PASSWORD", sink.Options{})
	if n := countRows(t, s2, table); n != 0 {
		t.Errorf("%d rows committed by cancelled loads", n)
	}
	for i := range 20 {
		if _, ok, err := s2.Ledger(t.Context(), fmt.Sprintf("live/cancel/%d.csv", i)); err != nil || ok {
			t.Errorf("ledger row of cancelled load %d: %v %v", i, ok, err)
		}
	}
}

// TestLiveNonUTF8Refused opens a database whose character set is not
// AL32UTF8 and expects Open to refuse it (item 2).
func TestLiveNonUTF8Refused(t *testing.T) {
	dsn := os.Getenv("SIFTLOAD_TEST_ORACLE_NONUTF8_URL")
	if dsn == "" {
		t.Skip("skipping: SIFTLOAD_TEST_ORACLE_NONUTF8_URL (a database that is not AL32UTF8) is not set")
	}
	_, err := Factory{}.Open(t.Context(), dsn, sink.Options{Password: os.Getenv("SIFTLOAD_TEST_ORACLE_PASSWORD")})
	if err == nil || !strings.Contains(err.Error(), "AL32UTF8") {
		t.Fatalf("Open of a non-AL32UTF8 database: %v, want a refusal naming AL32UTF8", err)
	}
}

// TestLiveCharsetKeys loads two keys that differ only in non-ASCII
// characters into one table and replaces one: the other's rows stay
// (item 2: a lossy character set would make them one key).
func TestLiveCharsetKeys(t *testing.T) {
	s := liveSink(t)
	table := liveName(t, s, "charset")
	keys := []string{"live/Zähler-ü.csv", "live/Zähler-ö.csv"}
	recs := liveRecords(3, func(i int) any { return "ĀĒĪ€𝄞" })
	for _, k := range keys {
		j := liveJob(k, table, fmt.Sprintf("%064x", len(k)), len(recs), liveCols)
		j.OneTable = true
		if _, err := s.Load(t.Context(), j, sinktest.NewSource(recs...)); err != nil {
			t.Fatal(err)
		}
	}
	j := liveJob(keys[0], table, strings.Repeat("e", 64), len(recs), liveCols)
	j.OneTable = true
	if _, err := s.Load(t.Context(), j, sinktest.NewSource(recs...)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, table); n != 6 {
		t.Errorf("%d rows, want 6: a replace of one key deleted the other's", n)
	}
	rows, err := s.Rows(t.Context(), table, []string{"name"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r[0] != "ĀĒĪ€𝄞" {
			t.Errorf("text came back as %q", r[0])
		}
	}
}

// TestLiveOneTableFirstLoad loads 8 keys into one new table from 4
// workers of one Sink and 4 of another (two processes), and checks that
// every key loaded and the source_key index exists (item 4).
func TestLiveOneTableFirstLoad(t *testing.T) {
	a := liveSink(t)
	b := liveSinkOf(t, "SIFTLOAD_TEST_ORACLE_URL", "SIFTLOAD_TEST_ORACLE_PASSWORD", sink.Options{})
	table := liveName(t, a, "onetable")
	recs := liveRecords(2000, func(i int) any { return "x" })
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			j := liveJob(fmt.Sprintf("live/onetable/%d.csv", i), table, fmt.Sprintf("%064d", i), len(recs), liveCols)
			j.OneTable = true
			_, err := s.Load(context.Background(), j, sinktest.NewSource(recs...))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("load: %v", err)
		}
	}
	if n := countRows(t, a, table); n != 8*2000 {
		t.Errorf("%d rows, want %d", n, 8*2000)
	}
	var n int64
	if err := a.db.QueryRowContext(t.Context(), indexSQL, storedIn(a.t, table), storedIn(a.t, sink.SourceKeyColumn)).Scan(&n); err != nil || n != 1 {
		t.Errorf("source_key indexes: %d, %v; want 1", n, err)
	}
}

// TestLiveRefusedRows loads a file with values the database refuses
// (too long, NULL into NOT NULL, too large for NUMBER(5)) into a DBA's
// table: without rejects the load fails naming the first bad record and
// leaves nothing; with rejects allowed the others load and the bad records
// are set aside with their numbers (item 5).
func TestLiveRefusedRows(t *testing.T) {
	s := liveSink(t)
	table := liveName(t, s, "refused")
	if _, err := s.db.ExecContext(t.Context(), "CREATE TABLE "+s.t.Table(table)+` ("ID" NUMBER(5) NOT NULL, "NAME" VARCHAR2(4 CHAR))`); err != nil {
		t.Fatal(err)
	}
	recs := liveRecords(3000, func(i int) any { return "ok" })
	recs[1233][1] = "too long"    // ORA-12899; record 10+2*1234 in rejectSource's numbering
	recs[2000][0] = int64(123456) // ORA-01438
	recs[2500][0] = nil           // ORA-01400
	bad := []int64{10 + 2*1234, 10 + 2*2001, 10 + 2*2501}
	cols := []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "name", Type: schema.Text}}
	j := liveJob("live/refused.csv", table, strings.Repeat("a", 64), len(recs), cols)
	_, err := s.Load(t.Context(), j, &rejectSource{Source: sinktest.NewSource(recs...), max: 0})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("record %d", bad[0])) {
		t.Errorf("load with refused rows: %v, want a failure at record %d", err, bad[0])
	}
	if n := countRows(t, s, table); n != 0 {
		t.Errorf("%d rows committed by a failed load", n)
	}
	rs := &rejectSource{Source: sinktest.NewSource(recs...), max: 5}
	res, err := s.Load(t.Context(), j, rs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rs.rejected, bad) || res.Rejected != 3 || res.Rows != 2997 {
		t.Errorf("rejected %v (%d), rows %d; want %v, 2997 rows", rs.rejected, res.Rejected, res.Rows, bad)
	}
	if n := countRows(t, s, table); n != 2997 {
		t.Errorf("%d rows, want 2997", n)
	}
}

// TestLiveLongerReplace loads a version with short texts, then a version
// whose texts are much longer: the replace must fit (item 6).
func TestLiveLongerReplace(t *testing.T) {
	s := liveSink(t)
	table := liveName(t, s, "longer")
	short := liveRecords(10, func(i int) any { return "ab" })
	if _, err := s.Load(t.Context(), liveJob("live/longer.csv", table, strings.Repeat("1", 64), 10, liveCols), sinktest.NewSource(short...)); err != nil {
		t.Fatal(err)
	}
	long := liveRecords(20, func(i int) any { return strings.Repeat("é", 1000) })
	if _, err := s.Load(t.Context(), liveJob("live/longer.csv", table, strings.Repeat("2", 64), 20, liveCols), sinktest.NewSource(long...)); err != nil {
		t.Fatalf("replace with longer values: %v", err)
	}
}

// TestLiveNumbers loads negative decimals of 21 to 38 digits and tiny
// ones and compares them with the database's own: DUMP() of the bound
// value must equal DUMP() of the literal, and WHERE d = literal must find
// the row (item 3).
func TestLiveNumbers(t *testing.T) {
	s := liveSink(t)
	table := liveName(t, s, "numbers")
	var vals []string
	for n := 21; n <= 38; n++ {
		vals = append(vals, "-"+strings.Repeat("9", n-1)+"7", "-0."+strings.Repeat("1", n))
	}
	vals = append(vals, "-0."+strings.Repeat("0", 129)+"1", "0."+strings.Repeat("0", 129)+"1", "-1", "-100", "0.01")
	cols := []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "d", Type: schema.Decimal}}
	recs := make([][]any, len(vals))
	for i, v := range vals {
		recs[i] = []any{int64(i + 1), v}
	}
	if _, err := s.Load(t.Context(), liveJob("live/numbers.csv", table, strings.Repeat("3", 64), len(recs), cols), sinktest.NewSource(recs...)); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		var got, want string
		q := fmt.Sprintf(`SELECT DUMP("D"), DUMP(%s) FROM %s WHERE "ID" = :1`, v, s.t.Table(table))
		if err := s.db.QueryRowContext(t.Context(), q, i+1).Scan(&got, &want); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if got != want {
			t.Errorf("%s: stored %s, Oracle writes %s", v, got, want)
		}
		var n int64
		q = fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE "D" = %s`, s.t.Table(table), v)
		if err := s.db.QueryRowContext(t.Context(), q).Scan(&n); err != nil || n != 1 {
			t.Errorf("WHERE d = %s finds %d rows, %v", v, n, err)
		}
	}
}

// TestLiveLedgerTime checks that the ledger's time reads back as written,
// whatever the database's time zone (item 11; the test logs DBTIMEZONE:
// run it against a server that is not on UTC too).
func TestLiveLedgerTime(t *testing.T) {
	s := liveSink(t)
	var tz string
	if err := s.db.QueryRowContext(t.Context(), "SELECT DBTIMEZONE FROM DUAL").Scan(&tz); err == nil {
		t.Logf("DBTIMEZONE %s", tz)
	}
	table := liveName(t, s, "ledgertime")
	before := time.Now().UTC().Add(-time.Second)
	recs := liveRecords(1, func(int) any { return "a" })
	if _, err := s.Load(t.Context(), liveJob("live/ledgertime.csv", table, strings.Repeat("4", 64), 1, liveCols), sinktest.NewSource(recs...)); err != nil {
		t.Fatal(err)
	}
	e, ok, err := s.Ledger(t.Context(), "live/ledgertime.csv")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if after := time.Now().UTC().Add(time.Second); e.LoadedAt.Before(before) || e.LoadedAt.After(after) {
		t.Errorf("LoadedAt %v, want between %v and %v", e.LoadedAt, before, after)
	}
}

// TestLiveNames loads columns named like pseudo-columns and reserved words
// and longer than 30 bytes, with the sink limited to 30-byte names as on
// a server with COMPATIBLE < 12.2 (item 7); Columns must give the
// siftload names back, and a second load finds the table.
func TestLiveNames(t *testing.T) {
	s := liveSink(t)
	s.d = dialect{maxName: 30}
	s.t.Dialect = s.d
	table := liveName(t, s, "names_of_more_than_thirty_bytes_x")
	cols := []schema.Column{
		{Name: "rowid", Type: schema.Integer}, {Name: "user", Type: schema.Text},
		{Name: "date", Type: schema.Text}, {Name: "level", Type: schema.Text},
		{Name: "a_column_name_of_forty_bytes_or_so_12345", Type: schema.Text},
		{Name: "a_column_name_of_forty_bytes_or_so_67890", Type: schema.Text},
	}
	rec := []any{int64(1), "u", "d", "l", "x", "y"}
	for i, sha := range []string{strings.Repeat("5", 64), strings.Repeat("6", 64)} {
		if _, err := s.Load(t.Context(), liveJob("live/names.csv", table, sha, 1, cols), sinktest.NewSource(rec)); err != nil {
			t.Fatalf("load %d: %v", i+1, err)
		}
	}
	got, ok, err := s.Columns(t.Context(), table)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if !slices.Equal(schema.ColumnNamesOf(got), schema.ColumnNamesOf(cols)) {
		t.Errorf("Columns = %v, want %v", schema.ColumnNamesOf(got), schema.ColumnNamesOf(cols))
	}
	var user string
	if err := s.db.QueryRowContext(t.Context(), "SELECT user_ FROM "+s.t.Table(table)).Scan(&user); err != nil || user != "u" {
		t.Errorf("select user_: %q, %v", user, err)
	}
}

// TestLiveLeastPrivilege loads, replaces and re-runs as a user with only
// the grants of README.md's least-privilege section (item 14).
func TestLiveLeastPrivilege(t *testing.T) {
	s := liveSinkOf(t, "SIFTLOAD_TEST_ORACLE_LP_URL", "SIFTLOAD_TEST_ORACLE_LP_PASSWORD", sink.Options{})
	table := liveName(t, s, "leastpriv")
	recs := liveRecords(100, func(int) any { return "a" })
	for _, sha := range []string{strings.Repeat("7", 64), strings.Repeat("8", 64), strings.Repeat("8", 64)} {
		j := liveJob("live/leastpriv.csv", table, sha, len(recs), liveCols)
		j.OneTable = true
		if _, err := s.Load(t.Context(), j, sinktest.NewSource(recs...)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLiveTrustOnlyWallet connects through a wallet that holds only the
// server's CA (item 8).
func TestLiveTrustOnlyWallet(t *testing.T) {
	s := liveSinkOf(t, "SIFTLOAD_TEST_ORACLE_WALLET_URL", "SIFTLOAD_TEST_ORACLE_PASSWORD", sink.Options{})
	var proto string
	if err := s.db.QueryRowContext(t.Context(), protocolSQL).Scan(&proto); err != nil || !strings.EqualFold(proto, "tcps") {
		t.Errorf("network protocol %q, %v; want tcps", proto, err)
	}
}

// TestLiveLockTimeout holds a key's ledger row in one transaction and
// loads the key with a 2-second lock timeout: the load must fail with
// ErrLockTimeout instead of waiting (item 14).
func TestLiveLockTimeout(t *testing.T) {
	s := liveSinkOf(t, "SIFTLOAD_TEST_ORACLE_URL", "SIFTLOAD_TEST_ORACLE_PASSWORD", sink.Options{LockTimeout: 2 * time.Second})
	table := liveName(t, s, "locktimeout")
	recs := liveRecords(1, func(int) any { return "a" })
	key := "live/locktimeout.csv"
	if _, err := s.Load(t.Context(), liveJob(key, table, strings.Repeat("9", 64), 1, liveCols), sinktest.NewSource(recs...)); err != nil {
		t.Fatal(err)
	}
	tx, err := s.db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(t.Context(), lockLedgerSQL(s.t), key)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	_, err = s.Load(t.Context(), liveJob(key, table, strings.Repeat("a", 64), 1, liveCols), sinktest.NewSource(recs...))
	if !errors.Is(err, ErrLockTimeout) {
		t.Errorf("load of a locked key: %v, want ErrLockTimeout", err)
	}
}
