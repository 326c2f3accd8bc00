package record

// delimiters are the field delimiters SniffDelimiter chooses among, in
// tie-break order.
var delimiters = [...]byte{',', ';', '\t', '|'}

// sniffLines is the most lines SniffDelimiter looks at.
const sniffLines = 50

// SniffDelimiter guesses the field delimiter of CSV text (UTF-8) from its
// start: the first 50 lines of at most the first 64 KiB of sample.
//
// For each of comma, semicolon, tab and pipe it counts the occurrences on
// each line, outside double quotes (so a quoted field may hold other
// delimiters and newlines). The delimiter's count is the most frequent
// non-zero count, and its score the number of lines with exactly that
// count. The highest score wins; then the higher count; then comma,
// semicolon, tab, pipe in that order. Blank lines are skipped, and the last line is
// ignored when sample fills 64 KiB without ending it (it may be cut). With
// no delimiter on any line the answer is comma.
func SniffDelimiter(sample []byte) byte {
	truncated := len(sample) >= bufSize
	if truncated {
		sample = sample[:bufSize]
	}
	var counts [sniffLines][len(delimiters)]int
	var cur [len(delimiters)]int
	lines, quoted, blank := 0, false, true
	for _, c := range sample {
		switch c {
		case '"':
			quoted = !quoted
		case '\r':
			continue // part of CRLF, or data: neither makes a line non-blank
		case '\n':
			if quoted {
				break
			}
			if !blank {
				counts[lines] = cur
				lines++
			}
			cur, blank = [len(delimiters)]int{}, true
			if lines == sniffLines {
				return bestDelimiter(counts[:lines])
			}
			continue
		default:
			for k, d := range delimiters {
				if c == d && !quoted {
					cur[k]++
				}
			}
		}
		blank = false
	}
	if !blank && !truncated && !quoted {
		counts[lines] = cur
		lines++
	}
	return bestDelimiter(counts[:lines])
}

func bestDelimiter(lines [][len(delimiters)]int) byte {
	best, bestScore, bestCount := delimiters[0], 0, 0
	for k, d := range delimiters {
		count, score := modeCount(lines, k)
		if score > bestScore || score == bestScore && count > bestCount {
			best, bestScore, bestCount = d, score, count
		}
	}
	return best
}

// modeCount returns the most frequent non-zero count of delimiter k over
// lines (the higher count on a tie) and how many lines have it.
func modeCount(lines [][len(delimiters)]int, k int) (count, freq int) {
	for i := range lines {
		c := lines[i][k]
		if c == 0 || c == count {
			continue
		}
		f := 0
		for j := range lines {
			if lines[j][k] == c {
				f++
			}
		}
		if f > freq || f == freq && c > count {
			count, freq = c, f
		}
	}
	return count, freq
}
