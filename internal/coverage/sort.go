package coverage

// sortHashes sorts h by Hi, then Lo, in place. Hashes are uniform, so an
// in-place MSD radix sort (American flag sort) on the bytes of Hi, from
// the top, splits them evenly; small buckets finish by insertion sort. It
// is the hot path of the check (every record of every version is sorted
// once) and about three times faster than slices.SortFunc here; it needs no
// memory beyond h.
func sortHashes(h []Hash) {
	radixSort(h, 56)
}

// radixSort sorts h, whose hashes agree on the bits of Hi above shift+8.
func radixSort(h []Hash, shift uint) {
	if len(h) <= 48 {
		insertionSort(h)
		return
	}
	var count [256]int
	for _, x := range h {
		count[byte(x.Hi>>shift)]++
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
			d := int(byte(x.Hi >> shift))
			for d != b {
				// Put x where it belongs and take what was there.
				x, h[next[d]] = h[next[d]], x
				next[d]++
				d = int(byte(x.Hi >> shift))
			}
			h[next[b]] = x
			next[b]++
		}
	}
	for b := range 256 {
		bucket := h[start[b] : start[b]+count[b]]
		if shift == 0 {
			insertionSort(bucket) // equal Hi: by Lo
		} else if len(bucket) > 1 {
			radixSort(bucket, shift-8)
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
