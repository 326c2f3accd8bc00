package sink

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/siftload/siftload/internal/schema"
)

// The content digest of a key's rows, as Load stores it in the ledger and
// verify recomputes it from the database.
//
// A row's hash is the SHA-256 of its non-NULL values, each in canonical
// form (Canonical) and named by its column, in the order of the column
// names. The digest is the sum of the row hashes modulo 2^256 (as 32-byte
// big-endian numbers), written in hex: it does not depend on the order of
// the rows, counts a row twice when it is there twice, and changes when a
// row is added, deleted or changed. It does not depend on the order of
// the columns either, nor on a column every row of which is NULL (a
// column of an existing table that the file does not fill), so that the
// digest a database reads back equals the one computed from the values
// loaded, on every database.
//
// Canonical forms, by the value's column type (see package schema):
//
//	Text                    the text, byte for byte; empty text is NULL
//	                        (Oracle stores it so)
//	Integer, Decimal        the number as a reduced fraction (big.Rat's
//	                        RatString): "12", "-25/2" for -12.50
//	Date, Timestamp,        the wall clock (TimestampTZ: the instant in
//	TimestampTZ             UTC) as "2006-01-02 15:04:05.000000"; a date
//	                        is its midnight; finer than microseconds is cut
//
// A value read back from a database may come as the driver types it
// (int64, float64, time.Time, []byte, a fmt.Stringer) or as text in the
// database's own form ("12.50", "2023-01-02", "2023-01-02 10:00:00+02");
// Canonical accepts both.

// Digest accumulates the digest of a multiset of rows. The zero value is
// an empty digest.
type Digest struct {
	sum [sha256.Size]byte
	buf []byte
}

// EmptyDigest is the digest of no rows.
var EmptyDigest = (&Digest{}).String()

// Add adds one row: vals[i] is the value of cols[i] (nil for NULL).
func (d *Digest) Add(cols []schema.Column, vals []any) error {
	if len(vals) != len(cols) {
		return fmt.Errorf("digest: %d values for %d columns", len(vals), len(cols))
	}
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(cols[a].Name, cols[b].Name) })
	d.buf = d.buf[:0]
	for _, i := range order {
		s, ok, err := Canonical(cols[i].Type, vals[i])
		if err != nil {
			return fmt.Errorf("digest: column %s: %w", cols[i].Name, err)
		}
		if !ok {
			continue
		}
		d.buf = binary.AppendUvarint(d.buf, uint64(len(cols[i].Name)))
		d.buf = append(d.buf, cols[i].Name...)
		d.buf = binary.AppendUvarint(d.buf, uint64(len(s)))
		d.buf = append(d.buf, s...)
	}
	h := sha256.Sum256(d.buf)
	var carry uint16
	for i := len(d.sum) - 1; i >= 0; i-- {
		carry += uint16(d.sum[i]) + uint16(h[i])
		d.sum[i] = byte(carry)
		carry >>= 8
	}
	return nil
}

// String returns the digest in hex.
func (d *Digest) String() string { return hex.EncodeToString(d.sum[:]) }

// canonTime is the layout of canonical times.
const canonTime = "2006-01-02 15:04:05.000000"

// Canonical returns v, a value of a column of type t, in the canonical
// form of the digest; ok is false for NULL.
func Canonical(t schema.Type, v any) (s string, ok bool, err error) {
	if v == nil {
		return "", false, nil
	}
	switch x := v.(type) {
	case []byte:
		v = string(x)
	case *string:
		if x == nil {
			return "", false, nil
		}
		v = *x
	case time.Time:
	case fmt.Stringer:
		v = x.String()
	}
	switch t {
	case schema.Integer, schema.Decimal:
		s, err := canonNumber(v)
		return s, err == nil, err
	case schema.Date, schema.Timestamp, schema.TimestampTZ:
		s, err := canonTimeOf(t, v)
		return s, err == nil, err
	default:
		switch x := v.(type) {
		case string:
			return x, x != "", nil
		case int64:
			return strconv.FormatInt(x, 10), true, nil
		}
		return "", false, fmt.Errorf("text value is a %T", v)
	}
}

func canonNumber(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		s = strings.TrimSpace(x)
	default:
		return "", fmt.Errorf("number is a %T", v)
	}
	if strings.HasPrefix(s, "-.") {
		s = "-0" + s[1:]
	} else if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", fmt.Errorf("%q is no number", s)
	}
	return r.RatString(), nil
}

// timeLayouts are the text forms of times that databases read back.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02",
}

func canonTimeOf(t schema.Type, v any) (string, error) {
	var tm time.Time
	switch x := v.(type) {
	case time.Time:
		tm = x
	case string:
		s := strings.TrimSpace(x)
		var err error
		for _, l := range timeLayouts {
			if tm, err = time.Parse(l, s); err == nil {
				break
			}
		}
		if err != nil {
			return "", fmt.Errorf("%q is no time", s)
		}
	default:
		return "", fmt.Errorf("time is a %T", v)
	}
	if t == schema.TimestampTZ {
		tm = tm.UTC()
	}
	return tm.Truncate(time.Microsecond).Format(canonTime), nil
}

// DigestSource is a RecordSource that adds every record it hands on to a
// Digest: Load wraps its source in one to store the digest of what it
// loaded.
type DigestSource struct {
	RecordSource
	cols   []schema.Column
	d      Digest
	hashed bool
	err    error
}

// NewDigestSource returns src digesting its records as values of cols.
func NewDigestSource(src RecordSource, cols []schema.Column) *DigestSource {
	return &DigestSource{RecordSource: src, cols: cols}
}

// Next advances src.
func (s *DigestSource) Next() bool {
	s.hashed = false
	if s.err != nil {
		return false
	}
	return s.RecordSource.Next()
}

// Values returns src's values, adding them to the digest once per record.
func (s *DigestSource) Values() ([]any, error) {
	vals, err := s.RecordSource.Values()
	if err != nil || s.hashed {
		return vals, err
	}
	s.hashed = true
	if err := s.d.Add(s.cols, vals); err != nil {
		s.err = err
		return nil, err
	}
	return vals, nil
}

// Err returns src's error, or the digest's.
func (s *DigestSource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.RecordSource.Err()
}

// Digest returns the digest of the records handed on so far.
func (s *DigestSource) Digest() string { return s.d.String() }
