package coverage

// sortHashes sorts h by Hi, then Lo, in place. Hashes are uniform, so an
// in-place MSD radix sort (American flag sort) on their bytes, from the
// top, splits them evenly; small buckets finish by insertion sort, and
// equal hashes (duplicate records) end the recursion after 16 bytes. It
// is the hot path of the check (every record of every version is sorted
// once) and about three times faster than slices.SortFunc here; it needs no
// memory beyond h.
func sortHashes(h []Hash) {
	radixSort(h, 0)
}

// digit returns byte i (0-15, from the most significant) of x.
func digit(x Hash, i int) int {
	if i < 8 {
		return int(byte(x.Hi >> (56 - 8*i)))
	}
	return int(byte(x.Lo >> (56 - 8*(i-8))))
}

// radixSort sorts h, whose hashes agree on their bytes before byte i.
func radixSort(h []Hash, i int) {
	if len(h) <= 48 {
		insertionSort(h)
		return
	}
	if i == 2*8 {
		return // all equal
	}
	var count [256]int
	for _, x := range h {
		count[digit(x, i)]++
	}
	var start, next [256]int
	sum := 0
	for b, c := range count {
		start[b], next[b] = sum, sum
		sum += c
	}
	for b := range 256 {
		end := start[b] + count[b]
		for next[b] < end {
			x := h[next[b]]
			d := digit(x, i)
			for d != b {
				// Put x where it belongs and take what was there.
				x, h[next[d]] = h[next[d]], x
				next[d]++
				d = digit(x, i)
			}
			h[next[b]] = x
			next[b]++
		}
	}
	for b := range 256 {
		if count[b] > 1 {
			radixSort(h[start[b]:start[b]+count[b]], i+1)
		}
	}
}

func insertionSort(h []Hash) {
	for i := 1; i < len(h); i++ {
		x := h[i]
		j := i
		for j > 0 && x.Compare(h[j-1]) < 0 {
			h[j] = h[j-1]
			j--
		}
		h[j] = x
	}
}
