package record

import (
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/rowcount"
)

func TestQuoted(t *testing.T) {
	r, err := NewReader(strings.NewReader("a,b,c\n\"\",,\"x\"\n1,\"\"\"\",\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]bool
	for r.Next() {
		got = append(got, append([]bool(nil), r.Quoted()...))
		if len(r.Quoted()) != len(r.Record()) {
			t.Errorf("len(Quoted()) = %d, len(Record()) = %d", len(r.Quoted()), len(r.Record()))
		}
	}
	want := [][]bool{{true, false, true}, {false, true, false}}
	if r.Err() != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Quoted() = %v (%v), want %v", got, r.Err(), want)
	}
}

// xs is a reader of n bytes of 'x' that never holds them.
type xs struct{ n, read int64 }

func (x *xs) Read(p []byte) (int, error) {
	if x.read >= x.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), x.n-x.read)
	for i := range p[:k] {
		p[i] = 'x'
	}
	x.read += k
	return int(k), nil
}

// TestRecordLimitMemory feeds a record of three times the limit through
// a Reader: it must fail on that record without reading it all, and
// without allocating much more than the limit.
func TestRecordLimitMemory(t *testing.T) {
	const limit = 4 << 20
	big := &xs{n: 3 * limit}
	src := io.MultiReader(strings.NewReader("a\n1\n"), big, strings.NewReader("\n2\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := NewReader(src, Options{Delimiter: ',', MaxRecordBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r.Next() {
		n++
	}
	runtime.ReadMemStats(&after)
	err = r.Err()
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, rowcount.ErrRecordTooLong) || pe.Record != 2 || n != 1 {
		t.Fatalf("after %d records, Err() = %v, want record 2 too long", n, err)
	}
	if big.read > limit+2*bufSize {
		t.Errorf("read %d bytes of the long record, want at most the limit %d and a buffer", big.read, limit)
	}
	// Growing to the limit by doubling allocates about twice the limit.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*limit+4*bufSize {
		t.Errorf("allocated %d bytes in all, want at most 3x the limit and a few buffers (%d)", alloc, 3*limit+4*bufSize)
	}
}
