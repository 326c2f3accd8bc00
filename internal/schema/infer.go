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

	fitsAll = fitsInteger | fitsDecimal | fitsTimestamp
)

// bytesOrString lets one scanner serve fields as []byte and as string
// without converting (and so allocating).
type bytesOrString interface{ ~string | ~[]byte }

// Inferrer finds column types from every value of a file. A non-empty
// value is
//
//   - an Integer when it is an optional sign and decimal digits without a
//     leading zero ("0", "-12", "+7"; not "007", which is a code and stays
//     Text) and it fits an int64;
//   - a Decimal when it is an Integer, or digits of that form too big for
//     an int64, or an optional sign, optional integer digits (no leading
//     zero: "0.5" but not "00.5"), a '.' and at least one digit ("1.50",
//     "-.5"; not "1." nor "1e5"), with at most MaxDecimalDigits
//     significant digits;
//   - a Timestamp when it is "2006-01-02", "2006-01-02 15:04:05" or
//     "2006-01-02T15:04:05", optionally with 1 to 9 digits of fractional
//     seconds, a valid date in years 0001 to 9999, and no zone or offset
//     (a zone makes it Text, since the file's wall clock is what is kept);
//   - Text otherwise. Nothing is trimmed: " 12" is Text.
//
// A column's type is the narrowest one every non-empty value fits (so a
// column of Integers and Decimals is Decimal, and one of dates and
// datetimes is Timestamp); a column of empty values only is Text.
//
// The zero value is ready to use; an Inferrer is not safe for concurrent
// use.
type Inferrer struct {
	// AllText makes every column Text (--all-text); MaxLen is still
	// tracked. Set it before the first Add.
	AllText bool

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

// AddBytes is Add for fields as byte slices.
func (in *Inferrer) AddBytes(record [][]byte) { add(in, record) }

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
			c.fits &= classify(f)
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
// b's types fit, as inference widens (Integer and Decimal give Decimal, any
// other pair of different types Text), and the longer MaxLen. It merges
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
	case fits&fitsTimestamp != 0:
		return Timestamp
	}
	return Text
}

// classify returns the types the non-empty value v fits.
func classify[T bytesOrString](v T) uint8 {
	c := v[0]
	switch {
	case isDigit(c):
		if len(v) >= 10 && v[4] == '-' {
			if _, ok := parseTimestamp(v); ok {
				return fitsTimestamp
			}
			return 0
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
}

// parseTimestamp parses the Timestamp forms without allocating.
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
		return t, true
	}
	if n < 19 || (v[10] != ' ' && v[10] != 'T') || v[13] != ':' || v[16] != ':' {
		return t, false
	}
	t.hour, t.min, t.sec = digits(v, 11, 2), digits(v, 14, 2), digits(v, 17, 2)
	if t.hour < 0 || t.hour > 23 || t.min < 0 || t.min > 59 || t.sec < 0 || t.sec > 59 {
		return t, false
	}
	if n == 19 {
		return t, true
	}
	frac := n - 20
	if v[19] != '.' || frac < 1 || frac > 9 {
		return t, false
	}
	if t.nsec = digits(v, 20, frac); t.nsec < 0 {
		return t, false
	}
	for ; frac < 9; frac++ {
		t.nsec *= 10
	}
	return t, true
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
