package sitegen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"
)

// ErrNotEmpty is returned by Generate when Params.Dir already holds files:
// they would become inputs that the Truth does not know about.
var ErrNotEmpty = errors.New("sitegen: output directory not empty")

// Params describe a site. The same Params give byte-identical output.
type Params struct {
	Dir       string // output directory: created, or empty
	Snapshots int    // number of snapshot archives (>= 1)
	Keys      int    // logical files per full snapshot (>= 1)
	Rows      int    // rows of each key in the last snapshot (>= 0)
	Columns   int    // data columns (>= 5)
	Seed      uint64
	TarEvery  int   // every TarEvery-th dated snapshot is a .tar.gz, not a .zip (0 = never)
	Tricky    bool  // add the tricky cases of the package doc (keys >= 11, snapshots >= 3)
	OneBig    int64 // if > 0, data/LINE01.csv in the last snapshot gets rows until it has at least this many bytes
}

// Truth is the expected winner of one key: the source with the most rows,
// on a tie the source larger in byte order.
type Truth struct {
	Key    string // "data/LINE01.csv"
	Source string // "DIR/2023/2023-01-02_export.zip!/data/LINE01.csv"
	Rows   int64  // CSV records after the header
}

// Generate writes the site described by p into p.Dir and returns the
// winner of every key, sorted by key, computed from the rows it wrote.
// p.Dir must be missing or empty (ErrNotEmpty). Archives are written in
// parallel; on an error, p.Dir may hold a partial site.
func Generate(ctx context.Context, p Params) ([]Truth, error) {
	r, err := generate(ctx, p)
	return r.truth, err
}

// result is what generate found out while writing.
type result struct {
	truth    []Truth
	csvBytes int64 // uncompressed bytes of all data files
}

// written is one data file as written.
type written struct {
	key, source string
	rows, size  int64
}

func generate(ctx context.Context, p Params) (result, error) {
	s, err := newSite(p)
	if err != nil {
		return result{}, err
	}
	if err := prepareDir(p.Dir); err != nil {
		return result{}, err
	}
	for _, sp := range s.snaps {
		d := filepath.Join(p.Dir, filepath.FromSlash(path.Dir(sp.rel)))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return result{}, fmt.Errorf("create %s: %w", d, err)
		}
	}
	// Each archive's files are folded into the winners as it is done,
	// not kept: a site of 100,000 snapshots has millions of files. The
	// fold is a pure function of the set (most rows, then the larger
	// source), so the order archives finish in does not matter.
	var (
		mu   sync.Mutex
		r    result
		best = map[string]written{}
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	// Writers and their buffers go from archive to archive: a site of
	// many tiny snapshots spent its time allocating them.
	writers := sync.Pool{New: func() any { return newCSVWriter(s) }}
	for i := range s.snaps {
		g.Go(func() error {
			cw := writers.Get().(*csvWriter)
			defer writers.Put(cw)
			out, err := s.writeSnapshot(gctx, cw, &s.snaps[i])
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, w := range out {
				r.csvBytes += w.size
				b, ok := best[w.key]
				if !ok || w.rows > b.rows || w.rows == b.rows && w.source > b.source {
					best[w.key] = w
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return result{}, err
	}
	for _, w := range best {
		r.truth = append(r.truth, Truth{Key: w.key, Source: w.source, Rows: w.rows})
	}
	slices.SortFunc(r.truth, func(a, b Truth) int { return cmp.Compare(a.Key, b.Key) })
	return r, nil
}

// prepareDir creates dir, or checks that it is empty.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("generate %s: %w", dir, ErrNotEmpty)
	}
	return nil
}

// Count returns the number and total size of the regular files under dir.
func Count(dir string) (files int, bytes int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files++
		bytes += fi.Size()
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("count %s: %w", dir, err)
	}
	return files, bytes, nil
}
