package sinktest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// TextInspector reads values back as the database renders them as text,
// for the round trip. It is part of Inspector.
type TextInspector interface {
	// RowsText returns every row of table's columns cols, each value as
	// the database's own text for it (nil for NULL). A value stored in a
	// type the sink never writes (SQLite's REAL) comes back marked, so
	// that it cannot pass for the text the file held.
	RowsText(ctx context.Context, table string, cols []string) ([][]*string, error)
}

// null marks an expected NULL.
const null = "\x00NULL"

// rtCell is one field of the round-trip file: Raw as the file holds it
// (quoted or not) and what each database reads back ("*": every one not
// listed).
type rtCell struct {
	Raw  string
	Want map[string]string
}

// rtColumn is one column of the round-trip file and the type inference
// gives it for each database ("*": every one not listed).
type rtColumn struct {
	Name  string
	Type  map[string]schema.Type
	Cells []rtCell
}

func all(v string) map[string]string { return map[string]string{"*": v} }

// same is a cell that reads back as its decoded field everywhere.
func same(raw string) rtCell { return rtCell{Raw: raw, Want: all(unquote(raw))} }

func each(t schema.Type) map[string]schema.Type { return map[string]schema.Type{"*": t} }

// unquote decodes one CSV field as RFC 4180 says: a quoted field loses its
// quotes and has "" for a quote, and keeps CR and LF as they are.
func unquote(raw string) string {
	if strings.HasPrefix(raw, `"`) {
		return strings.ReplaceAll(raw[1:len(raw)-1], `""`, `"`)
	}
	return raw
}

// roundTripCorpus is the file of the round trip, column by column. The
// README's table of canonical forms says the same in words.
var roundTripCorpus = []rtColumn{{
	Name: "txt", Type: each(schema.Text),
	Cells: []rtCell{
		same("plain"),
		same(`"a,b;c|d	e"`),                      // delimiters
		same(`"say ""hi"""`),                     // quotes
		same("\"line\nfeed\""),                   // LF
		same("\"carriage\r\nreturn\""),           // CRLF kept as CRLF
		same("\"lone\rcr\""),                     // CR
		same(`"  leading and trailing  "`),       // spaces (quoted)
		same("  unquoted spaces  "),              // spaces (unquoted)
		same("ünïcødé ✓ 日本語 🙂"),                  // unicode
		same("\x01\x02\x07\x08\x0b\x0c\x1b\x7f"), // control characters, no NUL
		same("007"), same(" 12"), same("1e5"), same("NaN"), same("2024-01-02T03:04:05+25:00"),
		{Raw: `""`, Want: map[string]string{"*": "", "oracle": null}}, // quoted empty: "" (Oracle: NULL)
		{Raw: ``, Want: all(null)},                                    // unquoted empty: NULL
	},
}, {
	Name: "int", Type: each(schema.Integer),
	Cells: []rtCell{
		same("9223372036854775807"), same("-9223372036854775808"), same("0"), same("42"),
		{Raw: "-0", Want: all("0")}, {Raw: "+7", Want: all("7")},
		{Raw: `""`, Want: all(null)}, {Raw: ``, Want: all(null)},
	},
}, {
	Name: "big", Type: each(schema.Decimal), // integers past int64
	Cells: []rtCell{
		same("9223372036854775808"), same("-9223372036854775809"), same("12345678901234567890"),
		same(strings.Repeat("9", 38)), same("-" + strings.Repeat("9", 38)), same("1"),
	},
}, {
	Name: "dec", Type: each(schema.Decimal),
	Cells: []rtCell{
		same("1.50"), same("0.1"), same("-0.000001"), same("123456789012345678.90123456789012345678"),
		same("0." + strings.Repeat("0", 37) + "1"), same("3.1415926535897932384626433832795028841"),
		same("-12.000"), same("0.0"),
		{Raw: ".5", Want: all("0.5")}, {Raw: "-.5", Want: all("-0.5")}, {Raw: "+2.25", Want: all("2.25")},
		{Raw: "-0.00", Want: all("0.00")}, {Raw: `""`, Want: all(null)},
	},
}, {
	Name: "code", Type: each(schema.Text), // leading zeros are codes
	Cells: []rtCell{same("007"), same("00.5"), same("0001"), same("12")},
}, {
	Name: "day", Type: each(schema.Date),
	Cells: []rtCell{same("2024-02-29"), same("0001-01-01"), same("9999-12-31"), same("1970-01-01"), {Raw: `""`, Want: all(null)}},
}, {
	Name: "ts", Type: each(schema.Timestamp),
	Cells: []rtCell{
		same("2024-02-29 13:14:15"), same("0001-01-01 00:00:00"), same("9999-12-31 23:59:59.999999"),
		{Raw: "2024-02-29T13:14:15.5", Want: all("2024-02-29 13:14:15.5")},
		{Raw: "2024-02-29 13:14:15.120", Want: all("2024-02-29 13:14:15.12")},
		{Raw: "2024-03-01", Want: all("2024-03-01 00:00:00")}, // a date among datetimes
	},
}, {
	// Nanoseconds: PostgreSQL and MySQL keep microseconds, so there the
	// column is text, never rounded.
	Name: "ts9", Type: map[string]schema.Type{"*": schema.Timestamp, "postgres": schema.Text, "mysql": schema.Text, "sqlserver": schema.Text},
	Cells: []rtCell{
		{Raw: "2024-02-29T13:14:15.123456789", Want: map[string]string{"*": "2024-02-29 13:14:15.123456789", "postgres": "2024-02-29T13:14:15.123456789", "mysql": "2024-02-29T13:14:15.123456789", "sqlserver": "2024-02-29T13:14:15.123456789"}},
		{Raw: "9999-12-31 23:59:59.999999999", Want: map[string]string{"*": "9999-12-31 23:59:59.999999999"}},
	},
}, {
	Name: "tz", Type: each(schema.TimestampTZ),
	Cells: []rtCell{
		{Raw: "2024-02-29T13:14:15Z", Want: map[string]string{"*": "2024-02-29 13:14:15Z", "postgres": "2024-02-29 13:14:15+00", "mysql": "2024-02-29 13:14:15", "sqlserver": "2024-02-29 13:14:15 +00:00", "oracle": "2024-02-29 13:14:15+00:00"}},
		{Raw: "2024-02-29 13:14:15.25+02:00", Want: map[string]string{"*": "2024-02-29 13:14:15.25+02:00", "postgres": "2024-02-29 11:14:15.25+00", "mysql": "2024-02-29 11:14:15.25", "sqlserver": "2024-02-29 13:14:15.25 +02:00"}},
		{Raw: "2024-02-29T13:14:15-0530", Want: map[string]string{"*": "2024-02-29 13:14:15-05:30", "postgres": "2024-02-29 18:44:15+00", "mysql": "2024-02-29 18:44:15", "sqlserver": "2024-02-29 13:14:15 -05:30"}},
		{Raw: "2024-02-29T13:14:15+01", Want: map[string]string{"*": "2024-02-29 13:14:15+01:00", "postgres": "2024-02-29 12:14:15+00", "mysql": "2024-02-29 12:14:15", "sqlserver": "2024-02-29 13:14:15 +01:00"}},
		{Raw: "2024-02-29T13:14:15+00:00", Want: map[string]string{"*": "2024-02-29 13:14:15+00:00", "postgres": "2024-02-29 13:14:15+00", "mysql": "2024-02-29 13:14:15", "sqlserver": "2024-02-29 13:14:15 +00:00"}},
		{Raw: "0001-01-01T01:00:00+01:00", Want: map[string]string{"*": "0001-01-01 01:00:00+01:00", "postgres": "0001-01-01 00:00:00+00", "mysql": "0001-01-01 00:00:00", "sqlserver": "0001-01-01 01:00:00 +01:00"}},
		{Raw: "9999-12-31T23:59:59.999999Z", Want: map[string]string{"*": "9999-12-31 23:59:59.999999Z", "postgres": "9999-12-31 23:59:59.999999+00", "mysql": "9999-12-31 23:59:59.999999", "sqlserver": "9999-12-31 23:59:59.999999 +00:00", "oracle": "9999-12-31 23:59:59.999999+00:00"}},
		{Raw: ``, Want: all(null)},
	},
}}

