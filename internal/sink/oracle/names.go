package oracle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// Names Oracle would store differently from siftload's.
//
//   - A pseudo-column or an SQL function without arguments (ROWID, ROWNUM,
//     LEVEL, USER, SYSDATE, ...) read without quotes gives the pseudo-column
//     or the function, not the column: "select user from t" is the session
//     user. A column of such a name is stored with a "_" suffix ("USER_").
//   - A name longer than the database's identifier limit (30 bytes before
//     Oracle 12.2 or with COMPATIBLE < 12.2, 128 after) is cut, as
//     siftload cuts its long names: its start, "_" and 8 hex digits of the
//     SHA-256 of the whole name.
//
// A column so renamed has a comment "siftload:" + its siftload name, from
// which Columns gives the siftload name back. Reserved words (DATE,
// SELECT, ORDER) are stored as they are: Oracle refuses them without
// quotes, so a reader gets an error, not other data.
var pseudoColumns = map[string]bool{
	"ROWID": true, "ROWNUM": true, "LEVEL": true, "UROWID": true,
	"ORA_ROWSCN": true, "CONNECT_BY_ISCYCLE": true, "CONNECT_BY_ISLEAF": true,
	"OBJECT_ID": true, "OBJECT_VALUE": true, "COLUMN_VALUE": true, "XMLDATA": true,
	"USER": true, "UID": true, "SYSDATE": true, "SYSTIMESTAMP": true,
	"CURRENT_DATE": true, "CURRENT_TIMESTAMP": true, "LOCALTIMESTAMP": true,
	"SESSIONTIMEZONE": true, "DBTIMEZONE": true,
	"VERSIONS_STARTSCN": true, "VERSIONS_STARTTIME": true, "VERSIONS_ENDSCN": true,
	"VERSIONS_ENDTIME": true, "VERSIONS_XID": true, "VERSIONS_OPERATION": true,
}

// nameComment is the start of the comment of a renamed column.
const nameComment = "siftload:"

// nameHashLen is the length of the "_" and hex digits a cut name ends
// with.
const nameHashLen = 9

// limit returns d's identifier limit in bytes (128 unless Open found the
// database takes 30).
func (d dialect) limit() int {
	if d.maxName > 0 {
		return d.maxName
	}
	return longNameLen
}

// stored returns name as the database stores it when d quotes it:
// storedName's case, a pseudo-column's "_", a long name's cut.
func (d dialect) stored(name string) string {
	s := storedName(name)
	if pseudoColumns[s] {
		s += "_"
	}
	if len(s) > d.limit() {
		sum := sha256.Sum256([]byte(name))
		cut := d.limit() - nameHashLen
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "_" + strings.ToUpper(hex.EncodeToString(sum[:4]))
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// renamed reports whether d stores name under another name than
// storedName gives.
func (d dialect) renamed(name string) bool { return d.stored(name) != storedName(name) }

// commentSQL returns the statements that record the siftload name of
// every renamed column of t's table (nil when there is none).
func commentSQL(t sqlsink.Target, table string, columns []string) []string {
	d := dialectOf(t)
	var stmts []string
	for _, c := range columns {
		if d.renamed(c) {
			stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS '%s'",
				t.Table(table), d.Quote(c), strings.ReplaceAll(nameComment+c, "'", "''")))
		}
	}
	return stmts
}

// dialectOf returns t's Oracle dialect (the default one for another).
func dialectOf(t sqlsink.Target) dialect {
	d, _ := t.Dialect.(dialect)
	return d
}

// storedIn returns name as t's database stores it (see dialect.stored).
func storedIn(t sqlsink.Target, name string) string { return dialectOf(t).stored(name) }

// maybeRenamed reports whether a column name as Columns reads it may be
// a renamed one: it ends with "_" (a pseudo-column's) or with "_" and 8
// hex digits (a cut one's).
func maybeRenamed(name string) bool {
	if strings.HasSuffix(name, "_") {
		return true
	}
	if len(name) < nameHashLen {
		return false
	}
	tail := name[len(name)-nameHashLen:]
	return tail[0] == '_' && strings.Trim(tail[1:], "0123456789abcdefABCDEF") == ""
}

const commentsSQL = `SELECT COLUMN_NAME, COMMENTS FROM USER_COL_COMMENTS WHERE TABLE_NAME = :1 AND COMMENTS LIKE 'siftload:%'`

// restoreNames gives renamed columns of table their siftload names back,
// from their comments.
func restoreNames(ctx context.Context, q querier, storedTable string, cols []column) error {
	maybe := false
	for _, c := range cols {
		if maybeRenamed(c.Name) {
			maybe = true
		}
	}
	if !maybe {
		return nil
	}
	rows, err := q.QueryContext(ctx, commentsSQL, storedTable)
	if err != nil {
		return fmt.Errorf("column comments: %w", err)
	}
	defer rows.Close()
	names := make(map[string]string)
	for rows.Next() {
		var stored, comment string
		if err := rows.Scan(&stored, &comment); err != nil {
			return fmt.Errorf("column comments: %w", err)
		}
		names[sinkName(stored)] = strings.TrimPrefix(comment, nameComment)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("column comments: %w", err)
	}
	for i := range cols {
		if n, ok := names[cols[i].Name]; ok {
			cols[i].Name = n
		}
	}
	return nil
}
