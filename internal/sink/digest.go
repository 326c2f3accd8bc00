package sink

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
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
//	Integer, Decimal        the number in plain decimal without leading or
//	                        trailing zeros: "12", "-12.5" for -12.50,
//	                        "1500" for 1.5E+3, "0" for -0.0
//	Date, Timestamp,        the wall clock (TimestampTZ: the instant in
//	TimestampTZ             UTC) as "2006-01-02 15:04:05.000000"; a date
//	                        is its midnight; finer than microseconds is cut
//
// A value read back from a database may come as the driver types it
// (int64, float64, time.Time, []byte, a fmt.Stringer) or as text in the
// database's own form ("12.50", "2023-01-02", "2023-01-02 10:00:00+02");
// Canonical accepts both.

// Digest accumulates the digest of a multiset of rows. The zero value is
// an empty digest. Adding rows allocates nothing once the first row of a
// column list was added.
type Digest struct {
	sum [sha256.Size]byte
	buf []byte
	// order is the order of the columns of ordered, by name.
	order   []int
	ordered []schema.Column
}

// EmptyDigest is the digest of no rows.
var EmptyDigest = (&Digest{}).String()

// columnOrder returns the indexes of cols in the order of their names,
// computed once per column list.
func (d *Digest) columnOrder(cols []schema.Column) []int {
	if len(cols) == len(d.ordered) && (len(cols) == 0 || &cols[0] == &d.ordered[0]) {
		return d.order
	}
	d.order = d.order[:0]
	for i := range cols {
		d.order = append(d.order, i)
	}
	slices.SortFunc(d.order, func(a, b int) int { return strings.Compare(cols[a].Name, cols[b].Name) })
	d.ordered = cols
	return d.order
}

// Add adds one row: vals[i] is the value of cols[i] (nil for NULL). The
// caller must not change cols between calls of Add with it.
func (d *Digest) Add(cols []schema.Column, vals []any) error {
	if len(vals) != len(cols) {
		return fmt.Errorf("digest: %d values for %d columns", len(vals), len(cols))
	}
	d.buf = d.buf[:0]
	for _, i := range d.columnOrder(cols) {
		d.buf = binary.AppendUvarint(d.buf, uint64(len(cols[i].Name)))
		d.buf = append(d.buf, cols[i].Name...)
		// The value's length goes before it: reserve the most a
		// uvarint takes, then move the value into place.
		at := len(d.buf)
		d.buf = append(d.buf, make([]byte, binary.MaxVarintLen64)...)
		var (
			ok  bool
			err error
		)
		d.buf, ok, err = appendCanonical(d.buf, cols[i].Type, vals[i])
		if err != nil {
			return fmt.Errorf("digest: column %s: %w", cols[i].Name, err)
		}
		if !ok { // NULL: the column is not in the row's hash
			n := len(cols[i].Name)
			d.buf = d.buf[:at-n-uvarintLen(uint64(n))]
			continue
		}
		val := len(d.buf) - at - binary.MaxVarintLen64
		var lenBuf [binary.MaxVarintLen64]byte
		l := binary.PutUvarint(lenBuf[:], uint64(val))
		copy(d.buf[at:], lenBuf[:l])
		copy(d.buf[at+l:], d.buf[at+binary.MaxVarintLen64:])
		d.buf = d.buf[:at+l+val]
	}
	d.add(sha256.Sum256(d.buf))
	return nil
}

// add adds a row's hash to the sum modulo 2^256.
func (d *Digest) add(h [sha256.Size]byte) {
	var carry uint16
	for i := len(d.sum) - 1; i >= 0; i-- {
		carry += uint16(d.sum[i]) + uint16(h[i])
		d.sum[i] = byte(carry)
		carry >>= 8
	}
}

// sub takes a row's hash, added before, from the sum.
func (d *Digest) sub(h [sha256.Size]byte) {
	var borrow int16
	for i := len(d.sum) - 1; i >= 0; i-- {
		v := int16(d.sum[i]) - int16(h[i]) - borrow
		borrow = 0
		if v < 0 {
			v += 256
			borrow = 1
		}
		d.sum[i] = byte(v)
	}
}

// last returns the hash of the row Add added last.
func (d *Digest) last() [sha256.Size]byte { return sha256.Sum256(d.buf) }

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}

// String returns the digest in hex.
func (d *Digest) String() string { return hex.EncodeToString(d.sum[:]) }

// canonTime is the layout of canonical times.
const canonTime = "2006-01-02 15:04:05.000000"

