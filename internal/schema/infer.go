package schema

// MaxDecimalDigits is the most significant digits a Decimal value may have
// (the precision of PostgreSQL, Oracle and SQL Server numerics; MySQL's
// DECIMAL allows 65). Leading zeros do not count; trailing ones do.
const MaxDecimalDigits = 38

// Bit masks of the types a value fits.
const (
	fitsInteger uint8 = 1 << iota
	fitsDecimal
	fitsTimestamp
	fitsDate
	fitsTZ

	fitsAll = fitsInteger | fitsDecimal | fitsTimestamp | fitsDate | fitsTZ
)

// MaxOffsetMinutes is the largest UTC offset a TimestampTZ may have, in
// minutes (14:00, the widest offset in use, which Oracle's TIMESTAMP WITH
// TIME ZONE also bounds).
const MaxOffsetMinutes = 14 * 60

// bytesOrString lets one scanner serve fields as []byte and as string
// without converting (and so allocating).
type bytesOrString interface{ ~string | ~[]byte }

// Inferrer finds column types from every value of a file. A non-empty
// value is
//
//   - an Integer when it is an optional sign and decimal digits without a
//     leading zero ("0", "-12", "+7"; not "007", which is a code and stays
//     Text) and it fits an int64 (SQLite's INTEGER, PostgreSQL's bigint,
//     Oracle's NUMBER(19) all hold every int64);
//   - a Decimal when it is an Integer, or digits of that form too big for
//     an int64, or an optional sign, optional integer digits (no leading
//     zero: "0.5" but not "00.5"), a '.' and at least one digit ("1.50",
//     "-.5"; not "1." nor "1e5"), with at most MaxDecimalDigits
//     significant digits;
//   - a Date when it is "2006-01-02": a valid date in years 0001 to 9999;
//   - a Timestamp when it is a Date, or a date, ' ' or 'T' and
//     "15:04:05", optionally with 1 to 9 digits of fractional seconds (at
//     most Limits.FracDigits), with no zone or offset;
//   - a TimestampTZ when it is such a date and time followed by "Z" or a
//     UTC offset "+02:00", "+0200" or "+02" (at most 14:00), and the
//     instant is within years 0001 to 9999 in UTC too;
//   - Text otherwise. Nothing is trimmed: " 12" is Text.
//
// A column's type is the narrowest one every non-empty value fits (so a
// column of Integers and Decimals is Decimal, one of dates and datetimes
// is Timestamp, one of datetimes with and without offsets is Text); a
// column of empty values only is Text.
//
// The zero value is ready to use; an Inferrer is not safe for concurrent
// use.
type Inferrer struct {
	// AllText makes every column Text (--all-text); MaxLen is still
	// tracked. Set it before the first Add.
	AllText bool
	// Limits of the target database: a value it would not keep exactly
	// does not fit a type (see Limits). Set it before the first Add.
	Limits Limits

	cols []colState
}

type colState struct {
	fits   uint8 // the types every non-empty value so far fits
	seen   bool  // a non-empty value was seen
	maxLen int
}

// Add takes the fields of one record. Records may differ in length; a
// missing field counts as empty. Add does not retain record and does not
// allocate once the columns are known.
func (in *Inferrer) Add(record []string) { add(in, record) }

func add[T bytesOrString](in *Inferrer, record []T) {
	for len(in.cols) < len(record) {
		in.cols = append(in.cols, colState{fits: fitsAll})
	}
	for i, f := range record {
		n := len(f)
		if n == 0 {
			continue
		}
		c := &in.cols[i]
		c.seen = true
		if n > c.maxLen {
			c.maxLen = n
		}
		if c.fits != 0 && !in.AllText {
			c.fits &= classify(f, in.Limits.fracDigits())
		}
	}
}

// Columns returns one Column per name, in order, with the type and MaxLen
// inferred for that position. A position no record reached is Text.
func (in *Inferrer) Columns(names []string) []Column {
	cols := make([]Column, len(names))
	for i, name := range names {
		cols[i] = Column{Name: name, Type: Text}
		if i >= len(in.cols) {
			continue
		}
		c := in.cols[i]
		cols[i].MaxLen = c.maxLen
		if c.seen && !in.AllText {
			cols[i].Type = typeOf(c.fits)
		}
	}
	return cols
}

