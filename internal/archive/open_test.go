package archive

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenEveryEntry walks a tree with every format and nesting of
// TestWalk, then opens every entry by its locator, from another working
// directory with base set, and compares the bytes.
func TestOpenEveryEntry(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	var files []file
	for _, tt := range walkTests() {
		for _, f := range tt.Files(t) {
			f.Path = tt.Name + "/" + f.Path
			files = append(files, f)
		}
	}
	files = append(files, file{Path: "sep/a.zip", Data: zipOf(t, zf{Name: "URGENT!/LINE01.csv", Data: csv1}, zf{Name: "URGENT", Data: "not an archive"})})
	writeTree(t, ".", files)
	ins, err := Expand(t.Context(), []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	w := &Walker{TempDir: t.TempDir(), Problem: r.problem}
	if err := w.Walk(t.Context(), ins, r.fn); err != nil {
		t.Fatal(err)
	}
	entries := r.sortedEntries()
	formats := map[string]bool{}
	for _, e := range entries {
		for _, part := range splitLocator(e.Source)[:len(splitLocator(e.Source))-1] {
			formats[strings.ToLower(filepath.Ext(part))] = true
		}
	}
	for _, ext := range []string{".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".tzst", ".7z", ".rar"} {
		if !formats[ext] {
			t.Errorf("no entry inside a %s archive", ext)
		}
	}
	if len(entries) < 30 {
		t.Fatalf("only %d entries", len(entries))
	}

	t.Chdir(t.TempDir()) // Open must use base, not the working directory
	for _, e := range entries {
		var b strings.Builder
		err := w.Open(t.Context(), root, e.Source, func(r io.Reader) error {
			_, err := io.Copy(&b, r)
			return err
		})
		if err != nil {
			t.Errorf("Open(%q): %v", e.Source, err)
			continue
		}
		if b.String() != e.Data {
			t.Errorf("Open(%q) = %q, want %q", e.Source, b.String(), e.Data)
		}
	}

	// An absolute outermost path ignores base.
	abs := filepath.ToSlash(filepath.Join(root, "Zip/site/2023/2023-01-02_export.zip")) + "!/data/LINE01.csv"
	if err := w.Open(t.Context(), "/nonexistent", abs, func(io.Reader) error { return nil }); err != nil {
		t.Errorf("Open(%q): %v", abs, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	inner := compress(t, ".gz", tarOf(t, tf{Name: "x/LINE02.csv", Data: csv1}))
	writeTree(t, ".", []file{
		{Path: "site/a.zip", Data: zipOf(t,
			zf{Name: "inner.tar.gz", Data: string(inner)},
			zf{Name: "../evil.csv", Data: "evil"},
			zf{Name: "secret.csv", Data: "x", Flags: 0x1},
			zf{Name: "plain.csv", Data: csv1},
		)},
		{Path: "site/bad.zip", Data: []byte("not a zip")},
		{Path: "site/a.csv", Data: []byte(csv1)},
		{Path: "site/x.csv.gz", Data: compress(t, ".gz", []byte(csv1))},
	})
	errFn := errors.New("fn failed")

	tests := []struct {
		Name     string
		Source   string
		Fn       func(io.Reader) error
		Want     string // bytes read, when no error
		WantErr  error  // checked with errors.Is
		WantText string // part of the error message
	}{
		{Name: "LooseFile", Source: "site/a.csv", Want: csv1},
		{Name: "LooseCompressedFile", Source: "site/x.csv.gz", Want: csv1},
		{Name: "Member", Source: "site/a.zip!/plain.csv", Want: csv1},
		{Name: "NestedMember", Source: "site/a.zip!/inner.tar.gz!/x/LINE02.csv", Want: csv1},
		{Name: "MissingArchive", Source: "site/nope.zip!/x.csv", WantErr: fs.ErrNotExist, WantText: "open site/nope.zip!/x.csv: "},
		{Name: "MissingFile", Source: "site/nope.csv", WantErr: fs.ErrNotExist, WantText: "open site/nope.csv: "},
		{Name: "MissingMember", Source: "site/a.zip!/nope.csv", WantErr: ErrNotFound, WantText: "open site/a.zip!/nope.csv: archive: member not found"},
		{Name: "MissingNestedMember", Source: "site/a.zip!/inner.tar.gz!/x/nope.csv", WantErr: ErrNotFound, WantText: "open site/a.zip!/inner.tar.gz!/x/nope.csv: "},
		{Name: "MissingNestedArchive", Source: "site/a.zip!/nope.tar.gz!/x/LINE02.csv", WantErr: ErrNotFound},
		{Name: "EscapingMember", Source: "site/a.zip!/../evil.csv", WantText: "member path escapes its archive"},
		{Name: "EncryptedMember", Source: "site/a.zip!/secret.csv", WantText: "encrypted member"},
		{Name: "CorruptArchive", Source: "site/bad.zip!/x.csv", WantText: "open site/bad.zip!/x.csv: zip: not a valid zip file"},
		{Name: "NotAnArchive", Source: "site/a.csv!/x.csv", WantText: "not an archive"},
		{Name: "FnError", Source: "site/a.zip!/plain.csv", Fn: func(io.Reader) error { return errFn }, WantErr: errFn, WantText: "fn failed"},
	}
	w := &Walker{}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			var b strings.Builder
			fn := tt.Fn
			if fn == nil {
				fn = func(r io.Reader) error {
					_, err := io.Copy(&b, r)
					return err
				}
			}
			err := w.Open(t.Context(), "", tt.Source, fn)
			if tt.WantErr == nil && tt.WantText == "" {
				if err != nil {
					t.Fatalf("Open(%q): %v", tt.Source, err)
				}
				if b.String() != tt.Want {
					t.Errorf("Open(%q) = %q, want %q", tt.Source, b.String(), tt.Want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Open(%q): no error, want %v %q", tt.Source, tt.WantErr, tt.WantText)
			}
			if tt.WantErr != nil && !errors.Is(err, tt.WantErr) {
				t.Errorf("Open(%q) error = %v, want %v", tt.Source, err, tt.WantErr)
			}
			if !strings.Contains(err.Error(), tt.WantText) {
				t.Errorf("Open(%q) error = %q, want it to contain %q", tt.Source, err, tt.WantText)
			}
		})
	}
}

func TestOpenCanceled(t *testing.T) {
	t.Chdir(t.TempDir())
	writeTree(t, ".", []file{{Path: "a.zip", Data: zipOf(t, zf{Name: "x.csv", Data: csv1})}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := (&Walker{}).Open(ctx, "", "a.zip!/x.csv", func(io.Reader) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open error = %v, want context.Canceled", err)
	}
}
