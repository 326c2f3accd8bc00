package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/jackc/pgx/v5/pgtype"
)

// decimalText is a canonical decimal ("-12.50", no exponent) bound to a
// column. pgx's binary numeric encoder takes no string: numericCodec
// encodes decimalText straight into PostgreSQL's binary numeric, and
// decimalText also offers itself as a pgtype.Numeric, as text (for a text
// column of an existing table) and as a float (for a float column).
type decimalText string

func (d decimalText) NumericValue() (pgtype.Numeric, error) {
	var n pgtype.Numeric
	if err := n.Scan(string(d)); err != nil {
		return pgtype.Numeric{}, fmt.Errorf("decimal %q: %w", string(d), err)
	}
	return n, nil
}

func (d decimalText) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: string(d), Valid: true}, nil
}

func (d decimalText) Float64Value() (pgtype.Float8, error) {
	f, err := strconv.ParseFloat(string(d), 64)
	if err != nil {
		return pgtype.Float8{}, fmt.Errorf("decimal %q: %w", string(d), err)
	}
	return pgtype.Float8{Float64: f, Valid: true}, nil
}

// numericCodec is pgx's NumericCodec, plus a binary encoder of decimalText
// that needs no big.Int (pgx's costs a dozen allocations a value).
type numericCodec struct {
	pgtype.NumericCodec
}

func (c numericCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(decimalText); ok && format == pgtype.BinaryFormatCode {
		return encodeDecimalText{}
	}
	return c.NumericCodec.PlanEncode(m, oid, format, value)
}

// numericType replaces numeric in a connection's type map.
var numericType = &pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: numericCodec{}}

type encodeDecimalText struct{}

func (encodeDecimalText) Encode(value any, buf []byte) ([]byte, error) {
	return appendNumeric(buf, string(value.(decimalText)))
}

// Sign words of PostgreSQL's binary numeric.
const (
	numericPos = 0x0000
	numericNeg = 0x4000
)

// appendNumeric appends s, a decimal without exponent ("-12.50", "0.001",
// "7"), in PostgreSQL's binary numeric format: ndigits, weight, sign and
// dscale (16 bits each), then ndigits base-10000 digits, the first of
// which is worth 10000^weight. Leading and trailing zero digits are left
// out; dscale keeps the number of fraction digits written ("12.50": 2).
func appendNumeric(buf []byte, s string) ([]byte, error) {
	orig := s
	sign := uint16(numericPos)
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = numericNeg
		}
		s = s[1:]
	}
	intPart, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			intPart, frac = s[:i], s[i+1:]
			break
		}
	}
	if intPart == "" && frac == "" {
		return nil, fmt.Errorf("decimal %q has no digits", orig)
	}
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return nil, fmt.Errorf("decimal %q is not canonical (want digits with one optional point)", orig)
			}
		}
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	nInt, nFrac := (len(intPart)+3)/4, (len(frac)+3)/4
	if len(frac) > math.MaxInt16 || nInt+nFrac > math.MaxInt16 {
		return nil, fmt.Errorf("decimal %q is too long for numeric", orig)
	}
	pad := 4*nInt - len(intPart) // zeros in front of the integer part
	group := func(i int) uint16 {
		var g uint16
		for k := range 4 {
			var c byte = '0'
			if i < nInt {
				if p := 4*i + k - pad; p >= 0 {
					c = intPart[p]
				}
			} else if p := 4*(i-nInt) + k; p < len(frac) {
				c = frac[p]
			}
			g = g*10 + uint16(c-'0')
		}
		return g
	}
	// Write every group once, then drop the zero groups at both ends.
	head := len(buf)
	buf = append(buf, make([]byte, 8)...)
	first, last := -1, -1
	for i := range nInt + nFrac {
		g := group(i)
		if g == 0 && first < 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		if g != 0 {
			last = i
		}
		buf = binary.BigEndian.AppendUint16(buf, g)
	}
	var ndigits, weight int
	if first >= 0 {
		ndigits, weight = last-first+1, nInt-1-first
	} else {
		sign = numericPos // zero has no sign
	}
	buf = buf[:head+8+2*ndigits]
	binary.BigEndian.PutUint16(buf[head:], uint16(ndigits))
	binary.BigEndian.PutUint16(buf[head+2:], uint16(int16(weight)))
	binary.BigEndian.PutUint16(buf[head+4:], sign)
	binary.BigEndian.PutUint16(buf[head+6:], uint16(len(frac)))
	return buf, nil
}
