// Package sqlserver is the Microsoft SQL Server sink, on the pure-Go
// driver github.com/microsoft/go-mssqldb through database/sql.
//
// DSN: "sqlserver://USER@HOST[:PORT]?database=DB" (port 1433 by default);
// see README.md. The password comes from sink.Options, never from the
// DSN: Open refuses a DSN that holds one.
//
// TLS. A host that is not loopback is reached with encrypt=true (or
// encrypt=strict, TDS 8, when the DSN says so) and the server's
// certificate verified against the CA file (sink.Options.CAFile) or the
// system's roots, and its host name (hostNameInCertificate when the
// server's certificate names another). encrypt=false or disable and
// TrustServerCertificate=true are refused there unless
// sink.Options.InsecureNoTLS. On loopback the driver's default holds
// (the login encrypted, the rest not) unless the DSN or a CA file asks
// for TLS.
//
// Names. Tables live in the user's default schema, resolved once when the
// sink opens (SCHEMA_NAME()), and every statement names it:
// "dbo".[data_line01] (QUOTED_IDENTIFIER is ON in every session).
//
// Each Load is one transaction on a connection of its own, with
// XACT_ABORT ON, so that any error dooms it. It first takes the
// transaction-owned application lock (sp_getapplock) of the key, so a
// concurrent load of the same key, from any process, waits and then finds
// it in the ledger; outside one-table mode then the lock of the table,
// before it checks that no other key owns the table. SQL Server's DDL is
// transactional: the table a first load creates disappears with it when
// the load fails. Locks wait at most sink.Options.LockTimeout
// (SET LOCK_TIMEOUT and sp_getapplock's @LockTimeout).
//
// Fast path: bulk copy (mssql.CopyIn, the TDS bulk load) inside the
// transaction, with CHECK_CONSTRAINTS and KEEP_NULLS; the driver sends
// the rows as they come, in batches of the packet size.
//
// Types: Integer BIGINT; Decimal DECIMAL(38,19) when the longest value of
// the first version has at most 19 bytes (every such value fits), else
// NVARCHAR(MAX) holding the exact text; a decimal that does not fit its
// column's DECIMAL(p,s) fails the load (bulk copy would round it). DECIMAL
// keeps the value, not the scale. Date DATE; Timestamp DATETIME2(7);
// TimestampTZ DATETIMEOFFSET(7) (wall clock and offset kept). Timestamps
// keep 100 ns (Limits.FracDigits 7: finer values are Text, never rounded).
// Text NVARCHAR(MAX) (UTF-16; NUL kept). A table has at most 1,024
// columns, and the fixed-size part of its row at most 8,060 bytes: both
// are checked before anything is written.
package sqlserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/siftload/siftload/internal/sink"
)

// Factory opens SQL Server sinks.
type Factory struct{}

// Scheme returns "sqlserver".
func (Factory) Scheme() string { return "sqlserver" }

// Usage returns the DSN's form for help.
func (Factory) Usage() (dsn, about string) {
	return "sqlserver://USER@HOST:1433?database=DB", "loads with bulk copy"
}

// Redact returns dsn without any password.
func (Factory) Redact(dsn string) string { return sink.RedactURL(dsn, "sqlserver") }

// Identity returns dsn with its host in lower case.
func (Factory) Identity(dsn string) string { return sink.URLIdentity(dsn, "sqlserver") }

// Account returns true and the user and server of dsn.
func (Factory) Account(dsn string) (bool, string) { return sink.URLAccount(dsn) }

// DefaultPort is the port of a DSN that names none.
const DefaultPort = 1433

// params are the DSN parameters this sink takes (lower case).
var params = map[string]bool{"database": true, "encrypt": true, "hostnameincertificate": true, "trustservercertificate": true, "app name": true}

