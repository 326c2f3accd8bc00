package rowcount

import "bytes"

// SniffLen is how much text SniffDelimiter looks at: the import reader
// gives it the first SniffLen bytes of a file's text (after decoding), and
// so does a Counter that sniffs.
const SniffLen = 64 << 10

// delimiters are the field delimiters SniffDelimiter chooses among, in
// tie-break order.
var delimiters = [...]byte{',', ';', '\t', '|'}

// sniffLines is the most records SniffDelimiter looks at.
const sniffLines = 50

// SniffDelimiter guesses the field delimiter of CSV text (UTF-8, no BOM)
// from its start: the first 50 records of at most the first SniffLen bytes
// of sample.
//
// For each of comma, semicolon, tab and pipe it reads the sample with the
// package's rules and that delimiter (so a quoted field may hold other
// delimiters and newlines, and a stray quote is data), and counts the
// delimiters of each record. The delimiter's count is the most frequent
// non-zero count, and its score the number of records with exactly that
// count. The highest score wins; then the higher count; then comma,
// semicolon, tab, pipe in that order. Blank lines are skipped, and the
// last record is ignored when sample fills SniffLen bytes without ending
// it (it may be cut) or ends inside quotes. With no delimiter in any
// record the answer is comma.
func SniffDelimiter(sample []byte) byte {
	truncated := len(sample) >= SniffLen
	if truncated {
		sample = sample[:SniffLen]
	}
	if bytes.IndexByte(sample, '"') < 0 {
		return sniffUnquoted(sample, truncated)
	}
	return sniffEach(sample, truncated)
}

// sniffEach is SniffDelimiter reading sample once per delimiter. A
// delimiter that the sample does not hold is not read for: its counts are
// all zero, its score too, and such a delimiter never wins (a win needs a
// higher score, or the same score and a higher count).
func sniffEach(sample []byte, truncated bool) byte {
	best, bestScore, bestCount := delimiters[0], 0, int64(0)
	var counts [sniffLines]int64
	for _, d := range delimiters {
		if bytes.IndexByte(sample, d) < 0 {
			continue
		}
		n := sniffCounts(sample, d, truncated, &counts)
		count, score := modeCount(counts[:n])
		if score > bestScore || score == bestScore && count > bestCount {
			best, bestScore, bestCount = d, score, count
		}
	}
	return best
}

// sniffUnquoted is SniffDelimiter for a sample without a quote, in one
// read instead of one per delimiter: most members of a site of many tiny
// snapshots are sniffed whole, and the four reads were a quarter of its
// analysis (TestSniffShortcuts keeps it sniffEach). Without
// quotes the delimiter changes only the counts: records and line endings
// go the same way for every delimiter. So the one read, with comma,
// follows the records, and the others' counts are kept beside it: set to
// zero where a record ends (a line that ends without being a record has
// none: any delimiter makes its line text) and counting their byte,
// which is never a terminator. A record whose end shows one byte late (a
// "\r" line end, at c) ends before c, so its counts are those before c,
// and c, when a delimiter, is the next line's first.
func sniffUnquoted(sample []byte, truncated bool) byte {
	var (
		counts [len(delimiters)][sniffLines]int64
		cur    [len(delimiters)]int64
		n      int
	)
	s := initial
	for _, c := range sample {
		before := s.records
		s.step(c, delimiters[0], 0)
		if s.records > before {
			for k := range delimiters {
				counts[k][n] = cur[k]
				cur[k] = 0
			}
			n++
			if n == sniffLines {
				break
			}
		}
		for k, d := range delimiters {
			if c == d {
				cur[k]++
			}
		}
	}
	if n < sniffLines && !truncated {
		before := s.records
		if e := s.end(0); e.records > before {
			for k := range delimiters {
				counts[k][n] = cur[k]
			}
			n++
		}
	}
	best, bestScore, bestCount := delimiters[0], 0, int64(0)
	for k, d := range delimiters {
		count, score := modeCount(counts[k][:n])
		if score > bestScore || score == bestScore && count > bestCount {
			best, bestScore, bestCount = d, score, count
		}
	}
	return best
}

// sniffCounts reads sample with delimiter d and stores the delimiter count
// of each of its first records in counts; it returns how many it stored.
func sniffCounts(sample []byte, d byte, truncated bool, counts *[sniffLines]int64) int {
	s := initial
	n := 0
	for _, c := range sample {
		before, delims := s.records, s.delims
		s.step(c, d, 0)
		if s.records > before {
			// A line ended at a "\r" is seen one byte late, at c: delims is
			// still that line's count.
			counts[n] = delims
			n++
			if n == sniffLines {
				return n
			}
		}
	}
	if !truncated && !s.quoted {
		before, delims := s.records, s.delims
		if e := s.end(0); e.records > before {
			counts[n] = delims
			n++
		}
	}
	return n
}

// modeCount returns the most frequent non-zero count over counts (the
// higher count on a tie) and how many records have it.
func modeCount(counts []int64) (count int64, freq int) {
	for _, c := range counts {
		if c == 0 || c == count {
			continue
		}
		f := 0
		for _, o := range counts {
			if o == c {
				f++
			}
		}
		if f > freq || f == freq && c > count {
			count, freq = c, f
		}
	}
	return count, freq
}
