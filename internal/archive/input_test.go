package archive

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

func TestExpand(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{
		{Path: "site/b.zip", Data: []byte("bb")},
		{Path: "site/a-b/x.csv", Data: []byte("x")},
		{Path: "site/a/z.csv", Data: []byte("zzz")},
		{Path: "site/a/y/deep.tar.gz", Data: []byte("d")},
		{Path: "other/c.csv", Data: []byte("c")},
	})
	site := []Input{
		{Path: "site/a-b/x.csv", Source: "site/a-b/x.csv", Key: "a-b/x.csv", Size: 1},
		{Path: "site/a/y/deep.tar.gz", Source: "site/a/y/deep.tar.gz", Key: "a/y/deep.tar.gz", Size: 1},
		{Path: "site/a/z.csv", Source: "site/a/z.csv", Key: "a/z.csv", Size: 3},
		{Path: "site/b.zip", Source: "site/b.zip", Key: "b.zip", Size: 2},
	}
	other := Input{Path: "other/c.csv", Source: "other/c.csv", Key: "c.csv", Size: 1}

	tests := []struct {
		Name    string
		Inputs  []string
		Want    []Input
		WantErr string
	}{{
		Name:   "Dir",
		Inputs: []string{"site"},
		Want:   site,
	}, {
		Name:   "DirWithSlashAndDot",
		Inputs: []string{"./site/"},
		Want:   site,
	}, {
		Name:   "FileGivenDirectly",
		Inputs: []string{"./other/c.csv"},
		Want:   []Input{other},
	}, {
		Name:   "OrderOfArgumentsDoesNotMatter",
		Inputs: []string{"site", "other/c.csv"},
		Want:   append([]Input{other}, site...),
	}, {
		Name:   "OrderOfArgumentsDoesNotMatter2",
		Inputs: []string{"other/c.csv", "site"},
		Want:   append([]Input{other}, site...),
	}, {
		Name:   "DuplicatesKeepTheDirectoryKey",
		Inputs: []string{"site/a/z.csv", "site", "site/a/z.csv"},
		Want:   site,
	}, {
		Name:    "Missing",
		Inputs:  []string{"site", "nope"},
		WantErr: "expand nope: ",
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := Expand(t.Context(), tt.Inputs)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) || !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("Expand(%q) error = %v, want %q wrapping fs.ErrNotExist", tt.Inputs, err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Expand(%q): %v", tt.Inputs, err)
			}
			for i := range got {
				got[i].Path = strings.ReplaceAll(got[i].Path, `\`, "/") // Windows
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("Expand(%q):\ngot  %+v\nwant %+v", tt.Inputs, got, tt.Want)
			}
		})
	}
}

func TestExpandCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Expand(ctx, []string{"."}); !errors.Is(err, context.Canceled) {
		t.Errorf("Expand error = %v, want context.Canceled", err)
	}
}

// TestExpandSharesStrings checks that an input's Source and Key share
// Path's bytes where they are equal to it or to its end: the list of a
// site of many small snapshots is held through the whole analysis.
func TestExpandSharesStrings(t *testing.T) {
	if filepath.Separator != '/' {
		t.Skip("Source and Path differ in their separators")
	}
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "site/2023/a.zip", Data: []byte("a")}})
	ins, err := Expand(t.Context(), []string{"site"})
	if err != nil || len(ins) != 1 {
		t.Fatalf("Expand = %v, %v", ins, err)
	}
	in := ins[0]
	end := unsafe.StringData(in.Path[len(in.Path)-len(in.Key):])
	if unsafe.StringData(in.Source) != unsafe.StringData(in.Path) || unsafe.StringData(in.Key) != end {
		t.Errorf("%+v: Source and Key do not share Path's bytes", in)
	}
}