// Canonical returns v, a value of a column of type t, in the canonical
// form of the digest; ok is false for NULL.
func Canonical(t schema.Type, v any) (s string, ok bool, err error) {
	b, ok, err := appendCanonical(nil, t, v)
	return string(b), ok, err
}

// appendCanonical appends Canonical's form of v to dst.
func appendCanonical(dst []byte, t schema.Type, v any) ([]byte, bool, error) {
	if v == nil {
		return dst, false, nil
	}
	var text string
	isText := false
	switch x := v.(type) {
	case string:
		text, isText = x, true
	case []byte:
		text, isText = string(x), true
	case *string:
		if x == nil {
			return dst, false, nil
		}
		text, isText = *x, true
	case time.Time:
	case fmt.Stringer:
		text, isText = x.String(), true
	}
	switch t {
	case schema.Integer, schema.Decimal:
		var err error
		switch x := v.(type) {
		case int64:
			dst = strconv.AppendInt(dst, x, 10)
		case int:
			dst = strconv.AppendInt(dst, int64(x), 10)
		case int32:
			dst = strconv.AppendInt(dst, int64(x), 10)
		case float64:
			dst, err = appendDecimal(dst, strconv.FormatFloat(x, 'g', -1, 64))
		default:
			if !isText {
				return dst, false, fmt.Errorf("number is a %T", v)
			}
			dst, err = appendDecimal(dst, text)
		}
		return dst, err == nil, err
	case schema.Date, schema.Timestamp, schema.TimestampTZ:
		tm, ok := v.(time.Time)
		if !ok {
			if !isText {
				return dst, false, fmt.Errorf("time is a %T", v)
			}
			var err error
			if tm, err = parseTime(text); err != nil {
				return dst, false, err
			}
		}
		if t == schema.TimestampTZ {
			tm = tm.UTC()
		}
		return appendCanonTime(dst, tm), true, nil
	default:
		if x, ok := v.(int64); ok {
			return strconv.AppendInt(dst, x, 10), true, nil
		}
		if !isText {
			return dst, false, fmt.Errorf("text value is a %T", v)
		}
		return append(dst, text...), text != "", nil
	}
}

// appendCanonTime appends tm's wall clock in canonTime's layout, cut to
// microseconds. It writes the digits itself for years 0 to 9999 (every
// time the converter makes): time.AppendFormat parses the layout for each
// value, which was a quarter of the digest's CPU (BenchmarkDigestAdd).
func appendCanonTime(dst []byte, tm time.Time) []byte {
	year, month, day := tm.Date()
	if year < 0 || year > 9999 {
		return tm.Truncate(time.Microsecond).AppendFormat(dst, canonTime)
	}
	hour, minute, sec := tm.Clock()
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, ' ')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	dst = append(dst, '.')
	return appendDigits(dst, tm.Nanosecond()/1000, 6)
}

// appendDigits appends n (0 <= n < 10^width) in width digits.
func appendDigits(dst []byte, n, width int) []byte {
	at := len(dst)
	dst = append(dst, "000000"[:width]...)
	for i := at + width - 1; i >= at && n > 0; i-- {
		dst[i] = byte('0' + n%10)
		n /= 10
	}
	return dst
}

// maxExponent bounds the exponent of a number in canonical form: a
// decimal column's value never comes near it, and a hostile "1e999999999"
// must not make a gigabyte of zeros.
const maxExponent = 1000

// appendDecimal appends the number s (digits with an optional sign,
// point and exponent) as a plain decimal without an exponent, leading or
// trailing zeros: "-0012.50" is "-12.5", "1.5E+3" is "1500", "-0.0" is "0".
func appendDecimal(dst []byte, s string) ([]byte, error) {
	if out, ok := appendPlainDecimal(dst, s); ok {
		return out, nil
	}
	return appendAnyDecimal(dst, s)
}

// appendAnyDecimal is appendDecimal for any form.
func appendAnyDecimal(dst []byte, s string) ([]byte, error) {
	orig := s
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > maxExponent || e < -maxExponent {
			return dst, fmt.Errorf("%q is no number", orig)
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || strings.ContainsFunc(intPart+frac, func(r rune) bool { return r < '0' || r > '9' }) {
		return dst, fmt.Errorf("%q is no number", orig)
	}
	digits := intPart + frac
	point := len(intPart) + exp
	for digits != "" && digits[0] == '0' {
		digits, point = digits[1:], point-1
	}
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return append(dst, '0'), nil
	}
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case point <= 0:
		dst = append(dst, "0."...)
		for range -point {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	case point >= len(digits):
		dst = append(dst, digits...)
		for range point - len(digits) {
			dst = append(dst, '0')
		}
	default:
		dst = append(dst, digits[:point]...)
		dst = append(dst, '.')
		dst = append(dst, digits[point:]...)
	}
	return dst, nil
}