// Widen returns a with the narrowest type that the values of both a's and
// b's types fit, as inference widens (Integer and Decimal give Decimal,
// Date and Timestamp give Timestamp, any other pair of different types
// Text), and the longer MaxLen. It merges
// the inferences of two files into one column.
func Widen(a, b Column) Column {
	a.Type = typeOf(a.Type.fits() & b.Type.fits())
	a.MaxLen = max(a.MaxLen, b.MaxLen)
	return a
}

// fits returns the types every value of a column of type t fits.
func (t Type) fits() uint8 {
	switch t {
	case Integer:
		return fitsInteger | fitsDecimal
	case Decimal:
		return fitsDecimal
	case Timestamp:
		return fitsTimestamp
	case Date:
		return fitsDate | fitsTimestamp
	case TimestampTZ:
		return fitsTZ
	}
	return 0
}

// typeOf returns the narrowest type of the mask fits, Text for none.
func typeOf(fits uint8) Type {
	switch {
	case fits&fitsInteger != 0:
		return Integer
	case fits&fitsDecimal != 0:
		return Decimal
	case fits&fitsDate != 0:
		return Date
	case fits&fitsTimestamp != 0:
		return Timestamp
	case fits&fitsTZ != 0:
		return TimestampTZ
	}
	return Text
}

// classify returns the types the non-empty value v fits, for a target
// that keeps fracDigits digits of fractional seconds.
func classify[T bytesOrString](v T, fracDigits int) uint8 {
	c := v[0]
	switch {
	case isDigit(c):
		if len(v) >= 10 && v[4] == '-' {
			ts, ok := parseTimestamp(v)
			switch {
			case !ok || ts.frac > fracDigits:
				return 0
			case ts.dateOnly:
				return fitsDate | fitsTimestamp
			case ts.zoned:
				return fitsTZ
			}
			return fitsTimestamp
		}
		return scanNumber(v)
	case c == '-' || c == '+' || c == '.':
		return scanNumber(v)
	}
	return 0
}

// scanNumber returns fitsInteger|fitsDecimal for an Integer,
// fitsDecimal for a Decimal and 0 for anything else.
func scanNumber[T bytesOrString](v T) uint8 {
	i := 0
	if v[0] == '-' || v[0] == '+' {
		i++
	}
	intStart := i
	for i < len(v) && isDigit(v[i]) {
		i++
	}
	intDigits := i - intStart
	if intDigits > 1 && v[intStart] == '0' {
		return 0 // leading zero: a code such as "007"
	}
	if i == len(v) {
		switch {
		case intDigits == 0 || intDigits > MaxDecimalDigits:
			return 0
		case fitsInt64(v, intStart):
			return fitsInteger | fitsDecimal
		}
		return fitsDecimal
	}
	if v[i] != '.' {
		return 0
	}
	i++
	fracStart := i
	for i < len(v) && isDigit(v[i]) {
		i++
	}
	if i != len(v) || i == fracStart {
		return 0
	}
	sig := intDigits + i - fracStart
	if intDigits == 0 || v[intStart] == '0' {
		// No integer part to speak of: leading zeros of the
		// fraction are not significant.
		sig = i - fracStart
		for j := fracStart; j < i && v[j] == '0'; j++ {
			sig--
		}
	}
	if sig > MaxDecimalDigits {
		return 0
	}
	return fitsDecimal
}

// fitsInt64 reports whether the sign (at v[0], if any) and the digits
// v[start:], without a leading zero, are within the range of an int64.
func fitsInt64[T bytesOrString](v T, start int) bool {
	const maxInt64, minInt64 = "9223372036854775807", "9223372036854775808"
	n := len(v) - start
	switch {
	case n < len(maxInt64):
		return true
	case n > len(maxInt64):
		return false
	}
	limit := maxInt64
	if v[0] == '-' {
		limit = minInt64
	}
	for k := 0; k < n; k++ {
		if v[start+k] != limit[k] {
			return v[start+k] < limit[k]
		}
	}
	return true
}