// Config returns the driver configuration of dsn with opts applied: the
// password, the TLS rule of the package comment, the connect timeout
// (sink.Options.Timeout) and TCP keepalives (sink.KeepAlive).
func Config(dsn string, opts sink.Options) (msdsn.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return msdsn.Config{}, errors.New("sqlserver DSN is no URL")
	}
	if u.Scheme != "sqlserver" {
		return msdsn.Config{}, fmt.Errorf("sqlserver DSN has scheme %q, want sqlserver", u.Scheme)
	}
	q := u.Query()
	if _, set := u.User.Password(); set || q.Has("password") {
		return msdsn.Config{}, errors.New("sqlserver DSN holds a password: pass it through the environment, a secret file or the prompt")
	}
	if u.User == nil || u.User.Username() == "" {
		return msdsn.Config{}, errors.New("sqlserver DSN names no user (sqlserver://USER@HOST:1433?database=DB)")
	}
	host := u.Hostname()
	if host == "" {
		return msdsn.Config{}, errors.New("sqlserver DSN names no host (sqlserver://USER@HOST:1433?database=DB)")
	}
	if u.Path != "" && u.Path != "/" {
		return msdsn.Config{}, errors.New("sqlserver DSN: named instances are not supported; give the port (sqlserver://USER@HOST:PORT?database=DB)")
	}
	if q.Get("database") == "" {
		return msdsn.Config{}, errors.New("sqlserver DSN names no database (?database=DB)")
	}
	norm := url.Values{}
	for k, v := range q {
		lk := strings.ToLower(k)
		if !params[lk] {
			return msdsn.Config{}, fmt.Errorf("sqlserver DSN: unknown parameter %q (known: database, encrypt, hostNameInCertificate, TrustServerCertificate)", k)
		}
		norm[lk] = v
	}
	local := sink.IsLoopback(host)
	enc := strings.ToLower(norm.Get("encrypt"))
	trust := strings.EqualFold(norm.Get("trustservercertificate"), "true")
	if !local && !opts.InsecureNoTLS {
		switch {
		case enc == "false" || enc == "disable" || enc == "no" || enc == "optional" || enc == "0":
			return msdsn.Config{}, fmt.Errorf("sqlserver: plain-text connection to %s refused: leave encrypt out, or allow it explicitly", host)
		case trust:
			return msdsn.Config{}, fmt.Errorf("sqlserver: TrustServerCertificate=true for %s refused: give the server's CA file instead", host)
		}
	}
	if enc == "" && (!local || opts.CAFile != "") && !opts.InsecureNoTLS {
		norm.Set("encrypt", "true")
	}
	if !norm.Has("app name") {
		norm.Set("app name", "siftload")
	}
	u.RawQuery = norm.Encode()
	cfg, err := msdsn.Parse(u.String())
	if err != nil {
		return msdsn.Config{}, fmt.Errorf("sqlserver DSN: %w", err)
	}
	if u.Port() == "" {
		cfg.Port = DefaultPort
	}
	cfg.Password = opts.Password
	cfg.DialTimeout = opts.Timeout()
	cfg.ConnTimeout = opts.Timeout()
	cfg.KeepAlive = sink.KeepAlive
	if cfg.Encryption == msdsn.EncryptionRequired || cfg.Encryption == msdsn.EncryptionStrict {
		cfg.TLSConfig, err = tlsConfig(cfg.TLSConfig, host, trust, opts)
		if err != nil {
			return msdsn.Config{}, err
		}
	}
	return cfg, nil
}

// tlsConfig returns base (the driver's, which carries the host name to
// verify and TDS 8's ALPN) with verification on unless trust, the CA
// file as the only root, and the client certificate.
func tlsConfig(base *tls.Config, host string, trust bool, opts sink.Options) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host}
	if base != nil {
		cfg = base.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.InsecureSkipVerify = trust //nolint:gosec // only on loopback or when plain text is allowed
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if err := sink.LoadTLSFiles(cfg, opts); err != nil {
		return nil, err
	}
	return cfg, nil
}

// addr returns cfg's host and port, for messages.
func addr(cfg msdsn.Config) string {
	return net.JoinHostPort(cfg.Host, strconv.FormatUint(cfg.Port, 10))
}
