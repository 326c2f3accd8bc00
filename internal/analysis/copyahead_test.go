package analysis

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// failWriter fails once it has taken n bytes.
type failWriter struct{ n int }

var errWrite = errors.New("write failed")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestCopyAhead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef,\"x\"\n"), 100_000) // 2.1 MB: several chunks
	errRead := errors.New("read failed")
	tests := []struct {
		Name    string
		Input   io.Reader
		Dst     io.Writer
		Want    int64 // bytes written
		WantErr error
	}{
		{Name: "Empty", Input: bytes.NewReader(nil), Want: 0},
		{Name: "Short", Input: bytes.NewReader(data[:10]), Want: 10},
		{Name: "OneChunk", Input: bytes.NewReader(data[:aheadChunk]), Want: aheadChunk},
		{Name: "Chunks", Input: bytes.NewReader(data), Want: int64(len(data))},
		{Name: "SmallReads", Input: iotest.OneByteReader(bytes.NewReader(data[:100_000])), Want: 100_000},
		{Name: "ReadError", Input: io.MultiReader(bytes.NewReader(data[:aheadChunk+5]), iotest.ErrReader(errRead)), Want: aheadChunk + 5, WantErr: errRead},
		{Name: "WriteError", Input: bytes.NewReader(data), Dst: &failWriter{n: aheadChunk + 7}, Want: aheadChunk + 7, WantErr: errWrite},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			var buf bytes.Buffer
			dst := tt.Dst
			if dst == nil {
				dst = &buf
			}
			n, err := copyAhead(dst, tt.Input)
			if n != tt.Want || !errors.Is(err, tt.WantErr) {
				t.Fatalf("copyAhead = %d, %v, want %d, %v", n, err, tt.Want, tt.WantErr)
			}
			if tt.Dst == nil && !bytes.Equal(buf.Bytes(), data[:n]) {
				t.Error("bytes differ from the input")
			}
		})
	}
}
