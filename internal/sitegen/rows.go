package sitegen

import (
	"bufio"
	"context"
	"io"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// rng is splitmix64: small, fast and fixed forever, so the output does
// not depend on the Go version.
type rng struct{ s uint64 }

func (g *rng) next() uint64 {
	g.s += 0x9e3779b97f4a7c15
	return mix(g.s)
}

// intn returns a number in [0, n); n must be > 0.
func (g *rng) intn(n int64) int64 {
	hi, _ := bits.Mul64(g.next(), uint64(n))
	return int64(hi)
}

// chance reports true with probability perMille/1000.
func (g *rng) chance(perMille int64) bool { return g.intn(1000) < perMille }

// mix is the splitmix64 finalizer.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// format is how a key's files are encoded.
type format struct {
	delim byte
	crlf  bool
	bom   bool // a byte order mark first (EF BB BF, or FF FE with utf16)
	utf16 bool // UTF-16LE instead of UTF-8
}

const tsLayout = "2006-01-02 15:04:05"

// baseColumns are the first columns, cut to Params.Columns.
var baseColumns = []string{"ts", "line_id", "batch", "qty", "weight_kg", "operator", "note"}

// extraColumns name the numeric columns after baseColumns; past them,
// columns are sensor_NN.
var extraColumns = []string{"temp_c", "pressure_bar", "speed_rpm", "vibration_mm_s", "humidity_pct", "power_kw"}

// operators work 8-hour shifts. "Müller, K." needs quoting with ','.
var operators = []string{
	"A. Schmidt", "B. Okafor", "C. Dubois", "D. Novák", "E. Yılmaz",
	"F. García", "G. Rossi", "H. Tanaka", "Zoë Lambert", "J. O'Brien", "Müller, K.",
}

// notes by cumulative weight per mille; the last has a quoted newline.
var notes = []struct {
	upTo int64
	text string
}{
	{600, ""},
	{800, "ok"},
	{880, "ok, no issues"},
	{930, "changed nozzle, recalibrated"},
	{960, `label says "fragile", rechecked`},
	{985, "jam cleared, restarted"},
	{995, "minor scratch, reworked"},
	{1000, "line stop\nrestart after 10 min, ok"},
}

// columnNames returns the header fields for n columns.
func columnNames(n int) []string {
	cols := make([]string, 0, n)
	for i := 0; i < n; i++ {
		switch {
		case i < len(baseColumns):
			cols = append(cols, baseColumns[i])
		case i-len(baseColumns) < len(extraColumns):
			cols = append(cols, extraColumns[i-len(baseColumns)])
		default:
			cols = append(cols, "sensor_"+strconv.Itoa(i+1))
		}
	}
	return cols
}

// csvWriter streams the files of a site. It is not safe for concurrent
// use; each worker has its own.
type csvWriter struct {
	s   *site
	bw  *bufio.Writer
	buf []byte
	enc []byte
	// Reused from archive to archive (see deflater).
	file  *bufio.Writer
	flate *flate.Writer
	gzip  *gzip.Writer
}

func newCSVWriter(s *site) *csvWriter {
	return &csvWriter{s: s, bw: bufio.NewWriterSize(io.Discard, 64<<10)}
}

// write writes the header and rows of key k to w: n rows, and with
// target > 0 more rows until at least target bytes are written. It
// returns the rows and bytes written.
func (cw *csvWriter) write(ctx context.Context, w io.Writer, k *keyInfo, n, target int64) (rows, size int64, err error) {
	cw.bw.Reset(w)
	put := func(b []byte) error {
		if k.format.utf16 {
			cw.enc = appendUTF16LE(cw.enc[:0], b)
			b = cw.enc
		}
		m, err := cw.bw.Write(b)
		size += int64(m)
		return err
	}
	cw.buf = cw.buf[:0]
	if k.format.bom {
		cw.buf = append(cw.buf, "\ufeff"...)
	}
	cw.buf = cw.s.appendHeader(cw.buf, k)
	if err := put(cw.buf); err != nil {
		return rows, size, err
	}
	for rows < n || (target > 0 && size < target) {
		if rows%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return rows, size, err
			}
		}
		cw.buf = cw.s.appendRow(cw.buf[:0], k, rows)
		if err := put(cw.buf); err != nil {
			return rows, size, err
		}
		rows++
	}
	return rows, size, cw.bw.Flush()
}