// want returns the value of m for scheme, or m["*"].
func want[T any](m map[string]T, scheme string) T {
	if v, ok := m[scheme]; ok {
		return v
	}
	return m["*"]
}

// roundTripFile returns the corpus as a CSV file (CRLF line ends), the
// decoded fields of each record and which of them were quoted.
func roundTripFile() (file []byte, records [][]string, quoted [][]bool) {
	rows := 0
	for _, c := range roundTripCorpus {
		rows = max(rows, len(c.Cells))
	}
	var b bytes.Buffer
	for i, c := range roundTripCorpus {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.Name)
	}
	b.WriteString("\r\n")
	for r := range rows {
		rec, q := make([]string, len(roundTripCorpus)), make([]bool, len(roundTripCorpus))
		for i, c := range roundTripCorpus {
			if i > 0 {
				b.WriteByte(',')
			}
			if r < len(c.Cells) {
				raw := c.Cells[r].Raw
				b.WriteString(raw)
				rec[i], q[i] = unquote(raw), strings.HasPrefix(raw, `"`)
			}
		}
		b.WriteString("\r\n")
		records, quoted = append(records, rec), append(quoted, q)
	}
	return b.Bytes(), records, quoted
}

// testRoundTrip loads the corpus as the loader does (inference and
// conversion under the sink's limits) and reads every value back.
func testRoundTrip(t *testing.T, h *harness) {
	scheme := h.f.Scheme()
	file, records, quoted := roundTripFile()

	// The fields are what encoding/csv reads from the file, except that
	// it turns a quoted CRLF into LF where siftload keeps the CRLF.
	cr := csv.NewReader(bytes.NewReader(file))
	got, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv: %v", err)
	}
	if len(got) != len(records)+1 {
		t.Fatalf("encoding/csv reads %d records, the corpus has %d and a header", len(got), len(records))
	}
	for r, rec := range records {
		for i, f := range rec {
			if want := strings.ReplaceAll(f, "\r\n", "\n"); got[r+1][i] != want {
				t.Fatalf("record %d field %d: encoding/csv reads %q, the corpus says %q", r+1, i+1, got[r+1][i], f)
			}
		}
	}

	lim := sink.LimitsOf(h.s)
	in := schema.Inferrer{Limits: lim}
	for _, rec := range records {
		in.Add(rec)
	}
	names := make([]string, len(roundTripCorpus))
	for i, c := range roundTripCorpus {
		names[i] = c.Name
	}
	cols := in.Columns(names)
	for i, c := range roundTripCorpus {
		if w := want(c.Type, scheme); cols[i].Type != w {
			t.Errorf("column %s: inferred %v, want %v", c.Name, cols[i].Type, w)
		}
	}
	conv := schema.NewConverter(cols, lim)
	values := make([][]any, len(records))
	for r, rec := range records {
		values[r] = make([]any, len(cols))
		if err := conv.ConvertStrings(rec, quoted[r], values[r]); err != nil {
			t.Fatalf("record %d: %v", r+1, err)
		}
	}

	table, key := h.table(t, "roundtrip"), h.key("roundtrip")
	mustLoad(t, h.s, job(key, table, sha("v1"), len(values), cols), NewSource(values...), sink.StatusLoaded)
	checkDigest(t, h, table, key, false, len(values))
	ti, ok := h.s.(TextInspector)
	if !ok {
		t.Fatalf("%T does not implement sinktest.TextInspector", h.s)
	}
	// Rows come back in any order: the int column's value names a row,
	// but not every row has one, so match on the whole row instead.
	back, err := ti.RowsText(t.Context(), table, names)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(records) {
		t.Fatalf("%d rows read back, want %d", len(back), len(records))
	}
	wantRows := make([][]string, len(records))
	for r := range records {
		wantRows[r] = make([]string, len(cols))
		for i, c := range roundTripCorpus {
			wantRows[r][i] = null
			if r < len(c.Cells) {
				wantRows[r][i] = want(c.Cells[r].Want, scheme)
			}
		}
	}
	used := make([]bool, len(back))
	for r, w := range wantRows {
		found := false
		for k, row := range back {
			if !used[k] && rowMatches(scheme, cols, row, w) {
				used[k], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("record %d does not read back:\nwant %s\nrows read back:\n%s", r+1, showRow(w), showRows(back))
		}
	}
}

