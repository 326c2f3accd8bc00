package analysis

// The incremental analysis cache.
//
// A Cache is a directory that keeps, for each outermost input, the
// candidates an analysis found in it, so that the next analysis reads
// only the inputs that are new or changed. The rules:
//
//   - An entry is one file per input, named after a hash of the input's
//     absolute path (input-HASH.csv), in the shard candidates format
//     (plan.WritePart): shard 0/1, shard_by "cache", inputs 1, and as its
//     settings fingerprint the entry's key.
//   - The key is a hash of the input's absolute path, its source and key
//     base, its size and modification time (to the nanosecond), on Linux
//     its device, inode and change time (a replacement that keeps size
//     and time, as cp -p or rsync -t make, changes them), the
//     analysis settings' fingerprint (Settings.Fingerprint) and the
//     siftload version. An entry is used only when its key is the key
//     the input has now: a changed, replaced, touched or truncated input,
//     other settings or another siftload all miss, and the input is read
//     again.
//   - An input is cached only when its analysis found no problem (a
//     problem may come from the disk, not the archive, and must be seen
//     again), when it did not change while it was read (the same size and
//     time before and after), and when its time is at least RacyWindow
//     older than the start of its reading (a file written again within
//     the file system's time resolution, at the same size, would look
//     unchanged).
//   - A corrupt entry (not a complete candidates file) or a foreign one
//     (another kind of candidates file, a candidate that is not under the
//     input, problems) is ignored with a warning and the input is read
//     again: an entry is never trusted beyond what it proves.
//   - Entries are written to a temporary file in the directory and
//     renamed into place, so that a reader sees a whole entry or none. A
//     crash may leave a cut entry, which is corrupt, hence read again.
//   - After an analysis that ran to its end, the entries of inputs that
//     were not part of it (gone inputs, inputs of other settings) and
//     leftover temporary files are removed: the directory holds the
//     inputs of the last analysis. Other files in it are left alone.
//
// A plan chosen with the cache is byte-identical to one chosen without:
// an entry holds exactly the candidates the input gave, in the same
// representation.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
)

// RacyWindow is how much older than the start of its reading an input's
// modification time must be for the input to be cached: more than the
// coarsest time resolution of common file systems (FAT: 2 s).
const RacyWindow = 3 * time.Second

// cacheShardBy marks a candidates file as a cache entry.
const cacheShardBy = "cache"

// Cache is the incremental analysis cache; see the rules above. The zero
// value is not usable: Dir, Settings and Version must be set. A Cache is
// used by one analysis at a time.
type Cache struct {
	Dir string
	// Settings are the analysis's settings, with the metric's canonical
	// name (they key the entries).
	Settings Settings
	// Version names the program that writes the entries: an entry of
	// another version is not used.
	Version string
	// Rebuild reads no entry: every input is read and its entry written
	// anew.
	Rebuild bool
	// Warn, when set, is told of entries ignored as corrupt or foreign
	// and of entries that could not be written or removed. The analysis
	// goes on either way.
	Warn func(error)

	mu   sync.Mutex
	used map[string]bool // entry file names of this analysis
	hits int
}

// cacheInput is what the cache knows of one input during an analysis.
type cacheInput struct {
	name  string      // entry file name
	abs   string      // absolute path
	fi    fs.FileInfo // before reading
	start time.Time   // when its reading started
}

func (c *Cache) warn(err error) {
	if c.Warn != nil {
		c.Warn(err)
	}
}

// entryName returns the entry file name of the input at abs.
func entryName(abs string) string {
	h := sha256.Sum256([]byte(abs))
	return "input-" + hex.EncodeToString(h[:16]) + ".csv"
}

// key returns the key of an input as it is now.
func (c *Cache) key(in archive.Input, abs string, fi fs.FileInfo) string {
	h := sha256.New()
	fmt.Fprintf(h, "siftload cache entry 1\nversion %q\nsettings %s\npath %q\nsize %d\nmtime %d\nfile %s\n",
		c.Version, c.Settings.Fingerprint([]archive.Input{in}), abs, fi.Size(), fi.ModTime().UnixNano(), fileIdentity(fi))
	return hex.EncodeToString(h.Sum(nil))
}

// open prepares the cache directory for an analysis.
func (c *Cache) open() error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	c.used = make(map[string]bool)
	c.hits = 0
	return nil
}

// get returns the cached candidates of in, and ok when there are. The
// returned cacheInput is for put.
func (c *Cache) get(in archive.Input) (ci *cacheInput, cands []plan.Candidate, ok bool) {
	if in.Dir {
		return nil, nil, false // an unreadable directory: always a problem
	}
	abs, err := filepath.Abs(in.Path)
	if err != nil {
		return nil, nil, false
	}
	ci = &cacheInput{name: entryName(abs), abs: abs, start: time.Now()}
	c.mu.Lock()
	c.used[ci.name] = true
	c.mu.Unlock()
	fi, err := os.Stat(in.Path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, nil, false // the walk reports it
	}
	ci.fi = fi
	if c.Rebuild {
		return ci, nil, false
	}
	path := filepath.Join(c.Dir, ci.name)
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.warn(fmt.Errorf("cache entry %s of %s: %w (ignored: the input is read again)", path, in.Source, err))
		}
		return ci, nil, false
	}
	defer f.Close()
	part, cands, probs, err := plan.ReadPart(f)
	if err == nil {
		err = c.check(in, part, cands, probs)
	}
	if err != nil {
		c.warn(fmt.Errorf("cache entry %s of %s: %w (ignored: the input is read again)", path, in.Source, err))
		return ci, nil, false
	}
	if part.Settings != c.key(in, abs, fi) {
		return ci, nil, false // the input, the settings or siftload changed
	}
	c.mu.Lock()
	c.hits++
	c.mu.Unlock()
	return ci, cands, true
}

