// Package mysql is the MariaDB/MySQL sink, on the pure-Go driver
// github.com/go-sql-driver/mysql through database/sql.
//
// DSN: "mysql://USER@HOST[:PORT]/DB[?tls=...]" (port 3306 by default); see
// README.md. The password comes from sink.Options, never from the DSN:
// Open refuses a DSN that holds one. The database must exist (siftload
// creates tables, not databases).
//
// TLS, as the PostgreSQL sink: a host that is not loopback is reached by
// TLS only, with the server's certificate verified against the CA file
// (sink.Options.CAFile) or the system's roots, and its host name; a
// loopback host is plain unless the DSN says tls=true or a CA file is
// given. tls=skip-verify is refused for a non-loopback host, and
// tls=false too unless sink.Options.InsecureNoTLS.
//
// Sessions. Every connection sets utf8mb4 (collation utf8mb4_bin: keys and
// text compare byte for byte, "A.csv" is not "a.csv"), time_zone +00:00,
// READ COMMITTED, and a strict sql_mode with ANSI_QUOTES, so that the
// shared SQL of package sqlsink ("db".`table`) means what it says and a
// value the table cannot hold is an error. innodb_lock_wait_timeout and
// lock_wait_timeout are sink.Options.LockTimeout.
//
// Each Load runs on a connection of its own. It takes the user lock
// GET_LOCK of the key (named by a hash of the database and key), so a
// concurrent load of the same key, from any process, waits and then finds
// it in the ledger; outside one-table mode it then takes the lock of the
// table before it checks that no other key owns the table. The locks are
// released when the load ends (RELEASE_ALL_LOCKS), or by the server when
// the connection breaks.
//
// MariaDB's and MySQL's DDL commits by itself: a first load creates its
// table before its transaction writes anything, and drops it when the
// load fails (a killed load leaves it empty, and the next load takes it).
// The old rows, the new ones and the ledger row are one transaction.
//
// Fast path: LOAD DATA LOCAL INFILE 'Reader::name', streamed from the
// converted records through mysql.RegisterReaderHandler: no temporary
// file. The stream is tab-separated as LOAD DATA's defaults read it
// (infile.go). LOAD DATA LOCAL turns data errors into warnings, so a load
// that leaves any warning fails. The server must allow it (local_infile=1).
//
// Types: Integer BIGINT; Decimal DECIMAL(65,30) when the longest value of
// the first version has at most 31 bytes (every such value fits), else
// LONGTEXT holding the exact text; a decimal that does not fit its
// column's DECIMAL(p,s) fails the load (LOAD DATA would round it with a
// note). DECIMAL keeps the value, not the scale: "1.50" reads back as
// 1.500000000000000000000000000000. Date DATE; Timestamp DATETIME(6);
// TimestampTZ DATETIME(6) holding the instant in UTC (the offset is not
// kept, as in PostgreSQL), marked by the column comment "siftload:
// timestamptz" so that Columns reads it back as TimestampTZ. Timestamps
// keep microseconds (Limits.FracDigits 6: finer values are Text, never
// rounded). Text LONGTEXT, NUL included. A table has at most 1,017 columns
// (InnoDB's limit, below the server's 4,096), and its row at most 65,535
// bytes (columns other than LONGTEXT, plus 12 bytes each of those): both
// are checked before anything is written.
package mysql

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/siftload/siftload/internal/sink"
)

// Factory opens MariaDB/MySQL sinks.
type Factory struct{}

// Scheme returns "mysql".
func (Factory) Scheme() string { return "mysql" }

// Aliases returns "mariadb".
func (Factory) Aliases() []string { return []string{"mariadb"} }

// Usage returns the DSN's form for help.
func (Factory) Usage() (dsn, about string) {
	return "mysql://USER@HOST:3306/DB", "MariaDB/MySQL, loads with LOAD DATA LOCAL INFILE"
}

// Redact returns dsn without any password.
func (Factory) Redact(dsn string) string { return sink.RedactURL(dsn, "mysql") }

// Identity returns dsn with "mysql:" for "mariadb:" and its host in lower
// case.
func (Factory) Identity(dsn string) string { return sink.URLIdentity(dsn, "mysql") }

