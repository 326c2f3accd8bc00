package cli

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/siftload/siftload/internal/testenv"
)

// mysqlTargets returns MariaDB/MySQL as a target, in a fresh database on
// the server of SIFTLOAD_TEST_MYSQL_URL ("mysql://root@127.0.0.1:3306/")
// dropped when the test ends, or none (the part is skipped, or fails under
// SIFTLOAD_TEST_DISALLOW_SKIP) when it is not set. The database's name
// starts with SIFTLOAD_TEST_MYSQL_PREFIX ("siftload_test_" by default).
func mysqlTargets(t *testing.T) []target {
	t.Helper()
	base := os.Getenv("SIFTLOAD_TEST_MYSQL_URL")
	if base == "" {
		testenv.SkipPart(t, "MariaDB/MySQL: set SIFTLOAD_TEST_MYSQL_URL to run it")
		return nil
	}
	prefix := os.Getenv("SIFTLOAD_TEST_MYSQL_PREFIX")
	if prefix == "" {
		prefix = "siftload_test_"
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	base = strings.TrimSuffix(base, "/")
	cfg := mysql.NewConfig()
	cfg.User = strings.SplitN(strings.TrimPrefix(base, "mysql://"), "@", 2)[0]
	cfg.Passwd = os.Getenv("SIFTLOAD_TEST_MYSQL_PASSWORD")
	cfg.Net, cfg.Addr = "tcp", base[strings.LastIndex(base, "@")+1:]
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create database on SIFTLOAD_TEST_MYSQL_URL: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE `" + name + "`")
		db.Close()
	})
	noTable := func(err error) bool {
		var me *mysql.MySQLError
		return errors.As(err, &me) && me.Number == 1146
	}
	my := target{name: "mysql", dsn: base + "/" + name}
	my.count = func(t testing.TB, table string) int64 {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+name+"`.`"+table+"`").Scan(&n); err != nil {
			if noTable(err) {
				return -1
			}
			t.Fatal(err)
		}
		return n
	}
	my.ledgerSHA = func(t testing.TB, key string) string {
		var sha string
		err := db.QueryRowContext(ctx, "SELECT sha256 FROM `"+name+"`.siftload_ledger WHERE file_key = ?", key).Scan(&sha)
		if err != nil && !errors.Is(err, sql.ErrNoRows) && !noTable(err) {
			t.Fatal(err)
		}
		return sha
	}
	return []target{my}
}
