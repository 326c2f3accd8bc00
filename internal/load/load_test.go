package load

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlite"
)

// TestOneTableColumns checks that one-table mode merges the columns of
// files that hold them in different orders by name, not by position.
func TestOneTableColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	files := map[string][]byte{
		"a.csv": []byte("id,note\n1,short\n"),
		"b.csv": []byte("note,id\na much longer note,2\n"),
	}
	var jobs []*job
	for _, k := range []string{"a.csv", "b.csv"} {
		jobs = append(jobs, &job{Entry: plan.Entry{Candidate: plan.Candidate{Key: k, Source: k, Rows: 1, Bytes: int64(len(files[k]))}}, table: "t"})
	}
	cfg := Config{Tables: Tables{One: "t"}, Files: Files{Open: func(_ context.Context, _, source string, fn func(io.Reader) error) error {
		return fn(bytes.NewReader(files[source]))
	}}}
	s, err := sqlite.Factory{}.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := NewImporter(s, cfg).oneTableColumns(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	want := []schema.Column{{Name: "id", Type: schema.Integer, MaxLen: 1}, {Name: "note", Type: schema.Text, MaxLen: len("a much longer note")}}
	for _, j := range jobs {
		if !reflect.DeepEqual(j.cols, want) {
			t.Errorf("key %s: columns\ngot  %+v\nwant %+v", j.Key, j.cols, want)
		}
	}
}
