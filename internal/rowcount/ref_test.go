package rowcount

import "bytes"

// refResult is what refParse finds.
type refResult struct {
	Records  [][]string
	Quoted   [][]bool
	Sizes    []int64 // bytes of each record, its terminator included
	Unclosed int64   // the record where an unclosed quote opened, 0: none
	Mode     LineEnding
	Mixed    bool
}

// refParse is the dialect of the package documentation written as plainly
// as possible, a field at a time and independently of step: the reference
// the Counter (and, through the fuzz tests, the import reader) is tested
// against.
func refParse(data []byte, d byte) refResult {
	data = bytes.TrimPrefix(data, []byte(bom))
	var r refResult
	var sawLF, sawCRLF bool
	// term reports whether a record terminator starts at i, and its length.
	term := func(i int) (bool, int) {
		switch data[i] {
		case '\n':
			if r.Mode == Undecided {
				r.Mode = LF
			}
			if r.Mode == LF {
				sawLF = true
			} else {
				r.Mixed = true
			}
			return true, 1
		case '\r':
			next := i+1 < len(data)
			switch {
			case r.Mode == CR:
				return true, 1
			case next && data[i+1] == '\n':
				r.Mode = LF
				sawCRLF = true
				return true, 2
			case r.Mode == LF:
				return !next, 1 // data, unless at the very end
			default:
				r.Mode = CR
				return true, 1
			}
		}
		return false, 0
	}
	i := 0
	for i < len(data) {
		begin := i
		var fields []string
		var quoted []bool
		for {
			var f []byte
			q := false
			if data[i] == '"' {
				q = true
				i++
				for {
					if i >= len(data) {
						r.Unclosed = int64(len(r.Records) + 1)
						return r
					}
					if data[i] == '"' {
						if i+1 < len(data) && data[i+1] == '"' {
							f = append(f, '"')
							i += 2
							continue
						}
						i++
						break
					}
					f = append(f, data[i])
					i++
				}
			}
			// Unquoted bytes, or what follows a closing quote.
			ended, n := false, 0
			for i < len(data) {
				if data[i] == d {
					break
				}
				if ended, n = term(i); ended {
					break
				}
				f = append(f, data[i])
				i++
			}
			fields = append(fields, string(f))
			quoted = append(quoted, q)
			if i < len(data) && data[i] == d {
				i++
				if i == len(data) {
					fields = append(fields, "")
					quoted = append(quoted, false)
					break
				}
				continue
			}
			i += n
			break
		}
		if len(fields) == 1 && fields[0] == "" && !quoted[0] {
			continue // a blank line
		}
		r.Records = append(r.Records, fields)
		r.Quoted = append(r.Quoted, quoted)
		r.Sizes = append(r.Sizes, int64(i-begin))
	}
	if sawLF && sawCRLF {
		r.Mixed = true
	}
	return r
}
