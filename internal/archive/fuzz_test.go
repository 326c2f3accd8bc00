package archive

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/problem"
)

// fuzzExts are the names FuzzWalk gives its input, by the fuzzed index.
var fuzzExts = []string{".zip", ".tar.gz", ".tar", ".7z", ".rar", ".csv.gz", ".tar.zst", ".tar.xz", ".tar.bz2", ".zip.gz"}

// FuzzWalk walks mutated archives. It checks that a bad archive gives
// problems, not panics, hangs or walk errors; that the spool files are
// gone afterwards; and that every entry the walk delivered reads the same
// through Walker.Open.
func FuzzWalk(f *testing.F) {
	tgz := compress(f, ".gz", tarOf(f, tf{Name: "x/LINE02.csv", Data: csv1}, tf{Name: "r.md", Data: "r"}))
	seeds := map[string][]byte{
		".zip": zipOf(f,
			zf{Name: "data/LINE01.csv", Data: csv1},
			zf{Name: "s.csv", Data: "stored\n", Store: true},
			zf{Name: "inner.tar.gz", Data: string(tgz)},
			zf{Name: "in.zip", Data: string(zipOf(f, zf{Name: "z.csv", Data: "z\n"}))},
			zf{Name: "x.csv.gz", Data: string(compress(f, ".gz", []byte(csv1)))},
		),
		".tar.gz":  tgz,
		".tar":     tarOf(f, tf{Name: "a.csv", Data: csv1}, tf{Name: "in.zip", Data: string(zipOf(f, zf{Name: "z.csv", Data: "z\n"}))}),
		".7z":      fixture(f, "sample.7z"),
		".rar":     rar5Of(f, rf{Name: "a.csv", Data: csv1}, rf{Name: "b.csv", Data: "b\n"}),
		".csv.gz":  compress(f, ".gz", []byte(csv1)),
		".tar.zst": compress(f, ".zst", tarOf(f, tf{Name: "a.csv", Data: csv1})),
		".tar.xz":  compress(f, ".xz", tarOf(f, tf{Name: "a.csv", Data: csv1})),
		".tar.bz2": compress(f, ".bz2", tarOf(f, tf{Name: "a.csv", Data: csv1})),
		".zip.gz":  compress(f, ".gz", zipOf(f, zf{Name: "a.csv", Data: csv1})),
	}
	for i, ext := range fuzzExts {
		f.Add(uint8(i), seeds[ext])
	}
	f.Fuzz(func(t *testing.T, ext uint8, data []byte) {
		dir := t.TempDir()
		name := "in" + fuzzExts[int(ext)%len(fuzzExts)]
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		spool := filepath.Join(dir, "spool")
		if err := os.Mkdir(spool, 0o755); err != nil {
			t.Fatal(err)
		}
		w := &Walker{TempDir: spool, MaxSpool: 1 << 20, Problem: func(*problem.Error) {}}
		in := Input{Path: p, Source: name, Key: name, Size: int64(len(data))}

		seen := map[string]int{}
		sums := map[string][32]byte{}
		done := make(chan error, 1)
		go func() {
			done <- w.WalkInput(context.Background(), in, func(ctx context.Context, e Entry) error {
				rc, err := e.Open()
				if err != nil {
					return err
				}
				sum, err := sumOf(rc)
				if err != nil {
					return err
				}
				seen[e.Source]++
				sums[e.Source] = sum
				return nil
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("WalkInput: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("WalkInput hangs")
		}
		if left, _ := os.ReadDir(spool); len(left) > 0 {
			t.Fatalf("spool files left: %v", left)
		}
		for src, n := range seen {
			if n > 1 {
				continue // two members of one name: Open finds the first
			}
			var got [32]byte
			err := w.Open(context.Background(), dir, src, func(r io.Reader) error {
				var err error
				got, err = sumOf(r)
				return err
			})
			if err != nil {
				t.Fatalf("Open(%q) of a delivered entry: %v", src, err)
			}
			if got != sums[src] {
				t.Fatalf("Open(%q) read other bytes than the walk", src)
			}
		}
	})
}

// sumOf hashes the first 64 MiB of r.
func sumOf(r io.Reader) ([32]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(r, 64<<20)); err != nil {
		return [32]byte{}, err
	}
	return [32]byte(h.Sum(nil)), nil
}
