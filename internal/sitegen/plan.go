package sitegen

import (
	"fmt"
	"hash/fnv"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Tricky keys (LINE numbers) and the roles they play; see the package doc.
const (
	lineBOM      = 3
	lineSemi     = 4
	lineUTF16    = 5
	lineTie      = 6
	lineEmpty    = 7
	lineNested   = 9
	lineGz       = 10
	minTrickyLn  = 10
	nestedMember = "extra/lines.tar.gz"
)

// keyInfo is one logical file.
type keyInfo struct {
	name   string // "data/LINE01.csv"
	lineID int64  // LINE number, 0 for other kinds (random line_id)
	seed   uint64 // row seed: Params.Seed and the name
	base   int64  // Unix time of row 0, before its jitter
	batch0 int64  // batch number of row 0
	format format
}

// memberPlan is one data file to write into an archive.
type memberPlan struct {
	key    int    // index into site.keys
	name   string // member name in its archive
	rows   int64
	target int64 // Params.OneBig: more rows until this many bytes
	gz     bool  // gzip-compressed member inside a zip
}

// snapPlan is one snapshot archive.
type snapPlan struct {
	rel      string // path under Params.Dir, '/' separators
	date     time.Time
	tar      bool
	members  []memberPlan // sorted by name
	nested   []memberPlan // in nestedMember (zip only)
	readme   bool         // add README.pdf
	manifest bool         // add manifest.json
}

// mtime is the time stored for a snapshot and its members.
func (sp *snapPlan) mtime() time.Time { return sp.date.Add(23*time.Hour + 30*time.Minute) }

// site is the resolved plan of a Generate call.
type site struct {
	p        Params
	columns  []string
	interval int64 // seconds between rows
	lines    int64 // number of LINE keys, for random line_id
	keys     []keyInfo
	snaps    []snapPlan
}

// kindCounts splits Keys into LINE, QC and METER keys.
func kindCounts(keys int) (lines, qc, meters int) {
	qc, meters = keys/8, keys/20
	return keys - qc - meters, qc, meters
}

// newSite validates p and plans the whole site. All randomness comes from
// p.Seed, drawn in a fixed order.
func newSite(p Params) (*site, error) {
	switch {
	case p.Dir == "":
		return nil, fmt.Errorf("sitegen: no output directory")
	case p.Snapshots < 1:
		return nil, fmt.Errorf("sitegen: snapshots %d < 1", p.Snapshots)
	case p.Keys < 1:
		return nil, fmt.Errorf("sitegen: keys %d < 1", p.Keys)
	case p.Rows < 0:
		return nil, fmt.Errorf("sitegen: rows %d < 0", p.Rows)
	case p.Columns < 5:
		return nil, fmt.Errorf("sitegen: columns %d < 5", p.Columns)
	case p.TarEvery < 0:
		return nil, fmt.Errorf("sitegen: tar every %d < 0", p.TarEvery)
	case p.OneBig < 0:
		return nil, fmt.Errorf("sitegen: one big %d < 0", p.OneBig)
	}
	nLine, nQC, nMeter := kindCounts(p.Keys)
	if p.Tricky && (nLine < minTrickyLn || p.Snapshots < 3) {
		return nil, fmt.Errorf("sitegen: tricky needs %d LINE keys (keys >= 11) and 3 snapshots, have %d and %d",
			minTrickyLn, nLine, p.Snapshots)
	}
	s := &site{p: p, columns: columnNames(p.Columns), lines: int64(nLine)}
	s.interval = max(2, int64(p.Snapshots)*86400/int64(max(p.Rows, 1)))
	g := rng{s: mix(p.Seed ^ 0x5173a1e5f00dface)}

	nOld := 0
	if p.Snapshots >= 10 {
		nOld = min(3, p.Snapshots/10)
	}
	first := time.Date(2023, 1, 1-nOld, 0, 0, 0, 0, time.UTC)
	s.addKeys(&g, "data/LINE", nLine, true, first)
	s.addKeys(&g, "energy/METER", nMeter, false, first)
	s.addKeys(&g, "quality/QC", nQC, false, first)
	slices.SortFunc(s.keys, func(a, b keyInfo) int { return strings.Compare(a.name, b.name) })

	n := p.Snapshots
	last := n - 1
	rows := s.planRows(&g)
	for i := range n {
		sp := snapPlan{date: first.AddDate(0, 0, i), manifest: p.Tricky}
		y, m, d := sp.date.Date()
		day := fmt.Sprintf("%04d-%02d-%02d", y, int(m), d)
		j := i - nOld
		switch {
		case i < nOld:
			sp.tar = true
			sp.rel = "old/backup-" + day + ".tar.gz"
		default:
			sp.tar = p.TarEvery > 0 && (j+1)%p.TarEvery == 0 && !(p.Tricky && i == last)
			ext := ".zip"
			if sp.tar {
				ext = ".tar.gz"
			}
			sp.rel = strconv.Itoa(y) + "/" + day + "_export" + ext
		}
		sp.readme = p.Tricky && i == nOld+(n-nOld)/2 && i != last
		for k := range s.keys {
			if rows[k][i] < 0 {
				continue
			}
			m := memberPlan{key: k, name: s.keys[k].name, rows: rows[k][i]}
			if i == last && k == 0 && p.OneBig > 0 {
				m.target = p.OneBig
			}
			if i == last && p.Tricky {
				switch s.keys[k].lineID {
				case lineNested:
					sp.nested = append(sp.nested, m)
					continue
				case lineGz:
					m.name += ".gz"
					m.gz = true
				}
			}
			sp.members = append(sp.members, m)
		}
		slices.SortFunc(sp.members, func(a, b memberPlan) int { return strings.Compare(a.name, b.name) })
		s.snaps = append(s.snaps, sp)
	}
	return s, nil
}

// addKeys adds count keys named prefix01.csv ... (wider when needed).
func (s *site) addKeys(g *rng, prefix string, count int, isLine bool, first time.Time) {
	width := max(2, len(strconv.Itoa(count)))
	for i := 1; i <= count; i++ {
		name := prefix + string(appendPadded(nil, int64(i), width)) + ".csv"
		h := fnv.New64a()
		h.Write([]byte(name))
		k := keyInfo{name: name, format: format{delim: ','}}
		k.seed = mix(s.p.Seed ^ h.Sum64())
		k.base = first.Unix() - 86400 + int64(k.seed%3600)
		k.batch0 = g.intn(2000)
		if isLine {
			k.lineID = int64(i)
		}
		if s.p.Tricky && isLine {
			switch i {
			case lineBOM:
				k.format = format{delim: ',', crlf: true, bom: true}
			case lineSemi:
				k.format = format{delim: ';'}
			case lineUTF16:
				k.format = format{delim: ',', crlf: true, bom: true, utf16: true}
			}
		}
		s.keys = append(s.keys, k)
	}
}

// protected reports whether key k has a fixed role (tricky or OneBig),
// so that random absence and cuts leave it alone.
func (s *site) protected(k int) bool {
	if k == 0 && s.p.OneBig > 0 {
		return true
	}
	if !s.p.Tricky {
		return false
	}
	switch s.keys[k].lineID {
	case lineTie, lineEmpty, lineNested, lineGz:
		return true
	}
	return false
}

// planRows returns the rows of each key in each snapshot, -1 where the
// key is absent.
func (s *site) planRows(g *rng) [][]int64 {
	n, last, full := s.p.Snapshots, s.p.Snapshots-1, int64(s.p.Rows)
	rows := make([][]int64, len(s.keys))
	var cutLast []int
	for k := range s.keys {
		rows[k] = make([]int64, n)
		start := 0
		if k > 0 && !s.protected(k) && n >= 4 && g.chance(100) {
			start = 1 + int(g.intn(int64(n/2)))
		}
		a := 1 + g.intn(4) // growth: 1 mostly quadratic ... 4 linear
		span := int64(n - start)
		for i := range n {
			rows[k][i] = -1
			if i < start {
				continue
			}
			t := int64(i - start + 1)
			lin := (full*t + span - 1) / span
			quad := full * t / span * t / span
			r := (a*lin + (4-a)*quad) / 4
			switch {
			case i == last || s.protected(k):
			case g.chance(20):
				continue // this export missed the key
			case g.chance(150):
				r = r * (50 + g.intn(900)) / 1000
			}
			rows[k][i] = r
		}
		if !s.protected(k) && n >= 2 && g.chance(150) {
			cutLast = append(cutLast, k)
		}
	}
	if len(cutLast) == 0 && n >= 2 {
		var free []int
		for k := range s.keys {
			if !s.protected(k) {
				free = append(free, k)
			}
		}
		if len(free) > 0 {
			cutLast = append(cutLast, free[g.intn(int64(len(free)))])
		}
	}
	for _, k := range cutLast {
		best := slices.Max(rows[k][:last])
		if best > 0 {
			rows[k][last] = best * (300 + g.intn(650)) / 1000
		}
	}
	for k := range s.keys {
		switch {
		case k == 0 && s.p.OneBig > 0:
			rows[k][last] = full
		case !s.p.Tricky:
		case s.keys[k].lineID == lineTie:
			rows[k][last-1], rows[k][last] = full, full
		case s.keys[k].lineID == lineEmpty:
			rows[k][last] = 0
		case s.keys[k].lineID == lineNested, s.keys[k].lineID == lineGz:
			rows[k][last] = full
		}
	}
	return rows
}

// dirs returns the directories of the named members, sorted, each
// ending in '/'.
func dirs(names []string) []string {
	var out []string
	for _, n := range names {
		for d := path.Dir(n); d != "." && d != "/"; d = path.Dir(d) {
			out = append(out, d+"/")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
