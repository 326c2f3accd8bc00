package coverage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/archive"
)

// benchRows is a CSV of n records of 8 columns, shaped like the
// benchmark site's exports, from record first on.
func benchRows(first, n int) string {
	var b strings.Builder
	b.WriteString("id,ts,line,station,qty,weight,status,note\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "%d,2023-01-%02d 10:%02d:%02d,L%02d,S%03d,%d,%d.%03d,OK,\"note %d, checked\"\n",
			i, i%28+1, i%60, i%60, i%12, i%200, i%1000, i%97, i%1000, i)
	}
	return b.String()
}

// BenchmarkCheck checks a site of 4 keys in 6 zip snapshots of 20,000
// records each (rotating by 1,000 records a snapshot): 24 versions, 18 of
// them compared.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	const keys, snaps, rows = 4, 6, 20000
	var ks []Key
	var total int64
	for k := range keys {
		ks = append(ks, Key{Key: fmt.Sprintf("k%d.csv", k)})
	}
	for s := range snaps {
		var members []string
		for k := range keys {
			data := benchRows(s*1000, rows)
			total += int64(len(data))
			members = append(members, fmt.Sprintf("k%d.csv", k), data)
			src := filepath.ToSlash(filepath.Join(dir, fmt.Sprintf("s%d.zip", s))) + "!/" + fmt.Sprintf("k%d.csv", k)
			if s == snaps-1 {
				ks[k].Chosen = src
			} else {
				ks[k].Others = append(ks[k].Others, src)
			}
		}
		writeZip(b, filepath.Join(dir, fmt.Sprintf("s%d.zip", s)), members...)
	}
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Check(context.Background(), ins, ks, Options{Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSortHashes sorts a version's hashes (1 M records).
func BenchmarkSortHashes(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]Hash, 1<<20)
	for i := range src {
		src[i] = Hash{r.Uint64(), r.Uint64()}
	}
	buf := make([]Hash, len(src))
	b.SetBytes(int64(len(src)) * hashSize)
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, src)
		sortHashes(buf)
	}
}

// BenchmarkMissing merges a sorted version of 1 M records with a chosen
// set of 1 M records, in memory and from run files.
func BenchmarkMissing(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	chosen := make([]Hash, 1<<20)
	other := make([]Hash, 1<<20)
	for i := range chosen {
		chosen[i] = Hash{r.Uint64(), r.Uint64()}
		other[i] = chosen[i]
		if i%10 == 0 {
			other[i] = Hash{r.Uint64(), r.Uint64()}
		}
	}
	sortHashes(chosen)
	sortHashes(other)
	b.Run("Memory", func(b *testing.B) {
		b.SetBytes(int64(len(other)) * hashSize)
		for b.Loop() {
			if _, err := missing(&memIter{h: chosen}, &memIter{h: other}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Runs", func(b *testing.B) {
		dir := b.TempDir()
		var runs []string
		for i := 0; i < len(chosen); i += len(chosen) / 4 {
			name, err := writeRun(dir, chosen[i:i+len(chosen)/4])
			if err != nil {
				b.Fatal(err)
			}
			runs = append(runs, name)
		}
		s := &set{runs: runs}
		b.SetBytes(int64(len(other)) * hashSize)
		for b.Loop() {
			it, err := s.iter()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := missing(it, &memIter{h: other}); err != nil {
				b.Fatal(err)
			}
			it.close()
		}
		os.RemoveAll(dir)
	})
}
