package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/siftload/siftload/internal/sink"
)

// The binary COPY stream of a load, written here rather than by pgx's
// CopyFrom when every column has one of the types siftload creates
// (bigint, numeric, date, timestamp, timestamptz, text).
//
// pgx plans the encoding of every value (a type-map lookup, interface
// conversions and, for times, a pgtype.Timestamp per value) and hands the
// rows through an io.Pipe; on the benchmark's 40 winners that was about a
// quarter of the sink goroutine's CPU (BenchmarkCopyEncode: the same rows
// encoded both ways). The bytes are the ones pgx's binary encoders
// produce (TestCopyEncodeAsPgx checks them value by value), so the server
// stores the same values. A table with a column of any other type (an
// existing table's integer, varchar, double precision ...) is loaded by
// pgx's CopyFrom as before.

// pgxCopyOnly makes every load use pgx's CopyFrom: tests compare the two.
var pgxCopyOnly = false

// copyKind is how one column's values are encoded.
type copyKind uint8

const (
	kindText        copyKind = iota // string: its bytes
	kindInt8                        // int64: 8 bytes big-endian
	kindNumeric                     // canonical decimal string: binary numeric (appendNumeric)
	kindDate                        // time.Time: days since 2000-01-01 (int32)
	kindTimestamp                   // time.Time: the wall clock, µs since 2000-01-01 (int64)
	kindTimestamptz                 // time.Time: the instant, µs since 2000-01-01 UTC (int64)
)

// kindOf returns the encoding of a column of type oid, ok=false for a type
// the stream does not write.
func kindOf(oid uint32) (copyKind, bool) {
	switch oid {
	case pgtype.TextOID:
		return kindText, true
	case pgtype.Int8OID:
		return kindInt8, true
	case pgtype.NumericOID:
		return kindNumeric, true
	case pgtype.DateOID:
		return kindDate, true
	case pgtype.TimestampOID:
		return kindTimestamp, true
	case pgtype.TimestamptzOID:
		return kindTimestamptz, true
	}
	return 0, false
}

// copyHeader starts a binary COPY stream: the signature, no flags, no
// header extension.
const copyHeader = "PGCOPY\n\377\r\n\000" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// y2kUnix is 2000-01-01 00:00:00 UTC, PostgreSQL's epoch, in Unix seconds.
const y2kUnix = 946684800

// copyFlush is how many bytes of rows copyReader gathers before it hands
// them on: pgconn sends what one Read returns as one CopyData message of
// at most 64 KiB.
const copyFlush = 60 << 10

// copyReader is the binary COPY stream of a RecordSource's records, read
// by pgconn's CopyFrom.
type copyReader struct {
	src    sink.RecordSource
	kinds  []copyKind // per job column
	key    []byte     // one-table mode: the source_key value, else nil
	oneTbl bool
	nfield []byte // the int16 field count of every row

	// mu is held by Read: pgconn reads on a goroutine of its own, which
	// it does not always wait for when the connection fails, and no read
	// of the source may outlive the COPY (see stop).
	mu      sync.Mutex
	stopped bool

	buf  []byte // encoded rows
	out  []byte // the part of buf not yet read
	n    int64  // records read
	done bool
	err  error // the source's error or a malformed record
}

// errCopyStopped is what a Read after stop returns.
var errCopyStopped = errors.New("copy stream stopped")

func newCopyReader(job sink.LoadJob, src sink.RecordSource, kinds []copyKind) *copyReader {
	cr := &copyReader{src: src, kinds: kinds, oneTbl: job.OneTable, buf: make([]byte, 0, copyFlush+4<<10)}
	nf := len(kinds)
	if job.OneTable {
		cr.key = []byte(job.Key)
		nf++
	}
	cr.nfield = binary.BigEndian.AppendUint16(nil, uint16(nf))
	cr.buf = append(cr.buf, copyHeader...)
	return cr
}

// Read fills p with the stream; the error of a source that fails is
// returned as is, and pgconn then aborts the COPY with it.
func (cr *copyReader) Read(p []byte) (int, error) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.stopped {
		return 0, errCopyStopped
	}
	for len(cr.out) == 0 {
		if cr.done {
			if cr.err != nil {
				return 0, cr.err
			}
			return 0, io.EOF
		}
		cr.fill()
	}
	n := copy(p, cr.out)
	cr.out = cr.out[n:]
	return n, nil
}

// stop waits for a Read under way and makes later ones fail, and returns
// the source's error, if any: after it the source is no longer read.
func (cr *copyReader) stop() error {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	cr.stopped = true
	return cr.err
}

// fill encodes records into buf until it holds copyFlush bytes or the
// source ends, then makes buf the bytes to read.
func (cr *copyReader) fill() {
	buf := cr.buf
	for len(buf) < copyFlush {
		if !cr.src.Next() {
			cr.done = true
			if cr.err = cr.src.Err(); cr.err == nil {
				buf = append(buf, 0xff, 0xff) // the trailer: a field count of -1
			}
			break
		}
		cr.n++
		vals, err := cr.src.Values()
		if err != nil {
			cr.done, cr.err = true, fmt.Errorf("record %d: %w", cr.n, err)
			break
		}
		if len(vals) != len(cr.kinds) {
			cr.done, cr.err = true, fmt.Errorf("record %d has %d values for %d columns", cr.n, len(vals), len(cr.kinds))
			break
		}
		if buf, err = cr.appendRow(buf, vals); err != nil {
			cr.done, cr.err = true, fmt.Errorf("record %d: %w", cr.n, err)
			break
		}
	}
	cr.out = buf
	cr.buf = buf[:0]
}

