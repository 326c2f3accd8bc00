package sqlsink

import "strings"

// FitDecimal returns the canonical decimal text s (package schema's
// Decimal value) as a DECIMAL(prec, scale) column takes it without
// rounding: fractional zeros beyond scale are dropped. It returns
// ok=false when s has more than prec-scale integer digits, or more than
// scale significant fractional digits: the database would refuse or, worse,
// round it (MySQL's LOAD DATA, SQL Server's bulk copy).
func FitDecimal(s string, prec, scale int) (string, bool) {
	digits := strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(digits, ".")
	if len(strings.TrimLeft(intPart, "0")) > prec-scale {
		return "", false
	}
	if len(frac) <= scale {
		return s, true
	}
	if len(strings.TrimRight(frac, "0")) > scale {
		return "", false
	}
	s = s[:len(s)-(len(frac)-scale)]
	return strings.TrimSuffix(s, "."), true
}
