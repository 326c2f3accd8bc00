package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/schema"
)

// verifier hashes a source's bytes as they are read, to compare them with
// the plan's sha256 at the end. Until they matched, the file is not known
// to be the one people reviewed: a hand-edited plan may name any file, and
// the first line of /proc/self/environ would make a fine "column name".
// So no error quotes a file's content unless its sha256 was verified:
// when a load fails early, the rest of the file is read and hashed, and
// the error is shown as it is only when the whole file matches the plan;
// otherwise it is replaced by one that names the record and the column
// but no value (withhold).
type verifier struct {
	tee  io.Reader
	h    hash.Hash
	want string
	done bool // the whole stream was hashed
	ok   bool // and it matched want
}

func newVerifier(r io.Reader, want string) *verifier {
	h := sha256.New()
	return &verifier{tee: io.TeeReader(r, h), h: h, want: want}
}

func (v *verifier) Read(p []byte) (int, error) { return v.tee.Read(p) }

// finish reads and hashes whatever is left of the stream, while ctx
// lasts, and reports whether the bytes are the plan's.
func (v *verifier) finish(ctx context.Context) (bool, error) {
	if v.done {
		return v.ok, nil
	}
	if _, err := io.Copy(io.Discard, ctxReader{ctx, v.tee}); err != nil {
		return false, err
	}
	v.done = true
	v.ok = hex.EncodeToString(v.h.Sum(nil)) == v.want
	return v.ok, nil
}

// ctxReader ends a read once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// contentFree reports whether err cannot quote the file: an interruption,
// a stall or a changed file, which say nothing of the bytes.
func contentFree(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrStalled) || errors.Is(err, ErrChanged)
}

// checked returns err as it is when it cannot quote the file or the file
// is verified (reading the rest of it to know), else withheld.
func (v *verifier) checked(ctx context.Context, source string, err error) error {
	if err == nil || contentFree(err) {
		return err
	}
	ok, ferr := v.finish(ctx)
	if ok {
		return err
	}
	return withhold(source, err, ferr)
}

// withhold returns an error in place of err, which may quote an
// unverified file: where the load stopped (record, column) and why the
// error is not shown. readErr is why the file could not be verified, nil
// when its sha256 differs from the plan.
func withhold(source string, err, readErr error) error {
	var rec int64
	if pe := problem.As(err); pe != nil {
		rec = pe.Record
	}
	where := ""
	var ce *schema.ConvertError
	if errors.As(err, &ce) {
		where = fmt.Sprintf(" (column %s)", ce.Column)
	}
	if readErr != nil {
		return problem.New(source, rec, fmt.Errorf("the load failed%s, and the file could not be verified against the plan's sha256 (%w): the error is not shown, as it may quote the file", where, readErr))
	}
	return problem.New(source, rec, fmt.Errorf("%w; the load failed%s, and the error is not shown, as it may quote a file that is not the plan's", ErrChanged, where))
}

// progressReader tells fn of every read's bytes.
type progressReader struct {
	r  io.Reader
	fn func(n int64)
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(int64(n))
	}
	return n, err
}
