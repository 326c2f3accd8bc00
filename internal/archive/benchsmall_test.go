package archive

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/siftload/siftload/internal/sitegen"
)

// BenchmarkWalkSmallZips walks a site of 200 tiny snapshot zips (40 data
// members of at most 20 rows each, as bench/run.sh --many-small makes)
// and reads every data member to the end, on one goroutine: the walker's
// cost per small archive, without the analysis's counting and hashing.
func BenchmarkWalkSmallZips(b *testing.B) {
	p := sitegen.Params{Dir: filepath.Join(b.TempDir(), "site"), Snapshots: 200, Keys: 40, Rows: 20, Columns: 8, Seed: 1}
	if _, err := sitegen.Generate(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ins, err := Expand(ctx, []string{p.Dir})
	if err != nil {
		b.Fatal(err)
	}
	var w Walker
	buf := make([]byte, 64<<10)
	fn := func(ctx context.Context, e Entry) error {
		rc, err := e.Open()
		if err != nil {
			return err
		}
		_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{rc}, buf)
		return err
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range ins {
			if err := w.WalkInput(ctx, in, fn); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ins)), "µs/archive")
}

// TestWalkSmallZipBigMember walks an outermost zip small enough to be read
// into memory (smallZip) whose one member inflates to 24 MiB at about
// 100:1: within the ratio limit, so no problem. The member's physical
// cost is what it reads from memory; without that count the member would
// seem to cost nothing and cross the ratio limit once past its grace.
func TestWalkSmallZipBigMember(t *testing.T) {
	block := make([]byte, 1024)
	g := uint64(1)
	for i := range block {
		g = g*6364136223846793005 + 1442695040888963407
		block[i] = 'a' + byte(g>>59)
	}
	data := bytes.Repeat(block, 24<<10)
	z := zipOf(t, zf{Name: "big.csv", Data: string(data)})
	if len(z) > smallZip {
		t.Fatalf("the zip is %d bytes, over smallZip: the test would not read it from memory", len(z))
	}
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "a.zip", Data: z}})
	r := &recorder{}
	w := &Walker{Problem: r.problem}
	if err := w.WalkInput(t.Context(), Input{Path: "a.zip", Source: "a.zip", Key: "a.zip", Size: int64(len(z))}, r.fn); err != nil {
		t.Fatal(err)
	}
	r.checkProblems(t, nil)
	if len(r.entries) != 1 || r.entries[0].Data != string(data) {
		t.Errorf("entries = %v, want big.csv whole", r.entries)
	}
}
