package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// DefaultMaxSpool is the spool bound when Walker.MaxSpool is 0.
const DefaultMaxSpool int64 = 4 << 30

// ErrSpoolLimit is the reason of the problem reported for a nested zip or
// 7z archive larger than Walker.MaxSpool.
var ErrSpoolLimit = errors.New("archive: nested archive larger than the spool limit")

// spoolFile is a temporary copy of a nested archive. release closes and
// removes it.
type spoolFile struct {
	*os.File
	size int64   // bytes in the file
	cost float64 // physical cost of producing them (see costFunc)
}

func (f spoolFile) release() error {
	return errors.Join(f.Close(), os.Remove(f.Name()))
}

// spool copies the decompressed bytes of it into a new file in
// w.TempDir, so that a zip or 7z member can be read with random access.
// It fails with ErrSpoolLimit, and leaves no file behind, when the bytes
// are more than w.MaxSpool, and with the limit's error when they cross
// the size or ratio limit (it.open is a metered member, and so is its
// decompression).
func (w *Walker) spool(ctx context.Context, it item, c class) (f spoolFile, err error) {
	limit := w.MaxSpool
	if limit <= 0 {
		limit = DefaultMaxSpool
	}
	if c.comp == nil && it.size > limit {
		return spoolFile{}, fmt.Errorf("%w (%d bytes > %d)", ErrSpoolLimit, it.size, limit)
	}
	cost0 := it.cost()
	rc, err := it.open()
	if err != nil {
		return spoolFile{}, err
	}
	r, err := decompress(c, rc, w.limits(), "member", it.cost)
	if err != nil {
		return spoolFile{}, err
	}
	defer r.Close()

	tmp, err := os.CreateTemp(w.TempDir, "siftload-spool-*")
	if err != nil {
		return spoolFile{}, fmt.Errorf("spool: %w", err)
	}
	f = spoolFile{File: tmp}
	defer func() {
		if err != nil {
			err = errors.Join(err, f.release())
		}
	}()
	n, err := io.Copy(f, io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return f, fmt.Errorf("spool: %w", err)
	}
	if n > limit {
		return f, fmt.Errorf("%w (more than %d bytes)", ErrSpoolLimit, limit)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return f, fmt.Errorf("spool: %w", err)
	}
	f.size, f.cost = n, it.cost()-cost0
	return f, nil
}
