package analysis

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
)

// old is a modification time far enough in the past for an input to be
// cached (see RacyWindow).
var old = time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)

// writeInput writes data to path with the modification time mtime.
func writeInput(tb testing.TB, path string, data []byte, mtime time.Time) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		tb.Fatal(err)
	}
}

// zipOf returns a zip of the members (name, content pairs), stored, so
// that members of the same length give a zip of the same size.
func zipOf(tb testing.TB, members ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(members); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: members[i], Method: zip.Store})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(members[i+1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// tgzOf returns a tar.gz of the members (name, content pairs).
func tgzOf(tb testing.TB, members ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gw)
	for i := 0; i < len(members); i += 2 {
		if err := tw.WriteHeader(&tar.Header{Name: members[i], Mode: 0o644, Size: int64(len(members[i+1])), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write([]byte(members[i+1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// cacheSite writes a site of five inputs: two zips, a tar.gz, a loose
// CSV and a cut zip (a problem, so never cached).
func cacheSite(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "site")
	writeInput(tb, filepath.Join(dir, "2023-01-01.zip"), zipOf(tb, "data/L1.csv", "h\n1\n2\n", "data/L2.csv", "h\n1\n"), old)
	writeInput(tb, filepath.Join(dir, "2023-01-02.zip"), zipOf(tb, "data/L1.csv", "h\n1\n2\n3\n", "data/L2.csv", "h\n"), old)
	writeInput(tb, filepath.Join(dir, "2023-01-03.tar.gz"), tgzOf(tb, "data/L2.csv", "h\n1\n2\n", "data/L3.csv", "h,x\n1\n2,3\n"), old)
	writeInput(tb, filepath.Join(dir, "loose", "L4.csv"), []byte("h\n1\n2\n"), old)
	cut := zipOf(tb, "data/L1.csv", strings.Repeat("h\n1\n", 100))
	writeInput(tb, filepath.Join(dir, "2023-01-04.zip"), cut[:len(cut)/2], old)
	return dir
}

// analyzeSite analyzes dir with the cache c (nil: none) and returns the
// candidates, the problems as text and the stats.
func analyzeSite(tb testing.TB, dir string, c *Cache, workers int) ([]plan.Candidate, []string, Stats) {
	tb.Helper()
	s := Settings{Metric: "rows", MaxDepth: 4}
	opts, err := s.Options()
	if err != nil {
		tb.Fatal(err)
	}
	opts.Workers = workers
	opts.Cache = c
	ctx := context.Background()
	ins, err := archive.Expand(ctx, []string{dir})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := Run(ctx, ins, opts)
	if err != nil {
		tb.Fatal(err)
	}
	var probs []string
	for _, p := range res.Problems {
		probs = append(probs, p.Error())
	}
	return res.Candidates, probs, res.Stats
}

func newTestCache(dir string, warn func(error)) *Cache {
	return &Cache{Dir: dir, Settings: Settings{Metric: "rows", MaxDepth: 4}, Version: "test", Warn: warn}
}

// entries returns the entry files of a cache directory.
func entries(tb testing.TB, dir string) []string {
	tb.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "input-*.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestCacheMatchesNoCache(t *testing.T) {
	tests := []struct {
		Name string
		// Change changes the site after the cache was filled.
		Change      func(tb testing.TB, dir string)
		WantCached  int // inputs taken from the cache afterwards
		WantEntries int // entries left afterwards
		LinuxOnly   bool
	}{{
		Name:        "Unchanged",
		Change:      func(testing.TB, string) {},
		WantCached:  4,
		WantEntries: 4,
	}, {
		Name: "Added",
		Change: func(tb testing.TB, dir string) {
			writeInput(tb, filepath.Join(dir, "2023-01-05.zip"), zipOf(tb, "data/L1.csv", "h\n1\n2\n3\n4\n"), old)
		},
		WantCached:  4,
		WantEntries: 5,
	}, {
		Name: "Removed",
		Change: func(tb testing.TB, dir string) {
			if err := os.Remove(filepath.Join(dir, "2023-01-02.zip")); err != nil {
				tb.Fatal(err)
			}
		},
		WantCached:  3,
		WantEntries: 3,
	}, {
		Name: "Replaced",
		Change: func(tb testing.TB, dir string) {
			writeInput(tb, filepath.Join(dir, "2023-01-02.zip"), zipOf(tb, "data/L9.csv", "h\n1\n2\n3\n4\n5\n"), old.Add(time.Hour))
		},
		WantCached:  3,
		WantEntries: 4,
	}, {
		Name: "ReplacedSameSize",
		Change: func(tb testing.TB, dir string) {
			// The same members, the same lengths, other rows: the same
			// size, another time.
			writeInput(tb, filepath.Join(dir, "2023-01-01.zip"), zipOf(tb, "data/L1.csv", "h\n123\n", "data/L2.csv", "h\n1\n"), old.Add(time.Second))
		},
		WantCached:  3,
		WantEntries: 4,
	}, {
		Name: "TouchedSameSize",
		Change: func(tb testing.TB, dir string) {
			writeInput(tb, filepath.Join(dir, "loose", "L4.csv"), []byte("h\n123\n"), old.Add(time.Nanosecond))
		},
		WantCached:  3,
		WantEntries: 4,
	}, {
		Name: "RewrittenKeepingTime", // as cp -p or rsync -t would
		Change: func(tb testing.TB, dir string) {
			writeInput(tb, filepath.Join(dir, "loose", "L4.csv"), []byte("h\n123\n"), old)
		},
		WantCached:  3,
		WantEntries: 4,
		LinuxOnly:   true, // the change time (fileIdentity)
	}, {
		Name: "Truncated",
		Change: func(tb testing.TB, dir string) {
			p := filepath.Join(dir, "2023-01-03.tar.gz")
			data, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			writeInput(tb, p, data[:len(data)-20], old)
		},
		WantCached:  3,
		WantEntries: 3, // a problem now: not cached
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if tt.LinuxOnly && runtime.GOOS != "linux" {
				t.Skip("only Linux tells files apart by more than size and time")
			}
			dir := cacheSite(t)
			cdir := filepath.Join(t.TempDir(), "cache")
			warn := func(err error) { t.Errorf("warning: %v", err) }
			beforeCands, beforeProbs, _ := analyzeSite(t, dir, nil, 1)
			// Cold, then warm: the cache holds every input without a
			// problem.
			for i, want := range []int{0, 4} {
				cands, probs, st := analyzeSite(t, dir, newTestCache(cdir, warn), 2)
				if st.Cached != want {
					t.Errorf("run %d: %d inputs from the cache, want %d", i, st.Cached, want)
				}
				if !reflect.DeepEqual(cands, beforeCands) || !reflect.DeepEqual(probs, beforeProbs) {
					t.Errorf("run %d with the cache:\n%v\n%q\nwithout:\n%v\n%q", i, cands, probs, beforeCands, beforeProbs)
				}
			}
			tt.Change(t, dir)
			wantCands, wantProbs, _ := analyzeSite(t, dir, nil, 1)
			for _, workers := range []int{1, 3} {
				cands, probs, st := analyzeSite(t, dir, newTestCache(cdir, warn), workers)
				if !reflect.DeepEqual(cands, wantCands) || !reflect.DeepEqual(probs, wantProbs) {
					t.Errorf("workers %d, with the cache:\n%v\n%q\nwithout:\n%v\n%q", workers, cands, probs, wantCands, wantProbs)
				}
				if workers == 1 && st.Cached != tt.WantCached {
					t.Errorf("%d inputs from the cache, want %d", st.Cached, tt.WantCached)
				}
			}
			if got := len(entries(t, cdir)); got != tt.WantEntries {
				t.Errorf("%d entries, want %d", got, tt.WantEntries)
			}
		})
	}
}

func TestCacheBadEntries(t *testing.T) {
	foreign := func(tb testing.TB, path string) []byte {
		var buf bytes.Buffer
		part := plan.Part{Shard: 0, Shards: 2, ShardBy: "size", Settings: strings.Repeat("ab", 32), Metric: "rows", Version: "test", Inputs: 1}
		if err := plan.WritePart(&buf, part, nil, nil); err != nil {
			tb.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		Name     string
		Entry    func(tb testing.TB, path string) []byte // the new content of an entry
		WantWarn string
	}{{
		Name:     "Garbage",
		Entry:    func(testing.TB, string) []byte { return []byte("not,a\ncache entry\n") },
		WantWarn: "bad candidates file",
	}, {
		Name:     "Empty",
		Entry:    func(testing.TB, string) []byte { return nil },
		WantWarn: "ends early",
	}, {
		Name: "Cut",
		Entry: func(tb testing.TB, path string) []byte {
			data, err := os.ReadFile(path)
			if err != nil {
				tb.Fatal(err)
			}
			return data[:len(data)-30]
		},
		WantWarn: "bad candidates file",
	}, {
		Name:     "Shard",
		Entry:    foreign,
		WantWarn: "not a cache entry of this input",
	}, {
		Name: "OtherInput", // a valid entry of another input, copied
		Entry: func(tb testing.TB, path string) []byte {
			data, err := os.ReadFile(path)
			if err != nil {
				tb.Fatal(err)
			}
			return bytes.ReplaceAll(data, []byte("2023-01-01.zip!/"), []byte("2023-01-09.zip!/"))
		},
		WantWarn: "not a cache entry of this input",
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := cacheSite(t)
			cdir := filepath.Join(t.TempDir(), "cache")
			want, wantProbs, _ := analyzeSite(t, dir, nil, 1)
			analyzeSite(t, dir, newTestCache(cdir, func(err error) { t.Error(err) }), 1)
			abs, err := filepath.Abs(filepath.Join(dir, "2023-01-01.zip"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(cdir, entryName(abs))
			if err := os.WriteFile(path, tt.Entry(t, path), 0o644); err != nil {
				t.Fatal(err)
			}
			var warns []string
			c := newTestCache(cdir, func(err error) { warns = append(warns, err.Error()) })
			got, gotProbs, st := analyzeSite(t, dir, c, 1)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotProbs, wantProbs) {
				t.Errorf("with a bad entry:\n%v\n%q\nwant:\n%v\n%q", got, gotProbs, want, wantProbs)
			}
			if st.Cached != 3 {
				t.Errorf("%d inputs from the cache, want 3", st.Cached)
			}
			if len(warns) != 1 || !strings.Contains(warns[0], tt.WantWarn) || !strings.Contains(warns[0], "2023-01-01.zip") {
				t.Errorf("warnings %q, want one about 2023-01-01.zip with %q", warns, tt.WantWarn)
			}
			// The entry was written anew: the next run trusts it.
			c = newTestCache(cdir, func(err error) { t.Error(err) })
			if _, _, st := analyzeSite(t, dir, c, 1); st.Cached != 4 {
				t.Errorf("after the rewrite, %d inputs from the cache, want 4", st.Cached)
			}
		})
	}
}

func TestCacheMisses(t *testing.T) {
	tests := []struct {
		Name       string
		Second     func(c *Cache) // changes the cache of the second run
		WantCached int
	}{{
		Name:       "Same",
		Second:     func(*Cache) {},
		WantCached: 4,
	}, {
		Name:       "OtherVersion",
		Second:     func(c *Cache) { c.Version = "test2" },
		WantCached: 0,
	}, {
		Name:       "OtherSettings",
		Second:     func(c *Cache) { c.Settings.NoHeader = true },
		WantCached: 0,
	}, {
		Name:       "Rebuild",
		Second:     func(c *Cache) { c.Rebuild = true },
		WantCached: 0,
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := cacheSite(t)
			cdir := filepath.Join(t.TempDir(), "cache")
			warn := func(err error) { t.Error(err) }
			analyzeSite(t, dir, newTestCache(cdir, warn), 1)
			c := newTestCache(cdir, warn)
			tt.Second(c)
			if _, _, st := analyzeSite(t, dir, c, 1); st.Cached != tt.WantCached {
				t.Errorf("%d inputs from the cache, want %d", st.Cached, tt.WantCached)
			}
		})
	}
}

// TestCacheRacy: an input written just now is not cached (a write at the
// same size within the time resolution would look unchanged), nor is one
// that changes while it is read.
func TestCacheRacy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	writeInput(t, filepath.Join(dir, "a.csv"), []byte("h\n1\n"), time.Now())
	writeInput(t, filepath.Join(dir, "b.csv"), []byte("h\n1\n"), old)
	cdir := filepath.Join(t.TempDir(), "cache")
	analyzeSite(t, dir, newTestCache(cdir, func(err error) { t.Error(err) }), 1)
	if got := entries(t, cdir); len(got) != 1 {
		t.Errorf("entries %q, want only b.csv's", got)
	}
}

func TestCacheLeavesOtherFiles(t *testing.T) {
	dir := cacheSite(t)
	cdir := filepath.Join(t.TempDir(), "cache")
	other := filepath.Join(cdir, "notes.csv")
	temp := filepath.Join(cdir, ".input-0123.csv.42.tmp")
	writeInput(t, other, []byte("mine"), old)
	writeInput(t, temp, []byte("half"), old)
	analyzeSite(t, dir, newTestCache(cdir, func(err error) { t.Error(err) }), 1)
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file of the user's in the cache directory: %v", err)
	}
	if _, err := os.Stat(temp); err == nil {
		t.Errorf("leftover temporary file %s not removed", temp)
	}
}

// BenchmarkCacheWarm measures a warm analysis: every input from the cache.
func BenchmarkCacheWarm(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "site")
	for i := range 200 {
		writeInput(b, filepath.Join(dir, fmt.Sprintf("2023-%03d.zip", i)), zipOf(b, "data/L1.csv", "h\n1\n2\n", "data/L2.csv", "h\n1\n"), old)
	}
	cdir := filepath.Join(b.TempDir(), "cache")
	analyzeSite(b, dir, newTestCache(cdir, nil), 2)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, st := analyzeSite(b, dir, newTestCache(cdir, nil), 2); st.Cached != 200 {
			b.Fatalf("%d cached", st.Cached)
		}
	}
}
