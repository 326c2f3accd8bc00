package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/coverage"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/ui"
)

// The incremental analysis cache (issue 17) as the commands use it: the
// cache setting names its directory, run --config gives a named site
// NAME.cache, --no-cache turns it off and --rebuild-cache rewrites it.
// Only a local analysis uses it: a shard or a queue analysis does not
// (their inputs are another machine's, or a part of the site's).

// defaultCache gives a site of run --config that names no cache the
// directory NAME.cache, with the origin of its name.
func defaultCache(eff *config.Layer) {
	if eff.Name == "" || eff.Has("cache") && eff.Origins["cache"].Kind != config.FromDefault {
		return
	}
	eff.Cache = eff.Name + ".cache"
	eff.Origins["cache"] = eff.Origins[config.KeyName]
}

// cacheDir returns the cache directory the job uses, "" for none.
func (j *analyzeJob) cacheDir() string {
	if j.mode != localMode || j.s.NoCache {
		return ""
	}
	return j.s.Cache
}

// newCache returns the cache of one analysis of the job, nil for none.
// Its warnings go to p.
func (j *analyzeJob) newCache(p *ui.Printer) *analysis.Cache {
	dir := j.cacheDir()
	if dir == "" {
		return nil
	}
	return &analysis.Cache{
		Dir:      dir,
		Settings: j.settings,
		Version:  cacheVersion(),
		Rebuild:  j.s.RebuildCache,
		Warn:     func(err error) { p.Errorf("warning: %v", err) },
	}
}

// coverageCache returns the coverage check's cache of one analysis of
// the job, in the analysis cache's directory; nil for none.
func (j *analyzeJob) coverageCache(p *ui.Printer) *coverage.Cache {
	dir := j.cacheDir()
	if dir == "" || j.coverage == nil {
		return nil
	}
	return &coverage.Cache{
		Dir:     dir,
		Version: cacheVersion(),
		Rebuild: j.s.RebuildCache,
		Warn:    func(err error) { p.Errorf("warning: %v", err) },
	}
}

// printCacheSummary says how much of an analysis came from the cache.
func printCacheSummary(p *ui.Printer, dir string, s analysis.Stats) {
	p.Printf("cache %s: %d of %d inputs from the cache, %d read", dir, s.Cached, s.Inputs, s.Inputs-s.Cached)
}

// dropUnder returns ins without the files under dir: the cache's own
// files are never analyzed.
func dropUnder(ins []archive.Input, dir string) []archive.Input {
	if dir == "" {
		return ins
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ins
	}
	if d, err := filepath.EvalSymlinks(abs); err == nil {
		abs = d
	}
	kept := ins[:0]
	for _, in := range ins {
		p, err := filepath.Abs(in.Path)
		if err == nil {
			if d, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
				p = filepath.Join(d, filepath.Base(p))
			}
			if rel, err := filepath.Rel(abs, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				continue
			}
		}
		kept = append(kept, in)
	}
	return kept
}

// cacheVersion is the version that keys cache entries: the release, or
// for a development build ("(devel)", or a build of a modified checkout,
// "+dirty") that and the executable's path, size and modification time,
// so that a rebuilt siftload never trusts the entries of another build
// (go run links anew each time: its entries last one process).
var cacheVersion = sync.OnceValue(func() string {
	v := Version()
	if v != "(devel)" && !strings.HasSuffix(v, "+dirty") {
		return v
	}
	exe, err := os.Executable()
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(exe); err == nil {
			return fmt.Sprintf("%s %q %d %d", v, exe, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return fmt.Sprintf("%s pid %d", v, os.Getpid()) // entries of this process only
})

// newCollector returns how an analysis of the job gathers its
// candidates (issue 17: memory grows with the keys, not the versions): a
// local or queue analysis gives them to a Chooser as each input is done
// and, for a candidates file or the coverage check, to a Spill, which
// sorts them on disk in the temp directory (the check then reads them
// back a batch of keys at a time). Both are nil when the job needs every
// candidate in memory at the end: a shard's file.
func (j *analyzeJob) newCollector(opts analysis.Options) (*plan.Chooser, *plan.Spill) {
	if j.mode == shardMode {
		return nil, nil
	}
	ch := plan.NewChooser(opts.Metric.Compare)
	if j.s.Candidates == "" && j.coverage == nil {
		return ch, nil
	}
	return ch, &plan.Spill{Dir: j.s.TempDir}
}

// writeCandidatesOf writes the candidates file of the candidates that
// each gives.
func writeCandidatesOf(w io.Writer, metric string, each eachCandidate) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw, err := plan.NewCandidatesWriter(bw, metric)
	if err != nil {
		return err
	}
	if err := each(cw.Write); err != nil {
		return err
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
