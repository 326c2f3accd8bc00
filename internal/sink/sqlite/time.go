package sqlite

import (
	"time"

	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// formatTime returns sqlsink.FormatTime(t) (t's wall clock in sqlsink.TimeLayout)
// without time.Format's layout interpretation, which costs about as much as
// SQLite's bind of the text: timestamps are bound as text for every
// timestamp value loaded. Years outside 0..9999 go to sqlsink.FormatTime.
func formatTime(t time.Time) string {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return sqlsink.FormatTime(t)
	}
	hour, minute, sec := t.Clock()
	var b [len("2006-01-02 15:04:05.999999999")]byte
	putDate(b[:], year, month, day)
	b[10] = ' '
	put2(b[11:], hour)
	b[13] = ':'
	put2(b[14:], minute)
	b[16] = ':'
	put2(b[17:], sec)
	n := 19
	if ns := t.Nanosecond(); ns != 0 {
		// ".999999999": trailing zeros dropped.
		b[19] = '.'
		b[20] = byte('0' + ns/1e8)
		ns %= 1e8
		for i := 21; i < 29; i += 2 {
			put2(b[i:], ns/1e6)
			ns = ns % 1e6 * 100
		}
		n = 29
		for b[n-1] == '0' {
			n--
		}
	}
	return string(b[:n])
}

// digits holds "00" to "99".
const digits = "0001020304050607080910111213141516171819" +
	"2021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859" +
	"6061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// put2 writes v (0 to 99) as two digits at the start of b.
func put2(b []byte, v int) {
	b[0], b[1] = digits[2*v], digits[2*v+1]
}

// formatDate returns t's date as "2006-01-02".
func formatDate(t time.Time) string {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format("2006-01-02")
	}
	var b [10]byte
	putDate(b[:], year, month, day)
	return string(b[:])
}

// putDate writes "2006-01-02" (year 0 to 9999) at the start of b.
func putDate(b []byte, year int, month time.Month, day int) {
	put2(b[0:], year/100)
	put2(b[2:], year%100)
	b[4] = '-'
	put2(b[5:], int(month))
	b[7] = '-'
	put2(b[8:], day)
}

// formatTimeTZ returns formatTime(t), t's wall clock in its own zone,
// followed by "Z" when t is in UTC (the file said "Z") or else t's offset
// as "+02:00" ("+00:00" stays "+00:00").
func formatTimeTZ(t time.Time) string {
	s := formatTime(t)
	if t.Location() == time.UTC {
		return s + "Z"
	}
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	off /= 60
	var b [6]byte
	b[0] = sign
	put2(b[1:], off/60)
	b[3] = ':'
	put2(b[4:], off%60)
	return s + string(b[:])
}