// parseInt64 returns the value of v, which scanNumber found an Integer.
func parseInt64[T bytesOrString](v T) int64 {
	i, neg := 0, false
	if v[0] == '-' || v[0] == '+' {
		neg = v[0] == '-'
		i++
	}
	// Accumulate negatively: -9223372036854775808 has no positive twin.
	var x int64
	for ; i < len(v); i++ {
		x = x*10 - int64(v[i]-'0')
	}
	if !neg {
		x = -x
	}
	return x
}

// stamp holds the fields of a parsed timestamp.
type stamp struct {
	year, month, day, hour, min, sec, nsec int
	frac                                   int  // digits of fractional seconds written
	dateOnly                               bool // "2006-01-02"
	zoned                                  bool // an offset or "Z" follows the time
	utc                                    bool // the offset is "Z"
	offset                                 int  // the offset in minutes east of UTC
}

// parseTimestamp parses the Date, Timestamp and TimestampTZ forms without
// allocating.
func parseTimestamp[T bytesOrString](v T) (stamp, bool) {
	var t stamp
	n := len(v)
	if n < 10 || v[4] != '-' || v[7] != '-' {
		return t, false
	}
	t.year, t.month, t.day = digits(v, 0, 4), digits(v, 5, 2), digits(v, 8, 2)
	if t.year < 1 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > daysIn(t.month, t.year) {
		return t, false
	}
	if n == 10 {
		t.dateOnly = true
		return t, true
	}
	if n < 19 || (v[10] != ' ' && v[10] != 'T') || v[13] != ':' || v[16] != ':' {
		return t, false
	}
	t.hour, t.min, t.sec = digits(v, 11, 2), digits(v, 14, 2), digits(v, 17, 2)
	if t.hour < 0 || t.hour > 23 || t.min < 0 || t.min > 59 || t.sec < 0 || t.sec > 59 {
		return t, false
	}
	i := 19
	if i < n && v[i] == '.' {
		i++
		for i < n && i-20 < 10 && isDigit(v[i]) {
			i++
		}
		t.frac = i - 20
		if t.frac < 1 || t.frac > 9 {
			return t, false
		}
		t.nsec = digits(v, 20, t.frac)
		for k := t.frac; k < 9; k++ {
			t.nsec *= 10
		}
	}
	if i == n {
		return t, true
	}
	return t, parseOffset(v, i, &t)
}

// parseOffset parses the "Z", "+02:00", "+0200" or "+02" at v[i:] to the
// end of v into t, and checks that t's instant is within years 0001 to
// 9999 in UTC.
func parseOffset[T bytesOrString](v T, i int, t *stamp) bool {
	n := len(v)
	t.zoned = true
	if v[i] == 'Z' {
		t.utc = true
		return i+1 == n
	}
	if v[i] != '+' && v[i] != '-' {
		return false
	}
	var h, m int
	switch n - i - 1 {
	case 2:
		h, m = digits(v, i+1, 2), 0
	case 4:
		h, m = digits(v, i+1, 2), digits(v, i+3, 2)
	case 5:
		if v[i+3] != ':' {
			return false
		}
		h, m = digits(v, i+1, 2), digits(v, i+4, 2)
	default:
		return false
	}
	if h < 0 || m < 0 || m > 59 || h*60+m > MaxOffsetMinutes {
		return false
	}
	t.offset = h*60 + m
	if v[i] == '-' {
		t.offset = -t.offset
	}
	// Only the first and the last day of the range can cross it.
	clock := t.hour*60 + t.min
	switch {
	case t.year == 1 && t.month == 1 && t.day == 1 && clock-t.offset < 0:
		return false
	case t.year == 9999 && t.month == 12 && t.day == 31 && clock-t.offset >= 24*60:
		return false
	}
	return true
}

// digits returns the value of the n decimal digits at v[i:], or -1 when
// one of them is not a digit.
func digits[T bytesOrString](v T, i, n int) int {
	x := 0
	for k := i; k < i+n; k++ {
		d := v[k] - '0'
		if d > 9 {
			return -1
		}
		x = x*10 + int(d)
	}
	return x
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