// errForeign marks a cache entry that is a candidates file, but not one
// the cache wrote for this input.
var errForeign = errors.New("not a cache entry of this input")

// check refuses an entry that the cache would not have written for in.
func (c *Cache) check(in archive.Input, part plan.Part, cands []plan.Candidate, probs []*problem.Error) error {
	switch {
	case part.ShardBy != cacheShardBy || part.Shard != 0 || part.Shards != 1 || part.Inputs != 1:
		return fmt.Errorf("%w (shard %d/%d by %q, %d inputs)", errForeign, part.Shard, part.Shards, part.ShardBy, part.Inputs)
	case len(probs) > 0:
		return fmt.Errorf("%w (it holds problems)", errForeign)
	case part.Metric != c.Settings.Metric:
		return nil // other settings: the key misses
	}
	for _, cd := range cands {
		if cd.Source != in.Source && !strings.HasPrefix(cd.Source, in.Source+"!/") {
			return fmt.Errorf("%w (source %s)", errForeign, cd.Source)
		}
	}
	return nil
}

// put writes the entry of an input that was read, when it may be cached,
// and otherwise removes the input's stale entry.
func (c *Cache) put(in archive.Input, ci *cacheInput, cands []plan.Candidate, problems int) {
	if ci == nil {
		return
	}
	if !c.cacheable(in, ci, problems) {
		if err := os.Remove(filepath.Join(c.Dir, ci.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.warn(fmt.Errorf("cache: remove %s: %w", ci.name, err))
		}
		return
	}
	part := plan.Part{Shard: 0, Shards: 1, ShardBy: cacheShardBy, Settings: c.key(in, ci.abs, ci.fi),
		Metric: c.Settings.Metric, Version: c.Version, Inputs: 1}
	sorted := slices.Clone(cands)
	plan.SortCandidates(sorted)
	if err := c.write(ci.name, part, sorted); err != nil {
		c.warn(err)
	}
}

// cacheable reports whether an input that was read may be cached: no
// problems, old enough, and unchanged while it was read.
func (c *Cache) cacheable(in archive.Input, ci *cacheInput, problems int) bool {
	if ci.fi == nil || problems > 0 || !ci.fi.ModTime().Before(ci.start.Add(-RacyWindow)) {
		return false
	}
	now, err := os.Stat(in.Path)
	return err == nil && now.Size() == ci.fi.Size() && now.ModTime().Equal(ci.fi.ModTime())
}

// write writes an entry atomically: a temporary file renamed into place.
func (c *Cache) write(name string, part plan.Part, cands []plan.Candidate) error {
	err := WriteEntry(c.Dir, name, func(w io.Writer) error { return plan.WritePart(w, part, cands, nil) })
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// WriteEntry writes the cache entry name in dir atomically: to a
// temporary file .NAME.*.tmp in dir, renamed into place, so that a reader
// sees a whole entry or none (PruneEntries removes the temporary files a
// crash leaves). The coverage check keeps its entries with it too.
func WriteEntry(dir, name string, write func(w io.Writer) error) error {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("write entry: %w", err)
	}
	defer os.Remove(f.Name())
	werr := write(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if werr != nil {
		return fmt.Errorf("write entry %s: %w", name, werr)
	}
	return nil
}

// prune removes the entries this analysis did not use and leftover
// temporary files.
func (c *Cache) prune(ctx context.Context) {
	// Only NAME.csv files are entries; others are left alone.
	PruneEntries(ctx, c.Dir, "input-", func(name string) bool { return !strings.HasSuffix(name, ".csv") || c.used[name] }, c.warn)
}

// PruneEntries removes from dir the regular files whose names start with
// prefix and that used does not claim, and the temporary files
// WriteEntry left of such names (.PREFIX*.tmp). Other files are left
// alone. Errors go to warn.
func PruneEntries(ctx context.Context, dir, prefix string, used func(name string) bool, warn func(error)) {
	des, err := os.ReadDir(dir)
	if err != nil {
		warn(fmt.Errorf("cache: %w", err))
		return
	}
	for _, de := range des {
		if ctx.Err() != nil {
			return
		}
		n := de.Name()
		entry := strings.HasPrefix(n, prefix) && !strings.HasSuffix(n, ".tmp")
		temp := strings.HasPrefix(n, "."+prefix) && strings.HasSuffix(n, ".tmp")
		if !de.Type().IsRegular() || !(entry && !used(n) || temp) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			warn(fmt.Errorf("cache: remove %s: %w", n, err))
		}
	}
}