// appendRow appends one row of values, one per kind.
func (cr *copyReader) appendRow(buf []byte, vals []any) ([]byte, error) {
	buf = append(buf, cr.nfield...)
	if cr.oneTbl {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(cr.key)))
		buf = append(buf, cr.key...)
	}
	for i, v := range vals {
		var err error
		if buf, err = appendField(buf, cr.kinds[i], v); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// appendField appends one field: its length (-1 for NULL) and its bytes,
// as pgx's binary encoder of the column's type writes v.
func appendField(buf []byte, k copyKind, v any) ([]byte, error) {
	if v == nil {
		return binary.BigEndian.AppendUint32(buf, math.MaxUint32), nil // -1: NULL
	}
	switch k {
	case kindText:
		if s, ok := v.(string); ok {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
			return append(buf, s...), nil
		}
	case kindInt8:
		if n, ok := v.(int64); ok {
			buf = binary.BigEndian.AppendUint32(buf, 8)
			return binary.BigEndian.AppendUint64(buf, uint64(n)), nil
		}
	case kindNumeric:
		if s, ok := v.(string); ok {
			at := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			buf, err := appendNumeric(buf, s)
			if err != nil {
				return buf, err
			}
			binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
			return buf, nil
		}
	case kindDate:
		if t, ok := v.(time.Time); ok {
			// pgx: days between the wall-clock date's midnight and
			// 2000-01-01, both UTC.
			y, m, d := t.Date()
			days := (time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() - y2kUnix) / 86400
			buf = binary.BigEndian.AppendUint32(buf, 4)
			return binary.BigEndian.AppendUint32(buf, uint32(int32(days))), nil
		}
	case kindTimestamp, kindTimestamptz:
		if t, ok := v.(time.Time); ok {
			sec := t.Unix()
			if k == kindTimestamp {
				// pgx discards the zone: the wall clock read as UTC,
				// which is the instant plus the zone's offset.
				_, off := t.Zone()
				sec += int64(off)
			}
			us := sec*1_000_000 + int64(t.Nanosecond())/1000 - y2kUnix*1_000_000
			buf = binary.BigEndian.AppendUint32(buf, 8)
			return binary.BigEndian.AppendUint64(buf, uint64(us)), nil
		}
	}
	return buf, fmt.Errorf("a %T for a column of kind %d", v, k)
}

// createdKinds returns the encoding of each of job's columns in a table
// that CREATE TABLE made from job (see sqlsink.CreateTableSQL: source_key
// is text), ok=false when a column type is one the stream does not write.
func createdKinds(job sink.LoadJob) ([]copyKind, bool) {
	kinds := make([]copyKind, len(job.Table.Columns))
	for i, c := range job.Table.Columns {
		var k copyKind
		switch Dialect.ColumnType(c.Type, c.MaxLen) {
		case "text":
			k = kindText
		case "bigint":
			k = kindInt8
		case "numeric":
			k = kindNumeric
		case "date":
			k = kindDate
		case "timestamp":
			k = kindTimestamp
		case "timestamptz":
			k = kindTimestamptz
		default:
			return nil, false
		}
		kinds[i] = k
	}
	return kinds, true
}

// copyKinds returns the encoding of each of job's columns (without
// source_key), or ok=false when a column of the table has a type the
// stream does not write. It asks the server for the types of the COPY's
// columns, as pgx's CopyFrom does.
func copyKinds(ctx context.Context, tx pgx.Tx, table pgx.Identifier, columns []string, oneTable bool) ([]copyKind, bool, error) {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	sd, err := tx.Conn().PgConn().Prepare(ctx, "", "SELECT "+strings.Join(quoted, ", ")+" FROM "+table.Sanitize(), nil)
	if err != nil {
		return nil, false, fmt.Errorf("column types: %w", err)
	}
	if len(sd.Fields) != len(columns) {
		return nil, false, fmt.Errorf("column types: %d for %d columns", len(sd.Fields), len(columns))
	}
	fields := sd.Fields
	if oneTable {
		if k, ok := kindOf(fields[0].DataTypeOID); !ok || k != kindText {
			return nil, false, nil
		}
		fields = fields[1:]
	}
	kinds := make([]copyKind, len(fields))
	for i, f := range fields {
		k, ok := kindOf(f.DataTypeOID)
		if !ok {
			return nil, false, nil
		}
		kinds[i] = k
	}
	return kinds, true, nil
}

// copyStream loads src's records into table through the binary COPY
// stream of kinds.
func copyStream(ctx context.Context, tx pgx.Tx, job sink.LoadJob, table pgx.Identifier, columns []string, kinds []copyKind, src sink.RecordSource) (int64, error) {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	cr := newCopyReader(job, src, kinds)
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, cr, "COPY "+table.Sanitize()+" ("+strings.Join(quoted, ", ")+") FROM STDIN BINARY")
	// The source's own error wins over COPY's (pgconn aborts the COPY
	// with it, and the server's error only repeats it).
	if srcErr := cr.stop(); srcErr != nil {
		return tag.RowsAffected(), srcErr
	}
	if err != nil {
		return tag.RowsAffected(), fmt.Errorf("copy into %s: %w", job.Table.Name, err)
	}
	return tag.RowsAffected(), nil
}
