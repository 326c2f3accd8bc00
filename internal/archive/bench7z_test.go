package archive

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkWalkSevenZipStored walks a 7z with one stored 16 MiB member
// and reads it to the end: the cost of reading 7z members, CRC check
// included.
func BenchmarkWalkSevenZipStored(b *testing.B) {
	tool := ""
	for _, name := range []string{"7z", "7zz", "7za"} {
		if p, err := exec.LookPath(name); err == nil {
			tool = p
			break
		}
	}
	if tool == "" {
		b.Skip("no 7z command")
	}
	dir := b.TempDir()
	data := []byte(numbers(16 << 20 / 18))
	if err := os.WriteFile(filepath.Join(dir, "L.csv"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(tool, "a", "-bd", "-mx0", "a.7z", "L.csv")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	ins, err := Expand(context.Background(), []string{filepath.Join(dir, "a.7z")})
	if err != nil {
		b.Fatal(err)
	}
	var w Walker
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := int64(0)
		err := w.WalkInput(context.Background(), ins[0], func(_ context.Context, e Entry) error {
			rc, err := e.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			n, err = io.Copy(io.Discard, rc)
			return err
		})
		if err != nil || n != int64(len(data)) {
			b.Fatalf("walk: %v, %d bytes", err, n)
		}
	}
}
