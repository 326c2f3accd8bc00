package analysis

import (
	"io"
	"runtime"
)

// aheadMinSize is the smallest member read through copyAhead: below it
// the other cores have other members to work on. Tests change it.
var aheadMinSize int64 = 64 << 20

// aheadChunk is the size of copyAhead's buffers; aheadChunks are in
// flight: one being read, one being written, one ready.
const (
	aheadChunk  = 256 << 10
	aheadChunks = 3
)

// useAhead reports whether a member of size bytes (-1: unknown) is read
// through copyAhead: when it is big (or of unknown size) and there is a
// second core. One deflate stream cannot be inflated by two cores, but
// the inflate and the hash + count can run on one each: a single big
// member then no longer leaves a core idle.
func useAhead(size int64) bool {
	return (size < 0 || size >= aheadMinSize) && runtime.GOMAXPROCS(0) > 1
}

// chunk is a run of bytes read, or the error that ended the reads.
type chunk struct {
	buf []byte
	n   int
	err error
}

// copyAhead is io.Copy(dst, src) with src read on a goroutine of its own,
// a few chunks ahead of dst. It returns the bytes written and the first
// error of src (not io.EOF) or dst. It returns only once the goroutine
// is done, so src is not read after it returns.
func copyAhead(dst io.Writer, src io.Reader) (int64, error) {
	full := make(chan chunk, aheadChunks)
	free := make(chan []byte, aheadChunks)
	quit := make(chan struct{})
	done := make(chan struct{})
	for range aheadChunks {
		free <- make([]byte, aheadChunk)
	}
	go func() {
		defer close(done)
		defer close(full)
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-quit:
				return
			}
			n, err := io.ReadFull(src, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case full <- chunk{buf, n, err}:
			case <-quit:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	stop := func() {
		close(quit)
		<-done
	}

	var written int64
	for c := range full {
		if c.n > 0 {
			n, err := dst.Write(c.buf[:c.n])
			written += int64(n)
			if err == nil && n < c.n {
				err = io.ErrShortWrite
			}
			if err != nil {
				stop()
				return written, err
			}
		}
		if c.err == io.EOF {
			break
		}
		if c.err != nil {
			stop()
			return written, c.err
		}
		free <- c.buf // never blocks: there are aheadChunks slots
	}
	stop()
	return written, nil
}
