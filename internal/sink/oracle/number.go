package oracle

import (
	"fmt"
	"strings"
	"unsafe"

	go_ora "github.com/sijms/go-ora/v2"
)

// Oracle's NUMBER, as this sink writes it (Oracle Database SQL Language
// Reference, "Internal Numeric Format"; the same form python-oracledb
// and ODPI-C write):
//
//   - Zero is the one byte 0x80.
//   - Otherwise |x| = d1.d2d3... × 100^E with base-100 digits d1..dn, d1
//     and dn not 0, at most 20 of them. The first byte is the exponent,
//     193+E for a positive number and 62-E (its one's complement) for a
//     negative one. Then come the digits, d+1 each for a positive number,
//     101-d for a negative one.
//   - A negative number with fewer than 20 digits ends with the byte 102,
//     which makes it sort below every longer negative number with the same
//     leading digits. go-ora leaves it out from 21 decimal digits on, so
//     its bytes for such numbers are not Oracle's: they may not compare
//     equal to the same number written by SQL, nor sort as they should.
//   - E lies in -65..62: 1e-130 ≤ |x| < 1e126. A value outside is refused
//     (go-ora would wrap the exponent byte around into another number).
const (
	// numberMaxDigits is how many base-100 digits a NUMBER holds.
	numberMaxDigits = 20
	// numberMinExp and numberMaxExp bound the decimal exponent of a
	// NUMBER's first significant digit: 1e-130 ≤ |x| < 1e126.
	numberMinExp, numberMaxExp = -130, 125
	numberNegTerminator        = 102
)

// encodeNumber returns the NUMBER bytes of the decimal neg·m.ant×10^exp,
// where mant is its significant decimal digits (ASCII, the first and last
// not '0', at most 40) and exp the decimal exponent of the first of them.
// An empty mant is zero.
func encodeNumber(neg bool, mant string, exp int) ([]byte, error) {
	if mant == "" {
		return []byte{0x80}, nil
	}
	if mant[0] == '0' || mant[len(mant)-1] == '0' {
		return nil, fmt.Errorf("digits %q are not significant digits", mant)
	}
	if exp < numberMinExp || exp > numberMaxExp {
		return nil, fmt.Errorf("%s%c.%se%d is out of the range of Oracle's NUMBER (1e-130 to 1e126)", sign(neg), mant[0], mant[1:], exp)
	}
	// Base-100 digits line up on even decimal exponents: an even exp
	// puts mant[0] alone into the first digit (a '0' before it).
	e100 := floorDiv2(exp)
	pad := 0
	if exp%2 == 0 {
		pad = 1
	}
	n := (len(mant) + pad + 1) / 2
	if n > numberMaxDigits {
		return nil, fmt.Errorf("%d significant digits do not fit Oracle's NUMBER", len(mant))
	}
	digit := func(i int) byte { // the i-th decimal digit of the padded mantissa
		if i -= pad; i < 0 || i >= len(mant) {
			return 0
		}
		return mant[i] - '0'
	}
	b := make([]byte, 1, 2+n)
	if neg {
		b[0] = byte(62 - e100)
	} else {
		b[0] = byte(193 + e100)
	}
	for i := range n {
		d := digit(2*i)*10 + digit(2*i+1)
		if neg {
			b = append(b, 101-d)
		} else {
			b = append(b, d+1)
		}
	}
	if neg && n < numberMaxDigits {
		b = append(b, numberNegTerminator)
	}
	return b, nil
}

func floorDiv2(x int) int {
	if x < 0 {
		return -((-x + 1) / 2)
	}
	return x / 2
}

func sign(neg bool) string {
	if neg {
		return "-"
	}
	return ""
}

// The layout of go_ora.Number (v2.8.24: struct{ data []byte }), which
// has no exported constructor from bytes. This fails to compile when its
// size changes; TestNumberBytes checks the field by decoding.
var _ = [1]struct{}{}[unsafe.Sizeof(go_ora.Number{})-unsafe.Sizeof([]byte(nil))]

// goOraNumber returns a go_ora.Number holding the NUMBER bytes b, which
// go-ora binds as they are.
func goOraNumber(b []byte) *go_ora.Number {
	n := new(go_ora.Number)
	*(*[]byte)(unsafe.Pointer(n)) = b
	return n
}

// numberBytes returns the NUMBER bytes n holds.
func numberBytes(n *go_ora.Number) []byte {
	return *(*[]byte)(unsafe.Pointer(n))
}

// maxDigits is the precision of Oracle's NUMBER.
const maxDigits = 38

// Number converts a canonical decimal ("-12.50", no exponent) to an exact
// Oracle number in Oracle's own byte form (see encodeNumber).
func Number(s string) (*go_ora.Number, error) {
	orig := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return nil, fmt.Errorf("decimal %q has no digits", orig)
	}
	for _, p := range []string{intPart, frac} {
		if strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return nil, fmt.Errorf("decimal %q is not canonical (want digits with one optional point)", orig)
		}
	}
	digits := intPart + frac
	first := strings.IndexFunc(digits, func(r rune) bool { return r != '0' })
	if first < 0 {
		return go_ora.NewNumberFromInt64(0)
	}
	mant := strings.TrimRight(digits[first:], "0")
	if len(mant) > maxDigits {
		return nil, fmt.Errorf("decimal %q has %d significant digits, Oracle's NUMBER keeps %d", orig, len(mant), maxDigits)
	}
	exp := len(intPart) - 1 - first
	nb, err := encodeNumber(neg, mant, exp)
	if err != nil {
		return nil, fmt.Errorf("decimal %q: %w", orig, err)
	}
	return goOraNumber(nb), nil
}
