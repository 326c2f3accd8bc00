package coverage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/siftload/siftload/internal/archive"
)

// TestCacheKeepsOnlyWhatTheBytesDecide: a result is cached only when the
// bytes read again are those the analysis measured (the digest the key
// names); otherwise (an archive that changed since, a version not found)
// the next check reads again. A cached result comes back without reading,
// even when the archives are gone.
func TestCacheKeepsOnlyWhatTheBytesDecide(t *testing.T) {
	dir := t.TempDir()
	chosen := months(1, 9)
	others := []string{months(3, 12), months(1, 4) + "2023-13,0\n", months(2, 5)}
	writeZip(t, filepath.Join(dir, "s0.zip"), "X.csv", chosen)
	src := func(i int) string { return filepath.ToSlash(filepath.Join(dir, fmt.Sprintf("s%d.zip", i))) + "!/X.csv" }
	digest := func(s string) Digest {
		return Digest{SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(s))), Bytes: int64(len(s))}
	}
	key := Key{Key: "X.csv", Chosen: src(0)}
	digests := map[string]Digest{src(0): digest(chosen)}
	for i, o := range others {
		writeZip(t, filepath.Join(dir, fmt.Sprintf("s%d.zip", i+1)), "X.csv", o)
		key.Others = append(key.Others, src(i+1))
		digests[src(i+1)] = digest(o)
	}
	// s3's bytes are not those measured: another version of the same
	// size took its place.
	digests[src(3)] = digest(months(6, 9))
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var warnings []error
	cache := &Cache{Dir: t.TempDir(), Version: "test", Warn: func(err error) { warnings = append(warnings, err) }}
	run := func() []Version {
		t.Helper()
		res, _, err := Check(context.Background(), ins, []Key{key}, Options{Digests: digests, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		return res[0].Versions
	}
	first := run()
	if first[0].Missing != 3 || first[1].Missing != 1 || first[2].Missing != 0 || first[0].Cached || first[2].Cached {
		t.Fatalf("first check: %+v", first)
	}
	second := run()
	for i, want := range []bool{true, true, false} {
		if second[i].Cached != want {
			t.Errorf("second check, %s: cached %v, want %v", second[i].Source, second[i].Cached, want)
		}
		if second[i].Checked != first[i].Checked || second[i].Missing != first[i].Missing {
			t.Errorf("second check, %s: %+v, first %+v", second[i].Source, second[i], first[i])
		}
	}
	// The chosen version's hashes are kept: a new version is compared
	// with them, and s0 is not read (it is gone).
	writeZip(t, filepath.Join(dir, "s4.zip"), "X.csv", months(8, 11))
	key.Others = append(key.Others, src(4))
	digests[src(4)] = digest(months(8, 11))
	if err := os.Remove(filepath.Join(dir, "s0.zip")); err != nil {
		t.Fatal(err)
	}
	if ins, err = archive.Expand(context.Background(), []string{dir}); err != nil {
		t.Fatal(err)
	}
	third := run()
	if v := third[3]; !v.Checked || v.Missing != 2 || v.Cached {
		t.Errorf("a new version against the kept hashes: %+v, want 2 missing", v)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
}

// TestPrefixPass: a key whose other versions may all be prefixes of the
// chosen version has it read as bytes first (pass 1a); when one is not a
// prefix after all, the chosen version is read in full and the counts are
// those of a full read; a chosen version that is gone is one problem, not
// one a pass.
func TestPrefixPass(t *testing.T) {
	digest := func(s string) Digest {
		return Digest{SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(s))), Bytes: int64(len(s))}
	}
	chosen := months(1, 12)
	prefix := months(1, 6)
	notPrefix := months(1, 5) + "2023-13,0\n"
	dir := t.TempDir()
	src := func(name string) string { return filepath.ToSlash(filepath.Join(dir, name)) + "!/X.csv" }
	writeZip(t, filepath.Join(dir, "c.zip"), "X.csv", chosen)
	writeZip(t, filepath.Join(dir, "p.zip"), "X.csv", prefix)
	writeZip(t, filepath.Join(dir, "q.zip"), "X.csv", notPrefix)
	digests := map[string]Digest{src("c.zip"): digest(chosen), src("p.zip"): digest(prefix), src("q.zip"): digest(notPrefix)}
	ins, err := archive.Expand(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, withCache := range []bool{false, true} {
		opts := Options{Digests: digests}
		if withCache {
			opts.Cache = &Cache{Dir: t.TempDir(), Version: "test"}
		}
		key := Key{Key: "X.csv", Chosen: src("c.zip"), Others: []string{src("p.zip"), src("q.zip")}}
		res, probs, err := Check(context.Background(), ins, []Key{key}, opts)
		if err != nil || len(probs) > 0 {
			t.Fatalf("check: %v %v", err, probs)
		}
		p, q := res[0].Versions[0], res[0].Versions[1]
		if !p.Checked || p.Rows != -1 || p.Missing != 0 || !q.Checked || q.Rows != 6 || q.Missing != 1 {
			t.Errorf("cache %v: prefix %+v, not a prefix %+v", withCache, p, q)
		}
	}
	// The chosen version gone, its others all prefixes: one problem.
	key := Key{Key: "X.csv", Chosen: src("gone.zip"), Others: []string{src("p.zip")}}
	digests[src("gone.zip")] = digest(chosen)
	writeZip(t, filepath.Join(dir, "gone.zip"), "Y.csv", chosen)
	if ins, err = archive.Expand(context.Background(), []string{dir}); err != nil {
		t.Fatal(err)
	}
	res, probs, err := Check(context.Background(), ins, []Key{key}, Options{Digests: digests})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || res[0].Versions[0].Reason != ReasonNoChosen {
		t.Errorf("a chosen version not found: problems %v, version %+v; want one problem and %q", probs, res[0].Versions[0], ReasonNoChosen)
	}
}
