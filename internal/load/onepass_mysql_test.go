package load

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/mysql"
	"github.com/siftload/siftload/internal/testenv"
)

// openMySQL opens the MariaDB/MySQL sink on a fresh database of the
// server SIFTLOAD_TEST_MYSQL_URL names, dropped when the test ends, and
// returns it with a connection of its own to the database.
func openMySQL(t *testing.T) (sink.Sink, *sql.DB) {
	t.Helper()
	base := os.Getenv("SIFTLOAD_TEST_MYSQL_URL")
	if base == "" {
		testenv.Skip(t, "SIFTLOAD_TEST_MYSQL_URL is not set")
	}
	opts := sink.Options{Password: os.Getenv("SIFTLOAD_TEST_MYSQL_PASSWORD")}
	b := make([]byte, 4)
	rand.Read(b)
	name := "siftload_test_load_" + hex.EncodeToString(b)
	dsn := strings.TrimSuffix(base, "/") + "/" + name
	admin := mysqlDB(t, strings.TrimSuffix(base, "/")+"/mysql", opts)
	if _, err := admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE `" + name + "`"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	s, err := mysql.Factory{}.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db := mysqlDB(t, dsn, opts)
	t.Cleanup(func() { db.Close() })
	return s, db
}

func mysqlDB(t *testing.T, dsn string, opts sink.Options) *sql.DB {
	t.Helper()
	cfg, err := mysql.Config(dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sql.OpenDB(c)
}

// decimalCSV returns a file of columns i, d whose first records, more
// than sampleBytes of them, hold short decimals in d, followed by late.
func decimalCSV(late string) ([]byte, int64) {
	var b bytes.Buffer
	b.WriteString("i,d\n")
	rows := int64(0)
	for b.Len() < 2*sampleBytes {
		fmt.Fprintf(&b, "%d,%d.5\n", rows, rows)
		rows++
	}
	b.WriteString(late)
	return b.Bytes(), rows + int64(strings.Count(late, "\n"))
}

// TestOnePassMySQL: into MariaDB/MySQL, whose DDL commits by itself, the
// one-pass load gives what the load with the types inferred first gives,
// also when a late decimal is too long for the DECIMAL(65,30) the first
// records chose: the database refuses it, and the load widens the column
// to text (the guessed table, created and committed, is dropped).
func TestOnePassMySQL(t *testing.T) {
	t.Parallel()
	s, _ := openMySQL(t)
	long := "1,1234567890123456789012345678901234567.5\n"
	testOnePass(t, s, "", func(string, string) {}, onePassCase{
		Name:      "LateLongDecimal",
		Data:      func() ([]byte, int64) { return decimalCSV(long) },
		WantTypes: []schema.Type{schema.Integer, schema.Decimal},
		WantTable: []schema.Type{schema.Integer, schema.Text}, // LONGTEXT
		WantOpens: 2,
	}, onePassCase{
		// The same in the middle of the file: the sink fails while the
		// file is still read, which is then read on for its types.
		Name:      "MidLongDecimal",
		Data:      func() ([]byte, int64) { return decimalCSV(long + strings.Repeat("2,1.5\n", 50_000)) },
		WantTypes: []schema.Type{schema.Integer, schema.Decimal},
		WantTable: []schema.Type{schema.Integer, schema.Text},
		WantOpens: 2,
	}, onePassCase{
		Name:      "ShortDecimals",
		Data:      func() ([]byte, int64) { return decimalCSV("1,2.25\n") },
		WantTypes: []schema.Type{schema.Integer, schema.Decimal},
		WantOpens: 1,
	})
}

// TestOnePassChangedSourceMySQL: a changed file fails, and the tables its
// loads created are gone (information_schema, not Columns, says so).
func TestOnePassChangedSourceMySQL(t *testing.T) {
	t.Parallel()
	testOnePassChangedSource(t, func(t *testing.T) sink.Sink {
		s, db := openMySQL(t)
		t.Cleanup(func() {
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'k'").Scan(&n); err != nil || n != 0 {
				t.Errorf("table k: %d (%v), want none", n, err)
			}
		})
		return s
	})
}