// Account returns true and the user and server of dsn.
func (Factory) Account(dsn string) (bool, string) { return sink.URLAccount(dsn) }

// DefaultPort is the port of a DSN that names none.
const DefaultPort = "3306"

// sqlMode is every session's sql_mode: strict, ANSI_QUOTES for the shared
// SQL's "schema" quoting, and no NO_BACKSLASH_ESCAPES (LOAD DATA's escapes
// are backslashes).
const sqlMode = "STRICT_ALL_TABLES,ANSI_QUOTES,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

// Config returns the driver configuration of dsn with opts applied: the
// password, the TLS rule of the package comment, the connect timeout
// (sink.Options.Timeout) and TCP keepalives (sink.KeepAlive), and the
// session settings.
func Config(dsn string, opts sink.Options) (*mysql.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, errors.New("mysql DSN is no URL")
	}
	if u.Scheme != "mysql" && u.Scheme != "mariadb" {
		return nil, fmt.Errorf("mysql DSN has scheme %q, want mysql", u.Scheme)
	}
	q := u.Query()
	if _, set := u.User.Password(); set || q.Has("password") {
		return nil, errors.New("mysql DSN holds a password: pass it through the environment, a secret file or the prompt")
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, errors.New("mysql DSN names no user (mysql://USER@HOST:3306/DB)")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return nil, errors.New("mysql DSN names no host (mysql://USER@HOST:3306/DB)")
	}
	if port == "" {
		port = DefaultPort
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return nil, errors.New("mysql DSN names no database (mysql://USER@HOST:3306/DB)")
	}
	for p := range q {
		if p != "tls" {
			return nil, fmt.Errorf("mysql DSN: unknown parameter %q (known: tls)", p)
		}
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd = opts.Password
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(host, port)
	cfg.DBName = db
	cfg.Loc = time.UTC
	cfg.ParseTime = true
	cfg.Collation = "utf8mb4_bin"
	cfg.Timeout = opts.Timeout()
	cfg.DialFunc = (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: sink.KeepAlive}).DialContext
	lock := strconv.Itoa(int(max(1, lockTimeout(opts).Round(time.Second)/time.Second)))
	cfg.Params = map[string]string{
		"sql_mode":                 "'" + sqlMode + "'",
		"time_zone":                "'+00:00'",
		"innodb_lock_wait_timeout": lock,
		"lock_wait_timeout":        lock,
	}
	cfg.TLS, err = tlsConfig(host, q.Get("tls"), q.Has("tls"), opts)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// lockTimeout returns opts.LockTimeout or sink.DefaultLockTimeout.
func lockTimeout(opts sink.Options) time.Duration {
	if opts.LockTimeout > 0 {
		return opts.LockTimeout
	}
	return sink.DefaultLockTimeout
}

// tlsConfig applies the TLS rule: mode is the DSN's tls parameter
// ("true", "false", "skip-verify"), set says whether it was given.
func tlsConfig(host, mode string, set bool, opts sink.Options) (*tls.Config, error) {
	local := sink.IsLoopback(host)
	useTLS := !local || opts.CAFile != "" || opts.CertFile != ""
	verify := true
	if set {
		switch mode {
		case "true", "verify":
			useTLS = true
		case "false", "disable":
			if !local && !opts.InsecureNoTLS {
				return nil, fmt.Errorf("mysql: plain-text connection to %s refused: leave tls out, or allow it explicitly", host)
			}
			return nil, nil
		case "skip-verify":
			if !local && !opts.InsecureNoTLS {
				return nil, fmt.Errorf("mysql: tls=skip-verify for %s refused: give the server's CA file instead", host)
			}
			useTLS, verify = true, false
		default:
			return nil, fmt.Errorf("mysql DSN: tls=%q, want true, false or skip-verify", mode)
		}
	}
	if !useTLS || (opts.InsecureNoTLS && !set) {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: !verify} //nolint:gosec // skip-verify only on loopback or when allowed
	if err := sink.LoadTLSFiles(cfg, opts); err != nil {
		return nil, err
	}
	return cfg, nil
}