// appendPlainDecimal is appendDecimal for the form the converter gives
// every decimal ("-12.50": an optional sign, digits, an optional point and
// digits), without its string slicing and scans: ok=false for anything
// else (spaces, an exponent, no digits), which appendDecimal then reads.
func appendPlainDecimal(dst []byte, s string) ([]byte, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intEnd, fracStart, fracEnd := i, i, i
	if i < len(s) && s[i] == '.' {
		i++
		fracStart = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		fracEnd = i
	}
	if i != len(s) || intEnd == intStart && fracEnd == fracStart {
		return dst, false
	}
	for intStart < intEnd && s[intStart] == '0' {
		intStart++
	}
	for fracEnd > fracStart && s[fracEnd-1] == '0' {
		fracEnd--
	}
	switch {
	case intStart == intEnd && fracStart == fracEnd:
		return append(dst, '0'), true
	case intStart == intEnd:
		// Below 1: "0." and the fraction's digits, leading zeros kept.
		if neg {
			dst = append(dst, '-')
		}
		dst = append(dst, "0."...)
		return append(dst, s[fracStart:fracEnd]...), true
	}
	if neg {
		dst = append(dst, '-')
	}
	dst = append(dst, s[intStart:intEnd]...)
	if fracStart < fracEnd {
		dst = append(dst, '.')
		dst = append(dst, s[fracStart:fracEnd]...)
	}
	return dst, true
}

// timeLayouts are the text forms of times that databases read back.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999 -0700", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02",
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if tm, err := time.Parse(l, s); err == nil {
			return tm, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is no time", s)
}

// DigestSource is a RecordSource that adds every record it hands on to a
// Digest: Load wraps its source in one to store the digest of what it
// loaded. When the source is a RecordRejecter, so is Source(): a record
// the database refuses after it was read is taken out of the digest again
// (the last maxTracked records are remembered for it; a record refused
// later than that leaves the digest unknown, "").
type DigestSource struct {
	RecordSource
	cols   []schema.Column
	d      Digest
	hashed bool
	err    error

	rj      RecordRejecter
	tracked map[int64][sha256.Size]byte
	ring    []int64 // tracked records, a ring of maxTracked
	next    int     // the ring's next slot
	lost    bool    // a refused record was no longer tracked
}

// maxTracked bounds the records a DigestSource remembers for Reject: more
// than a sink sends to the database before it knows their fate.
const maxTracked = 1 << 15

// NewDigestSource returns src digesting its records as values of cols.
func NewDigestSource(src RecordSource, cols []schema.Column) *DigestSource {
	s := &DigestSource{RecordSource: src, cols: cols}
	if rj, ok := src.(RecordRejecter); ok {
		s.rj, s.tracked = rj, make(map[int64][sha256.Size]byte)
	}
	return s
}

// Source returns the RecordSource to hand to a sink: s, or s as a
// RecordRejecter too when its source is one.
func (s *DigestSource) Source() RecordSource {
	if s.rj != nil {
		return rejectingDigestSource{s}
	}
	return s
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
	if s.rj != nil {
		rec := s.rj.Record()
		if len(s.ring) < maxTracked {
			s.ring = append(s.ring, rec)
		} else {
			delete(s.tracked, s.ring[s.next])
			s.ring[s.next] = rec
		}
		s.next = (s.next + 1) % maxTracked
		s.tracked[rec] = s.d.last()
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

// Digest returns the digest of the records handed on so far and not
// refused since, or "" when it cannot be known.
func (s *DigestSource) Digest() string {
	if s.lost {
		return ""
	}
	return s.d.String()
}

// rejectingDigestSource is a DigestSource whose source is a
// RecordRejecter.
type rejectingDigestSource struct{ *DigestSource }

// Record returns the source's record number.
func (s rejectingDigestSource) Record() int64 { return s.rj.Record() }

// Reject sets the record aside in the source and takes it out of the
// digest.
func (s rejectingDigestSource) Reject(record int64, reason error) error {
	if err := s.rj.Reject(record, reason); err != nil {
		return err
	}
	if h, ok := s.tracked[record]; ok {
		s.d.sub(h)
		delete(s.tracked, record)
	} else {
		s.lost = true
	}
	return nil
}
