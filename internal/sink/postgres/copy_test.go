package postgres

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// pgxField is one field as pgx's CopyFrom writes it: the length, then the
// value by the binary encoder of the column's type in a connection's type
// map (numeric replaced as afterConnect does; decimals wrapped as
// copySource wraps them).
func pgxField(tb testing.TB, m *pgtype.Map, oid uint32, v any) []byte {
	tb.Helper()
	if s, ok := v.(string); ok && oid == pgtype.NumericOID {
		v = decimalText(s)
	}
	buf := []byte{0xff, 0xff, 0xff, 0xff}
	out, err := m.Encode(oid, pgtype.BinaryFormatCode, v, buf)
	if err != nil {
		tb.Fatalf("pgx encodes %#v as oid %d: %v", v, oid, err)
	}
	if out == nil { // NULL
		return buf
	}
	n := len(out) - 4
	out[0], out[1], out[2], out[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return out
}

func copyTestValues() map[uint32][]any {
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(9*3600 + 30*60)), time.FixedZone("", 14*3600)}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, ny)
	}
	vals := map[uint32][]any{
		pgtype.TextOID:    {"", "a", "héllo, \"wörld\"\n", string(bytes.Repeat([]byte("x"), 70000)), nil},
		pgtype.Int8OID:    {int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), nil},
		pgtype.NumericOID: {"0", "0.00", "-12.50", "1", "10000", "123456789012345678901234567890.000000000000000000001", "-0.0001", nil},
	}
	for range 300 {
		vals[pgtype.Int8OID] = append(vals[pgtype.Int8OID], int64(r.Uint64()))
		vals[pgtype.NumericOID] = append(vals[pgtype.NumericOID], strconv.FormatFloat((r.Float64()-0.5)*math.Pow(10, float64(r.IntN(30)-10)), 'f', r.IntN(12), 64))
		// Years 1 to 9999, any second, any microsecond, any zone.
		sec := r.Int64N(253402300800+62135596800) - 62135596800
		tm := time.Unix(sec, int64(r.IntN(1e6))*1000).In(zones[r.IntN(len(zones))])
		for _, oid := range []uint32{pgtype.TimestampOID, pgtype.TimestamptzOID} {
			vals[oid] = append(vals[oid], tm)
		}
		y, mo, d := tm.Date()
		vals[pgtype.DateOID] = append(vals[pgtype.DateOID], time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), tm)
	}
	for _, oid := range []uint32{pgtype.TimestampOID, pgtype.TimestamptzOID, pgtype.DateOID} {
		vals[oid] = append(vals[oid], nil,
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(1969, 12, 31, 23, 59, 59, 1000, zones[1]), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	return vals
}

// TestCopyEncodeAsPgx: every field of the COPY stream is byte for byte
// what pgx's CopyFrom sends for the value.
func TestCopyEncodeAsPgx(t *testing.T) {
	m := pgtype.NewMap()
	m.RegisterType(numericType)
	for oid, vals := range copyTestValues() {
		k, ok := kindOf(oid)
		if !ok {
			t.Fatalf("oid %d has no kind", oid)
		}
		for _, v := range vals {
			got, err := appendField(nil, k, v)
			if err != nil {
				t.Fatalf("oid %d, %#v: %v", oid, v, err)
			}
			if want := pgxField(t, m, oid, v); !bytes.Equal(got, want) {
				t.Errorf("oid %d, %v: got %x, pgx %x", oid, v, got, want)
			}
		}
	}
}

// TestCopyEncodeRefuses: a value of another Go type than its column's
// kind takes is an error, never a guess.
func TestCopyEncodeRefuses(t *testing.T) {
	for _, c := range []struct {
		k copyKind
		v any
	}{{kindText, int64(1)}, {kindInt8, "1"}, {kindNumeric, 1.5}, {kindDate, "2023-01-02"}, {kindTimestamp, int64(0)}, {kindNumeric, "1e5"}} {
		if _, err := appendField(nil, c.k, c.v); err == nil {
			t.Errorf("kind %d took %#v", c.k, c.v)
		}
	}
}

// benchRow is a row of the benchmark site's typical table: ts, line_id,
// batch, qty, weight_kg, operator, note, temp_c.
var (
	benchRow   = []any{time.Date(2022, 12, 28, 0, 5, 4, 0, time.UTC), int64(1), "B01345", int64(100), "48.985", "F. García", "", "227.2"}
	benchOIDs  = []uint32{pgtype.TimestampOID, pgtype.Int8OID, pgtype.TextOID, pgtype.Int8OID, pgtype.NumericOID, pgtype.TextOID, pgtype.TextOID, pgtype.NumericOID}
	benchKinds = []copyKind{kindTimestamp, kindInt8, kindText, kindInt8, kindNumeric, kindText, kindText, kindNumeric}
)

// BenchmarkCopyEncode encodes one row as pgx's CopyFrom does (a plan per
// value through the type map) and as the COPY stream does.
func BenchmarkCopyEncode(b *testing.B) {
	b.Run("pgx", func(b *testing.B) {
		m := pgtype.NewMap()
		m.RegisterType(numericType)
		row := make([]any, len(benchRow))
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			buf = buf[:0]
			for i, v := range benchRow { // copySource's wrapping
				if s, ok := v.(string); ok && benchOIDs[i] == pgtype.NumericOID {
					v = decimalText(s)
				}
				row[i] = v
			}
			for i, v := range row {
				at := len(buf)
				buf = append(buf, 0, 0, 0, 0)
				var err error
				if buf, err = m.Encode(benchOIDs[i], pgtype.BinaryFormatCode, v, buf); err != nil {
					b.Fatal(err)
				}
				n := len(buf) - at - 4
				buf[at], buf[at+1], buf[at+2], buf[at+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		cr := &copyReader{kinds: benchKinds, nfield: []byte{0, 8}}
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = cr.appendRow(buf[:0], benchRow); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCreatedKinds: the kinds Insert takes for a table it created are
// those of the types CREATE TABLE gives each schema type.
func TestCreatedKinds(t *testing.T) {
	oids := map[string]uint32{"text": pgtype.TextOID, "bigint": pgtype.Int8OID, "numeric": pgtype.NumericOID,
		"date": pgtype.DateOID, "timestamp": pgtype.TimestampOID, "timestamptz": pgtype.TimestamptzOID}
	for _, typ := range []schema.Type{schema.Text, schema.Integer, schema.Decimal, schema.Date, schema.Timestamp, schema.TimestampTZ} {
		job := sink.LoadJob{Table: schema.Table{Columns: []schema.Column{{Name: "c", Type: typ, MaxLen: 10}}}}
		kinds, ok := createdKinds(job)
		oid, known := oids[Dialect.ColumnType(typ, 10)]
		want, _ := kindOf(oid)
		if !ok || !known || kinds[0] != want {
			t.Errorf("%v: kind %v (%v), want %v (the kind of %s)", typ, kinds, ok, want, Dialect.ColumnType(typ, 10))
		}
	}
}