func (s *site) appendHeader(buf []byte, k *keyInfo) []byte {
	for i, c := range s.columns {
		if i > 0 {
			buf = append(buf, k.format.delim)
		}
		buf = append(buf, c...)
	}
	return appendEOL(buf, k.format)
}

// appendRow appends row r of key k. It depends only on the seed, k and
// r: the same row in every snapshot.
func (s *site) appendRow(buf []byte, k *keyInfo, r int64) []byte {
	g := rng{s: mix(k.seed ^ mix(uint64(r)+0x632be59bd9b4e019))}
	ts := k.base + r*s.interval + g.intn(s.interval)
	for c := range s.columns {
		if c > 0 {
			buf = append(buf, k.format.delim)
		}
		switch c {
		case 0:
			buf = time.Unix(ts, 0).UTC().AppendFormat(buf, tsLayout)
		case 1:
			id := k.lineID
			if id == 0 {
				id = 1 + g.intn(s.lines)
			}
			buf = strconv.AppendInt(buf, id, 10)
		case 2:
			buf = append(buf, 'B')
			buf = appendPadded(buf, (k.batch0+r/40)%100000, 5)
		case 3:
			buf = strconv.AppendInt(buf, 1+g.intn(500), 10)
		case 4:
			buf = appendFixed(buf, 500+g.intn(49500), 3)
		case 5:
			op := operators[(ts/28800+k.lineID)%int64(len(operators))]
			buf = appendField(buf, op, k.format.delim, false)
		case 6:
			p := g.intn(1000)
			for _, n := range notes {
				if p < n.upTo {
					buf = appendField(buf, n.text, k.format.delim, true)
					break
				}
			}
		default:
			buf = appendExtra(buf, c-len(baseColumns), &g)
		}
	}
	return appendEOL(buf, k.format)
}

// appendExtra appends the value of extra numeric column i.
func appendExtra(buf []byte, i int, g *rng) []byte {
	switch i {
	case 0: // temp_c
		return appendFixed(buf, 1800+g.intn(800), 1)
	case 1: // pressure_bar
		return appendFixed(buf, 100+g.intn(900), 2)
	case 2: // speed_rpm
		return strconv.AppendInt(buf, 800+g.intn(2200), 10)
	case 3: // vibration_mm_s
		return appendFixed(buf, g.intn(1200), 2)
	case 4: // humidity_pct
		return appendFixed(buf, 200+g.intn(600), 1)
	case 5: // power_kw
		return appendFixed(buf, 10+g.intn(990), 1)
	}
	return strconv.AppendInt(buf, g.intn(10000), 10)
}

func appendEOL(buf []byte, f format) []byte {
	if f.crlf {
		return append(buf, '\r', '\n')
	}
	return append(buf, '\n')
}

// appendPadded appends v (>= 0) with leading zeros to width digits.
func appendPadded(buf []byte, v int64, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], v, 10)
	for i := len(s); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

// appendFixed appends v/10^dec with dec decimals: (12375, 3) is "12.375".
func appendFixed(buf []byte, v int64, dec int) []byte {
	p := int64(1)
	for range dec {
		p *= 10
	}
	buf = strconv.AppendInt(buf, v/p, 10)
	buf = append(buf, '.')
	return appendPadded(buf, v%p, dec)
}

// appendField appends s, quoted when always is set or when s needs it.
func appendField(buf []byte, s string, delim byte, always bool) []byte {
	if !always && !needsQuotes(s, delim) {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			buf = append(buf, '"')
		}
		buf = append(buf, s[i])
	}
	return append(buf, '"')
}

func needsQuotes(s string, delim byte) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case delim, '"', '\r', '\n':
			return true
		}
	}
	return s != "" && (s[0] == ' ' || s[0] == '\t')
}

// appendUTF16LE appends the UTF-8 text b as UTF-16LE (a BOM in b becomes
// FF FE).
func appendUTF16LE(dst, b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			dst = append(dst, byte(r1), byte(r1>>8), byte(r2), byte(r2>>8))
			continue
		}
		dst = append(dst, byte(r), byte(r>>8))
	}
	return dst
}