// rowMatches compares a row read back with the wanted text. Oracle's
// NUMBER keeps a decimal's value but not its scale ("1.50" is 1.5) and
// its TO_CHAR writes nine fraction digits, MySQL's DATETIME(6) six and SQL
// Server's CONVERT style 121 seven: those compare by value.
func rowMatches(scheme string, cols []schema.Column, row []*string, want []string) bool {
	for i, w := range want {
		g := row[i]
		switch {
		case g == nil || w == null:
			if (g == nil) != (w == null) {
				return false
			}
		case scheme == "oracle" && (cols[i].Type == schema.Decimal || cols[i].Type == schema.Integer):
			a, ok1 := new(big.Rat).SetString(*g)
			b, ok2 := new(big.Rat).SetString(w)
			if !ok1 || !ok2 || a.Cmp(b) != 0 {
				return false
			}
		case scheme == "oracle" && (cols[i].Type == schema.Timestamp || cols[i].Type == schema.TimestampTZ),
			scheme == "mysql" && (cols[i].Type == schema.Timestamp || cols[i].Type == schema.TimestampTZ),
			scheme == "sqlserver" && (cols[i].Type == schema.Timestamp || cols[i].Type == schema.TimestampTZ):
			if trimFraction(*g) != w {
				return false
			}
		default:
			if *g != w {
				return false
			}
		}
	}
	return true
}

// trimFraction drops the trailing zeros of the fractional seconds of an
// Oracle TO_CHAR "YYYY-MM-DD HH24:MI:SS.FF9[TZH:TZM]", a MySQL
// DATETIME(6) "YYYY-MM-DD HH:MM:SS.ffffff" or a SQL Server style 121
// "YYYY-MM-DD HH:MM:SS.fffffff [+hh:mm]", and the point when nothing is
// left.
func trimFraction(s string) string {
	if len(s) < 21 || s[19] != '.' {
		return s
	}
	end := 20
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	frac, rest := strings.TrimRight(s[20:end], "0"), s[end:]
	if frac == "" {
		return s[:19] + rest
	}
	return s[:20] + frac + rest
}

func showRow(r []string) string {
	parts := make([]string, len(r))
	for i, v := range r {
		if v == null {
			parts[i] = "NULL"
		} else {
			parts[i] = fmt.Sprintf("%q", v)
		}
	}
	return strings.Join(parts, " | ")
}

func showRows(rows [][]*string) string {
	var b strings.Builder
	for _, r := range rows {
		s := make([]string, len(r))
		for i, v := range r {
			s[i] = null
			if v != nil {
				s[i] = *v
			}
		}
		b.WriteString(showRow(s) + "\n")
	}
	return b.String()
}
