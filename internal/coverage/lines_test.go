package coverage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebo/xxh3"

	"github.com/siftload/siftload/internal/archive"
)

// TestSplitLines: a line's hash is the same whether it comes in one
// write or spread over many (the streaming hasher and Hash128 agree).
func TestSplitLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for i := range 500 {
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), rng.IntN(3000)))
		b.WriteByte('\n')
	}
	data := []byte(b.String())
	var want []xxh3.Uint128
	for _, l := range strings.SplitAfter(b.String(), "\n") {
		if l != "" {
			want = append(want, xxh3.Hash128([]byte(l)))
		}
	}
	var s splitLines
	var got []xxh3.Uint128
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(700))
		s.write(rest[:n], func(u xxh3.Uint128) bool { got = append(got, u); return true })
		rest = rest[n:]
	}
	if len(got) != len(want) || s.partial {
		t.Fatalf("%d lines, want %d (partial %v)", len(got), len(want), s.partial)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d: %x, want %x", i, got[i], want[i])
		}
	}
}

// TestLineProof: once a chosen version over minPrefix was read with the
// cache, a new version that is a prefix of it is proven so with the
// chosen archive gone (only the new version is read); one that is not
// (a line changed) is compared as without the cache; a line list that
// is not the entry's is ignored with a warning.
func TestLineProof(t *testing.T) {
	digest := func(s string) Digest {
		return Digest{SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(s))), Bytes: int64(len(s))}
	}
	var b strings.Builder
	b.WriteString("k,v\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,%s\n", i, strings.Repeat("x", i%97))
	}
	chosen := b.String() // about 1 MiB
	cut := func(n int) string { return chosen[:strings.LastIndexByte(chosen[:n], '\n')+1] }
	old, added := cut(300<<10), cut(700<<10)
	changed := strings.Replace(added, "\n500,", "\n500x,", 1)
	dir := t.TempDir()
	src := func(name string) string { return filepath.ToSlash(filepath.Join(dir, name)) + "!/X.csv" }
	files := map[string]string{"c.zip": chosen, "o.zip": old, "a.zip": added, "n.zip": changed}
	digests := make(map[string]Digest)
	for name, s := range files {
		writeZip(t, filepath.Join(dir, name), "X.csv", s)
		digests[src(name)] = digest(s)
	}
	var warnings []error
	cache := &Cache{Dir: t.TempDir(), Version: "test", Warn: func(err error) { warnings = append(warnings, err) }}
	check := func(others ...string) (Result, int) {
		t.Helper()
		ins, err := archive.Expand(context.Background(), []string{dir})
		if err != nil {
			t.Fatal(err)
		}
		key := Key{Key: "X.csv", Chosen: src("c.zip")}
		for _, o := range others {
			key.Others = append(key.Others, src(o))
		}
		res, probs, err := Check(context.Background(), ins, []Key{key}, Options{Digests: digests, Cache: cache, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		return res[0], len(probs)
	}
	if r, _ := check("o.zip"); !r.ChosenRead || !r.Versions[0].Checked || r.Versions[0].Lines {
		t.Fatalf("first check: %+v", r)
	}
	lists, _ := filepath.Glob(filepath.Join(cache.Dir, "coverage-*.lines"))
	if len(lists) != 1 {
		t.Fatalf("line lists: %v", lists)
	}
	// The chosen archive gone: the new prefix is proven from the list.
	cz, err := os.ReadFile(filepath.Join(dir, "c.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "c.zip")); err != nil {
		t.Fatal(err)
	}
	r, probs := check("o.zip", "a.zip")
	if a := r.Versions[0]; r.ChosenRead || probs > 0 || !a.Checked || !a.Lines || a.Rows != -1 || a.Missing != 0 {
		t.Fatalf("a prefix added: %+v, %d problems", r, probs)
	}
	// Not a prefix: the chosen version is read, and the count is a full
	// read's.
	if err := os.WriteFile(filepath.Join(dir, "c.zip"), cz, 0o644); err != nil {
		t.Fatal(err)
	}
	r, _ = check("o.zip", "a.zip", "n.zip")
	if n := r.Versions[1]; !r.ChosenRead || !n.Checked || n.Lines || n.Missing != 1 || n.Rows < 0 {
		t.Fatalf("not a prefix: %+v", r)
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	// A line list whose bytes changed is not trusted: a warning, and the
	// version is compared.
	data, err := os.ReadFile(lists[0])
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 1 // the head: only the checksum can tell
	if err := os.WriteFile(lists[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	delete(digests, src("n.zip"))
	writeZip(t, filepath.Join(dir, "b.zip"), "X.csv", cut(500<<10))
	digests[src("b.zip")] = digest(cut(500 << 10))
	r, _ = check("o.zip", "a.zip", "b.zip")
	// (b is then compared with the chosen set kept by the check before.)
	if b := r.Versions[1]; !b.Checked || b.Lines || b.Rows < 0 || len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "line list") {
		t.Fatalf("a corrupt line list: %+v, warnings %v", r, warnings)
	}
}

// TestLineListBound: a version of lines shorter than 16 bytes on average
// keeps no line list (it would be larger than the version), and its
// prefixes are proven as without one.
func TestLineListBound(t *testing.T) {
	digest := func(s string) Digest {
		return Digest{SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(s))), Bytes: int64(len(s))}
	}
	var b strings.Builder
	b.WriteString("k\n")
	for i := range 40000 {
		fmt.Fprintf(&b, "%d\n", i%10)
	}
	chosen, prefix := b.String(), b.String()[:2+2*30000]
	dir := t.TempDir()
	src := func(name string) string { return filepath.ToSlash(filepath.Join(dir, name)) + "!/X.csv" }
	writeZip(t, filepath.Join(dir, "c.zip"), "X.csv", chosen)
	writeZip(t, filepath.Join(dir, "p.zip"), "X.csv", prefix)
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var warnings []error
	cache := &Cache{Dir: t.TempDir(), Version: "test", Warn: func(err error) { warnings = append(warnings, err) }}
	key := Key{Key: "X.csv", Chosen: src("c.zip"), Others: []string{src("p.zip")}}
	digests := map[string]Digest{src("c.zip"): digest(chosen), src("p.zip"): digest(prefix)}
	res, probs, err := Check(context.Background(), ins, []Key{key}, Options{Digests: digests, Cache: cache})
	if err != nil || len(probs) > 0 || len(warnings) > 0 {
		t.Fatalf("check: %v %v %v", err, probs, warnings)
	}
	if v := res[0].Versions[0]; !v.Checked || v.Rows != -1 {
		t.Errorf("prefix: %+v", v)
	}
	if lists, _ := filepath.Glob(filepath.Join(cache.Dir, "coverage-*.lines")); len(lists) > 0 {
		t.Errorf("a line list larger than the version was kept: %v", lists)
	}
}
