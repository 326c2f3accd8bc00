package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// MaxNameLen is the longest table or column name siftload derives, in
// bytes: PostgreSQL's identifier limit (Oracle 12.2+ allows 128, MySQL 64).
const MaxNameLen = 63

// hashLen is the number of hex digits of the suffix a cut table name gets.
const hashLen = 8

// TableName returns the table name for key: key without its extension,
// lowercased, with every run of bytes outside [a-z0-9] replaced by "_" and
// leading and trailing "_" trimmed, so "data/LINE01.csv" gives
// "data_line01". A name starting with a digit gets a "t_" prefix and an
// empty one is "t". A name longer than MaxNameLen bytes is cut and ends
// with "_" and 8 hex digits of the SHA-256 of the whole name, so that two
// long keys differing only after the cut still give two names.
//
// Keys that differ only in punctuation or case ("a-b.csv", "A_B.csv") give
// the same name; callers that load them into separate tables must check.
func TableName(key string) string {
	return finishTable(sanitize(nil, trimExt(key), false))
}

// ApplyTemplate expands the --table template tmpl for key and sanitizes the
// result as TableName does. Placeholders are {name} (TableName's name
// before prefix and cut), {base} (the sanitized base name without
// extension) and {dir} (the sanitized directory, "" at the top). Text
// outside placeholders is kept, then sanitized with the rest:
// "raw_{base}" for "data/LINE01.csv" gives "raw_line01". An unknown
// placeholder or an unclosed "{" is an error.
func ApplyTemplate(tmpl, key string) (string, error) {
	noExt := trimExt(key)
	dir, base := "", noExt
	if i := strings.LastIndexAny(noExt, `/\`); i >= 0 {
		dir, base = noExt[:i], noExt[i+1:]
	}
	var b []byte
	rest := tmpl
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b = append(b, rest...)
			break
		}
		b = append(b, rest[:i]...)
		rest = rest[i:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return "", fmt.Errorf("table template %q: unclosed %q", tmpl, "{")
		}
		switch ph := rest[1:j]; ph {
		case "name":
			b = sanitize(b, noExt, false)
		case "base":
			b = sanitize(b, base, false)
		case "dir":
			b = sanitize(b, dir, false)
		default:
			return "", fmt.Errorf("table template %q: unknown placeholder {%s} (known: {name}, {base}, {dir})", tmpl, ph)
		}
		rest = rest[j+1:]
	}
	return finishTable(sanitize(nil, string(b), false)), nil
}

// ColumnNames returns one column name per header field: lowercased, runs of
// bytes outside [a-z0-9_] replaced by "_", leading and trailing "_"
// trimmed, "col_N" (N the 1-based position) when nothing is left, a "c_"
// prefix when it starts with a digit, and cut to MaxNameLen bytes. Names
// are then made unique in header order: the first field keeps its name and
// later duplicates get the smallest "_2", "_3", ... suffix that no other
// column has, so ["a", "A", "a_2"] gives ["a", "a_3", "a_2"]. SQL reserved
// words are kept as they are: sinks always quote identifiers.
func ColumnNames(header []string) []string {
	names := make([]string, len(header))
	taken := make(map[string]bool, len(header))
	for i, h := range header {
		b := sanitize(nil, h, true)
		switch {
		case len(b) == 0:
			b = strconv.AppendInt(append(b, "col_"...), int64(i+1), 10)
		case isDigit(b[0]):
			b = append([]byte("c_"), b...)
		}
		names[i] = cutName(string(b), MaxNameLen)
		taken[names[i]] = true
	}
	// next[n] is the suffix to try first for the next duplicate of n: the
	// suffixes below it are taken, so n duplicates cost O(n), not O(n²).
	seen := make(map[string]bool, len(header))
	next := make(map[string]int)
	for i, n := range names {
		if !seen[n] {
			seen[n] = true
			continue
		}
		for k := max(next[n], 2); ; k++ {
			suffix := "_" + strconv.Itoa(k)
			c := cutName(n, MaxNameLen-len(suffix)) + suffix
			if !taken[c] {
				names[i] = c
				taken[c], seen[c] = true, true
				next[n] = k + 1
				break
			}
		}
	}
	return names
}

// trimExt returns key without the extension of its last path element. A
// leading dot (".hidden") is not an extension.
func trimExt(key string) string {
	start := strings.LastIndexAny(key, `/\`) + 1
	if i := strings.LastIndexByte(key[start:], '.'); i > 0 {
		return key[:start+i]
	}
	return key
}

// sanitize appends s to b lowercased (ASCII), with every run of bytes
// outside [a-z0-9] (and '_' when keepUnderscore) replaced by one '_', and
// leading and trailing '_' of the appended part trimmed.
func sanitize(b []byte, s string, keepUnderscore bool) []byte {
	start := len(b)
	gap := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if ('a' <= c && c <= 'z') || isDigit(c) || (keepUnderscore && c == '_') {
			if gap && len(b) > start {
				b = append(b, '_')
			}
			gap = false
			b = append(b, c)
			continue
		}
		gap = true
	}
	// With keepUnderscore, kept underscores may still lead or trail.
	for len(b) > start && b[len(b)-1] == '_' {
		b = b[:len(b)-1]
	}
	i := start
	for i < len(b) && b[i] == '_' {
		i++
	}
	return append(b[:start], b[i:]...)
}

// finishTable turns a sanitized name into a table name: "t" when empty, a
// "t_" prefix before a digit, and a hashed cut beyond MaxNameLen.
func finishTable(b []byte) string {
	switch {
	case len(b) == 0:
		return "t"
	case isDigit(b[0]):
		b = append([]byte("t_"), b...)
	}
	if len(b) <= MaxNameLen {
		return string(b)
	}
	sum := sha256.Sum256(b)
	suffix := "_" + hex.EncodeToString(sum[:])[:hashLen]
	return cutName(string(b), MaxNameLen-len(suffix)) + suffix
}

// cutName returns name cut to at most n bytes, without a trailing '_'.
// Names are ASCII, so any cut is a valid string.
func cutName(name string, n int) string {
	if len(name) <= n {
		return name
	}
	return strings.TrimRight(name[:n], "_")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
