package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlite"
)

// testCSV returns a CSV file of n rows; every bad-th row (0: none) has a
// qty that is not an integer.
func testCSV(n, bad int) []byte {
	var b bytes.Buffer
	b.WriteString("id,qty,note\n")
	for i := 1; i <= n; i++ {
		qty := fmt.Sprint(i * 7)
		if bad > 0 && i%bad == 0 {
			qty = "x"
		}
		fmt.Fprintf(&b, "%d,%s,\"row %d, noted\"\n", i, qty, i)
	}
	return b.Bytes()
}

func testJob(data []byte) *job {
	sum := sha256.Sum256(data)
	return &job{Entry: plan.Entry{Candidate: plan.Candidate{Key: "t.csv", Source: "t.csv", SHA256: hex.EncodeToString(sum[:])}}, table: "t"}
}

var testCols = []schema.Column{{Name: "id", Type: schema.Integer}, {Name: "qty", Type: schema.Integer}, {Name: "note", Type: schema.Text}}

// drain reads src to its end and returns the values of every record.
func drain(t testing.TB, src sink.RecordSource) [][]any {
	t.Helper()
	var out [][]any
	for src.Next() {
		v, err := src.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]any(nil), v...))
	}
	return out
}

// TestPrefetch checks that a prefetch gives the records, the error and
// the rejects of the source it reads ahead of.
func TestPrefetch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		Name       string
		Rows, Bad  int
		MaxBad     int64
		Corrupt    bool // the plan's sha256 differs
		WantErr    error
		WantReject int64
	}{
		{Name: "Empty", Rows: 0},
		{Name: "OneRow", Rows: 1},
		{Name: "OneBatch", Rows: batchValues / 3},
		{Name: "Batches", Rows: 10*batchValues/3 + 17},
		{Name: "Rejects", Rows: 5000, Bad: 100, MaxBad: 100, WantReject: 50},
		{Name: "TooManyBad", Rows: 5000, Bad: 100, MaxBad: 10, WantErr: &schema.ConvertError{}, WantReject: 10},
		{Name: "Changed", Rows: 5000, Corrupt: true, WantErr: ErrChanged},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			data := testCSV(tt.Rows, tt.Bad)
			j := testJob(data)
			if tt.Corrupt {
				j.SHA256 = strings.Repeat("0", 64)
			}
			im := NewImporter(nil, Config{Parsing: Parsing{MaxBadRows: tt.MaxBad}})
			direct, err := im.newSource(newVerifier(bytes.NewReader(data), j.SHA256), j, testCols, false)
			if err != nil {
				t.Fatal(err)
			}
			want := drain(t, direct)
			src, err := im.newSource(newVerifier(bytes.NewReader(data), j.SHA256), j, testCols, false)
			if err != nil {
				t.Fatal(err)
			}
			pf := newPrefetch(src, nil)
			got := drain(t, pf)
			pf.stop()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %d records, want the source's %d", len(got), len(want))
			}
			if (pf.Err() == nil) != (direct.Err() == nil) || pf.Err() != nil && pf.Err().Error() != direct.Err().Error() {
				t.Errorf("Err() = %v, want the source's %v", pf.Err(), direct.Err())
			}
			switch we := tt.WantErr.(type) {
			case nil:
				if pf.Err() != nil {
					t.Errorf("Err() = %v, want nil", pf.Err())
				}
			case *schema.ConvertError:
				if !errors.As(pf.Err(), &we) {
					t.Errorf("Err() = %v, want a %T", pf.Err(), we)
				}
			default:
				if !errors.Is(pf.Err(), we) {
					t.Errorf("Err() = %v, want %v", pf.Err(), we)
				}
			}
			if pf.Rejected() != tt.WantReject || int64(len(src.rejects)) != tt.WantReject {
				t.Errorf("Rejected() = %d, rejects %d, want %d", pf.Rejected(), len(src.rejects), tt.WantReject)
			}
		})
	}
}

// TestPrefetchStop checks that a sink may stop reading at any record: stop
// returns, the source's reader is not read after it, and the goroutine
// had read only a few batches ahead, not to the end of the file.
func TestPrefetchStop(t *testing.T) {
	t.Parallel()
	data := testCSV(50_000, 0)
	j := testJob(data)
	for _, after := range []int{0, 1, 1000, 5000} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			r := &countingReader{r: bytes.NewReader(data)}
			src, err := NewImporter(nil, Config{}).newSource(newVerifier(r, j.SHA256), j, testCols, false)
			if err != nil {
				t.Fatal(err)
			}
			pf := newPrefetch(src, nil)
			for i := 0; i < after && pf.Next(); i++ {
			}
			pf.stop()
			pf.stop() // twice is fine
			select {
			case <-pf.done:
			default:
				t.Fatal("the goroutine runs on after stop")
			}
			if n := r.n.Load(); n >= int64(len(data)) {
				t.Errorf("read %d bytes of %d before stop returned, want a few batches", n, len(data))
			}
		})
	}
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestLookahead loads three keys into SQLite twice: the first import
// infers every new table's columns once (ahead of its load or in it), and
// the second, which skips every key, opens no file.
func TestLookahead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	files := map[string][]byte{"a.csv": testCSV(3000, 0), "b.csv": testCSV(10, 0), "c.csv": testCSV(7000, 0)}
	var entries []plan.Entry
	for _, k := range []string{"a.csv", "b.csv", "c.csv"} {
		sum := sha256.Sum256(files[k])
		entries = append(entries, plan.Entry{Candidate: plan.Candidate{Key: k, Source: k, SHA256: hex.EncodeToString(sum[:]),
			Rows: int64(bytes.Count(files[k], []byte("\n")) - 1), Bytes: int64(len(files[k]))}})
	}
	var opens atomic.Int64
	cfg := Config{Concurrency: Concurrency{Workers: 1}, Files: Files{Open: func(_ context.Context, _, source string, fn func(io.Reader) error) error {
		opens.Add(1)
		return fn(bytes.NewReader(files[source]))
	}}}
	s, err := sqlite.Factory{}.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tt := range []struct {
		Name              string
		WantLoaded, Opens int64
	}{
		{Name: "First", WantLoaded: 3, Opens: 6}, // inference + load of each key
		{Name: "Rerun", WantLoaded: 0, Opens: 0},
	} {
		opens.Store(0)
		sum, err := NewImporter(s, cfg).Run(ctx, entries)
		if err != nil {
			t.Fatalf("%s: %v", tt.Name, err)
		}
		if int64(sum.Loaded) != tt.WantLoaded || opens.Load() != tt.Opens {
			t.Errorf("%s: loaded %d keys with %d opens, want %d with %d", tt.Name, sum.Loaded, opens.Load(), tt.WantLoaded, tt.Opens)
		}
		cols, ok, err := s.Columns(ctx, "c")
		if err != nil || !ok || len(cols) != 3 || cols[0].Type != schema.Integer || cols[2].Type != schema.Text {
			t.Errorf("%s: columns of c = %v, %v, %v", tt.Name, cols, ok, err)
		}
	}
}
