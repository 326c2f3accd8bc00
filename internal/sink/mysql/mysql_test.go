package mysql

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
	"github.com/siftload/siftload/internal/testenv"
)

// testDSN creates a fresh database on the server of SIFTLOAD_TEST_MYSQL_URL
// ("mysql://root@127.0.0.1:3306/", the password, if any, from
// SIFTLOAD_TEST_MYSQL_PASSWORD), drops it when the test ends, and returns
// its DSN. Its name is SIFTLOAD_TEST_MYSQL_PREFIX ("siftload_test_" by
// default) and random hex. Without the URL the test skips, or fails when
// SIFTLOAD_TEST_DISALLOW_SKIP is set (CI).
func testDSN(tb testing.TB) (string, sink.Options) {
	tb.Helper()
	base := os.Getenv("SIFTLOAD_TEST_MYSQL_URL")
	if base == "" {
		testenv.Skip(tb, "skipping MariaDB/MySQL tests: SIFTLOAD_TEST_MYSQL_URL is not set (e.g. mysql://root@127.0.0.1:3306/)")
	}
	opts := sink.Options{Password: os.Getenv("SIFTLOAD_TEST_MYSQL_PASSWORD")}
	prefix := os.Getenv("SIFTLOAD_TEST_MYSQL_PREFIX")
	if prefix == "" {
		prefix = "siftload_test_"
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	dsn := strings.TrimSuffix(base, "/") + "/" + name
	admin := adminDB(tb, strings.TrimSuffix(base, "/")+"/mysql", opts)
	if _, err := admin.ExecContext(tb.Context(), "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE `" + name + "`"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	return dsn, opts
}

// adminDB connects to dsn's server with database/sql, for a test's setup.
func adminDB(tb testing.TB, dsn string, opts sink.Options) *sql.DB {
	tb.Helper()
	cfg, err := Config(dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return sql.OpenDB(c)
}

func TestSinktest(t *testing.T) {
	dsn, opts := testDSN(t)
	sinktest.Run(t, Factory{}, dsn, opts)
}

func BenchmarkLoad(b *testing.B) {
	dsn, opts := testDSN(b)
	sinktest.Bench(b, Factory{}, dsn, opts, 100_000)
}

// TestLeastPrivilege runs the suite as a user with only the README's
// grants on a fresh database.
func TestLeastPrivilege(t *testing.T) {
	dsn, opts := testDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	user := db + "_lp"
	admin := adminDB(t, strings.TrimSuffix(dsn, db)+"mysql", opts)
	for _, q := range []string{
		"CREATE USER '" + user + "'@'%' IDENTIFIED BY 'lp-secret'",
		"GRANT CREATE, DROP, INDEX, SELECT, INSERT, UPDATE, DELETE ON `" + db + "`.* TO '" + user + "'@'%'",
	} {
		if _, err := admin.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP USER '" + user + "'@'%'"); err != nil {
			t.Errorf("drop user %s: %v", user, err)
		}
		admin.Close()
	})
	u.User = url.User(user)
	sinktest.Run(t, Factory{}, u.String(), sink.Options{Password: "lp-secret"})
}

// TestOpenAsksPassword: a login the server refuses without a password is
// sink.ErrPasswordRequired (the CLI then prompts); with one, it is not.
func TestOpenAsksPassword(t *testing.T) {
	dsn, _ := testDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("siftload_no_such_user")
	_, err = Factory{}.Open(t.Context(), u.String(), sink.Options{})
	if !errors.Is(err, sink.ErrPasswordRequired) {
		t.Errorf("no password: err %v, want sink.ErrPasswordRequired", err)
	}
	_, err = Factory{}.Open(t.Context(), u.String(), sink.Options{Password: "wrong"})
	if err == nil || errors.Is(err, sink.ErrPasswordRequired) {
		t.Errorf("a wrong password: err %v, want a refusal that is no ErrPasswordRequired", err)
	}
}
