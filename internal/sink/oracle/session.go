package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/sink"
	go_ora "github.com/sijms/go-ora/v2"
)

// What Open checks once connected (see checkSession).
//
// Character set. go-ora sends text in the database character set and the
// server replaces a character that set lacks with a replacement
// character, without an error: the row count still matches, the data is
// wrong, and in one-table mode two keys that differ only in such
// characters become one key, so replacing one deletes the other's rows.
// siftload therefore refuses a database whose NLS_CHARACTERSET is not
// AL32UTF8 (full Unicode) rather than load text as NVARCHAR2: existing
// tables a DBA created would still be VARCHAR2, and the ledger's keys
// would need NVARCHAR2 too.
//
// Identifier length. Names may be 128 bytes from Oracle 12.2 on, when
// COMPATIBLE is 12.2 or more; otherwise 30 (ORA_MAX_NAME_LEN_SUPPORTED
// says which). The limit goes into the sink's dialect: longer names are
// refused before any statement runs (sqlsink.CheckIdent).
//
// Protocol. go-ora follows a listener's redirect with the protocol the
// redirect names, so a TCPS connection to a remote host may end up as
// plain TCP. The session's SYS_CONTEXT('USERENV','NETWORK_PROTOCOL') must
// be tcps when the host is not loopback, unless InsecureNoTLS.

const (
	charsetSQL   = `SELECT PARAMETER, VALUE FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER IN ('NLS_CHARACTERSET', 'NLS_NCHAR_CHARACTERSET')`
	protocolSQL  = `SELECT SYS_CONTEXT('USERENV', 'NETWORK_PROTOCOL') FROM DUAL`
	nameLenSQL   = `BEGIN :1 := ORA_MAX_NAME_LEN_SUPPORTED; END;`
	wantCharset  = "AL32UTF8"
	shortNameLen = 30
	longNameLen  = 128
)

// sessionInfo is what checkSession learns about the database.
type sessionInfo struct {
	charset, ncharCharset string
	protocol              string // "tcp", "tcps", "beq", ...
	maxName               int    // identifier limit in bytes
}

// checkCharset returns an error unless the database character set is
// AL32UTF8.
func (si sessionInfo) checkCharset() error {
	if strings.EqualFold(si.charset, wantCharset) {
		return nil
	}
	return fmt.Errorf("the database character set is %s (national %s): siftload loads text only into AL32UTF8 databases, "+
		"since Oracle would silently replace the characters %s lacks; load into an AL32UTF8 database (or PDB)",
		si.charset, si.ncharCharset, si.charset)
}

// checkProtocol returns an error when a session to a remote host is not
// TLS (TCPS), unless insecure.
func (si sessionInfo) checkProtocol(remote, insecure bool) error {
	if !remote || insecure || strings.EqualFold(si.protocol, "tcps") {
		return nil
	}
	return fmt.Errorf("the session to a remote host runs over %q, not TLS (tcps): a listener redirect may have moved it; refused (allow plain text explicitly only on a trusted network)", si.protocol)
}

// sessionQuerier is the part of *sql.DB checkSession uses.
type sessionQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// inspectSession reads sessionInfo from the database.
func inspectSession(ctx context.Context, q sessionQuerier) (sessionInfo, error) {
	var si sessionInfo
	rows, err := q.QueryContext(ctx, charsetSQL)
	if err != nil {
		return si, fmt.Errorf("character set: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, v string
		if err := rows.Scan(&p, &v); err != nil {
			return si, fmt.Errorf("character set: %w", err)
		}
		switch p {
		case "NLS_CHARACTERSET":
			si.charset = v
		case "NLS_NCHAR_CHARACTERSET":
			si.ncharCharset = v
		}
	}
	if err := rows.Err(); err != nil {
		return si, fmt.Errorf("character set: %w", err)
	}
	var proto sql.NullString
	if err := q.QueryRowContext(ctx, protocolSQL).Scan(&proto); err != nil {
		return si, fmt.Errorf("network protocol: %w", err)
	}
	si.protocol = strings.ToLower(proto.String)
	var n int64
	si.maxName = shortNameLen
	if _, err := q.ExecContext(ctx, nameLenSQL, sql.Out{Dest: &n}); err == nil && n >= longNameLen {
		// Before 12.2 ORA_MAX_NAME_LEN_SUPPORTED does not exist (an
		// error): 30 bytes.
		si.maxName = longNameLen
	}
	return si, nil
}

// checkSession inspects the session of db and refuses it (see above).
// remote says the DSN's host is not loopback.
func checkSession(ctx context.Context, db sessionQuerier, remote, insecure bool) (sessionInfo, error) {
	si, err := inspectSession(ctx, db)
	if err != nil {
		return si, err
	}
	return si, errors.Join(si.checkCharset(), si.checkProtocol(remote, insecure))
}

// maxIdleSessions is how many sessions the Sink keeps open between loads:
// one per import worker (up to 16), where database/sql's default of 2
// would log a session off and on again for every key with more workers.
const maxIdleSessions = 16

// configurePool keeps idle sessions for the import workers.
func configurePool(db *sql.DB) { db.SetMaxIdleConns(maxIdleSessions) }

// remote reports whether go-ora may connect to a host that is not
// loopback: the DSN's host, a SERVER parameter or an address of a connStr
// descriptor (as Config.TLS reads them). A Unix socket is local.
func (c Config) remote() bool {
	dc, err := go_ora.ParseConfig(c.driverURL(preparsePassword))
	if err != nil {
		return !sink.IsLoopback(c.Host)
	}
	if dc.UnixAddress != "" {
		return false
	}
	for _, srv := range dc.Servers {
		if !sink.IsLoopback(srv.Addr) {
			return true
		}
	}
	return !sink.IsLoopback(c.Host)
}
