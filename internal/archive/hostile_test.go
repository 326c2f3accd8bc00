package archive

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// snapshot describes every file under root (by relative slash path:
// type, size, mode and modification time), leaving out the subtree skip.
func snapshot(tb testing.TB, root, skip string) map[string]string {
	tb.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return fs.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		snap[filepath.ToSlash(rel)] = fmt.Sprintf("%v %d %v", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return snap
}

// TestWalkWritesNothingOutsideTempDir walks archives whose member names
// climb out ("../", "..\\", "a/../../"), are absolute (pointing into the
// test's directory), carry drive letters, NUL bytes or 64 KiB, are links
// to outside files, or are nested archives (spooled) holding such names;
// then opens every delivered entry again. The test's directory must not
// change, but for spool files in TempDir, which must be gone at the end.
func TestWalkWritesNothingOutsideTempDir(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "site")
	spool := filepath.Join(root, "spool")
	if err := os.MkdirAll(spool, 0o755); err != nil {
		t.Fatal(err)
	}
	abs := filepath.ToSlash(filepath.Join(root, "abs-evil.csv"))
	hostile := func(prefix string) []zf {
		return []zf{
			{Name: "../" + prefix + "evil.csv", Data: "evil"},
			{Name: "../../" + prefix + "evil.csv", Data: "evil"},
			{Name: `..\` + prefix + `evil.csv`, Data: "evil"},
			{Name: "a/../../" + prefix + "evil.csv", Data: "evil"},
			{Name: abs, Data: "evil"},
			{Name: `C:\` + prefix + `evil.csv`, Data: "evil"},
			{Name: "C:../" + prefix + "evil.csv", Data: "evil"},
			{Name: "nul\x00/../../" + prefix + "evil.csv", Data: "evil"},
			{Name: strings.Repeat("../", 20000) + prefix + "evil.csv", Data: "evil"},
			{Name: longName, Data: csv1},
			{Name: prefix + "ok.csv", Data: csv1},
		}
	}
	inner := zipOf(t, hostile("inner-")...)
	outer := append(hostile("outer-"),
		zf{Name: "../in.zip", Data: string(inner)},
		zf{Name: "in.zip", Data: string(inner)},
		zf{Name: "in.tar.gz", Data: string(compress(t, ".gz", tarOf(t,
			tf{Name: "../tar-evil.csv", Data: "evil"},
			tf{Name: abs, Data: "evil"},
			tf{Name: "link.csv", Type: tar.TypeSymlink, Link: "../../outside.csv"},
			tf{Name: "hard.csv", Type: tar.TypeLink, Link: abs},
			tf{Name: "../dir/", Type: tar.TypeDir},
			tf{Name: "s.7z", Data: string(fixture(t, "sample.7z"))},
			tf{Name: "tar-ok.csv", Data: csv1},
		)))},
	)
	writeTree(t, root, []file{
		{Path: "site/hostile.zip", Data: zipOf(t, outer...)},
		{Path: "site/hostile.tar", Data: tarOf(t, tf{Name: "../x.zip", Data: string(inner)}, tf{Name: "x.zip", Data: string(inner)})},
	})
	t.Chdir(site) // "../evil.csv" would land in root
	before := snapshot(t, root, spool)

	checkSpool := func() {
		t.Helper()
		left, err := os.ReadDir(spool)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range left {
			if !strings.HasPrefix(e.Name(), "siftload-spool-") || !e.Type().IsRegular() {
				t.Errorf("unexpected file in TempDir: %q", e.Name())
			}
		}
	}
	checkTree := func(when string) {
		t.Helper()
		if after := snapshot(t, root, spool); !maps.Equal(before, after) {
			t.Errorf("%s, the tree outside TempDir changed:\nbefore %v\nafter  %v", when, slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
		}
	}

	ins, err := Expand(t.Context(), []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	w := &Walker{TempDir: spool, Problem: r.problem}
	var sources []string
	err = w.Walk(t.Context(), ins, func(ctx context.Context, e Entry) error {
		checkTree("during the walk")
		checkSpool()
		if strings.Contains(e.Source, "evil") {
			t.Errorf("entry %q delivered", e.Source)
		}
		sources = append(sources, e.Source)
		return r.fn(ctx, e)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sources) == 0 || len(r.problems) == 0 {
		t.Fatalf("walk saw %d entries, %d problems: want both", len(sources), len(r.problems))
	}
	for _, pe := range r.problems {
		if strings.Contains(pe.Source, "evil") && !strings.Contains(pe.Err.Error(), "escapes its archive") {
			t.Errorf("problem %v: want an escaping member", pe)
		}
	}
	t.Logf("%d entries, %d problems", len(sources), len(r.problems))
	checkTree("after the walk")
	if left, _ := os.ReadDir(spool); len(left) > 0 {
		t.Errorf("spool files left: %v", left)
	}

	for _, src := range sources {
		err := w.Open(t.Context(), "", src, func(r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			t.Errorf("Open(%q): %v", src, err)
		}
	}
	checkTree("after Open")
	if left, _ := os.ReadDir(spool); len(left) > 0 {
		t.Errorf("spool files left after Open: %v", left)
	}
}
