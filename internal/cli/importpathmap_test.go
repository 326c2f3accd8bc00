package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/sitegen"
)

// TestImportPathMap imports plans made "on another machine": the site
// was analyzed where it lay at one path (absolute, as Windows writes it,
// or relative) and is imported after it moved. --path-map FROM=TO finds
// the files; without it, or with --base /, the import fails.
func TestImportPathMap(t *testing.T) {
	dir, _ := site(t, sitegen.Params{Snapshots: 4, Keys: 3, Rows: 20, Columns: 5, Seed: 5})
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustExecute(t, "analyze", abs, "--out", "abs.plan.csv", "-q")
	mustExecute(t, "analyze", dir, "--out", "rel.plan.csv", "-q")
	// The plan of a Windows machine that saw the site at Z:\exports\site.
	win := strings.ReplaceAll(readFile(t, "abs.plan.csv"), filepath.ToSlash(abs), "Z:/exports/site")
	if err := os.WriteFile("win.plan.csv", []byte(win), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := strings.Count(win, "\n") - 1
	if keys < 3 || !strings.Contains(win, "Z:/exports/site/") {
		t.Fatalf("the Windows plan has %d keys:\n%s", keys, win)
	}
	// This machine sees the site elsewhere.
	if err := os.Rename(dir, "moved"); err != nil {
		t.Fatal(err)
	}
	moved, err := filepath.Abs("moved")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		Name    string
		Args    []string
		WantErr string // substring; "" for success
	}{
		{Name: "AbsoluteNoMap", Args: []string{"--plan", "abs.plan.csv"}, WantErr: "missing or refused"},
		{Name: "WindowsBaseRoot", Args: []string{"--plan", "win.plan.csv", "--base", "/"}, WantErr: "missing or refused"},
		{Name: "Absolute", Args: []string{"--plan", "abs.plan.csv", "--path-map", abs + "=" + moved}},
		{Name: "Windows", Args: []string{"--plan", "win.plan.csv", "--path-map", "Z:/exports/site=" + moved}},
		{Name: "WindowsBackslashes", Args: []string{"--plan", "win.plan.csv", "--path-map", `Z:\exports\site\=` + moved + "/"}},
		{Name: "WindowsLongestWins", Args: []string{"--plan", "win.plan.csv", "--path-map", "Z:/=/nowhere", "--path-map", "Z:/exports/site=" + moved}},
		{Name: "WindowsWrongMap", Args: []string{"--plan", "win.plan.csv", "--path-map", "Z:/export=" + moved}, WantErr: "missing or refused"},
		{Name: "Relative", Args: []string{"--plan", "rel.plan.csv", "--path-map", "site=moved"}},
		{Name: "RelativeToAbsolute", Args: []string{"--plan", "rel.plan.csv", "--path-map", "site=" + moved}},
		{Name: "Malformed", Args: []string{"--plan", "win.plan.csv", "--path-map", "Z:/exports/site"}, WantErr: "--path-map: path map"},
	}
	for i, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			p, out := quiet(t)
			args := append([]string{"import", "--db", fmt.Sprintf("sqlite:%d.db", i)}, tt.Args...)
			err := execute(t.Context(), p, args)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("%q = %v, want an error with %q\n%s", args, err, tt.WantErr, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v\n%s", args, err, out)
			}
			if want := fmt.Sprintf("%d loaded, 0 replaced, 0 skipped, 0 failed", keys); !strings.Contains(out.String(), want) {
				t.Errorf("%q printed:\n%s\nwant %q", args, out, want)
			}
			if want := fmt.Sprintf("path map: %d of %d sources mapped", keys, keys); !strings.Contains(out.String(), want) {
				t.Errorf("%q printed:\n%s\nwant %q", args, out, want)
			}
		})
	}
}

// TestImportPathMapReadsOnlyUnderTo checks that a map widens what import
// may read by its TO directory and no more: a source mapped elsewhere
// stays refused.
func TestImportPathMapReadsOnlyUnderTo(t *testing.T) {
	dir, _ := site(t, sitegen.Params{Snapshots: 2, Keys: 2, Rows: 10, Columns: 5, Seed: 6})
	mustExecute(t, "analyze", dir, "--out", "rel.plan.csv", "-q")
	// The sources climb out of the TO directory jail/inner to files that
	// exist, outside it and outside --base.
	plan := strings.ReplaceAll(readFile(t, "rel.plan.csv"), dir+"/", "q/../../"+dir+"/")
	if err := os.WriteFile("escape.plan.csv", []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join("jail", "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	jail, err := filepath.Abs(filepath.Join("jail", "inner"))
	if err != nil {
		t.Fatal(err)
	}
	p, out := quiet(t)
	err = execute(t.Context(), p, []string{"import", "--db", "sqlite:x.db", "--plan", "escape.plan.csv", "--base", t.TempDir(), "--path-map", "q=" + filepath.ToSlash(jail)})
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("import of sources that climb out of TO = %v, want them refused as outside\n%s", err, out)
	}
}

func TestMapSource(t *testing.T) {
	var maps []archive.PathMap
	for _, s := range []string{"/mnt/site=/data/site", `Z:\exports\=S:/site/`, "rel=/abs/rel"} {
		m, err := archive.ParsePathMap(s)
		if err != nil {
			t.Fatal(err)
		}
		maps = append(maps, m)
	}
	tests := []struct{ In, Want string }{
		{"/mnt/site/a.zip!/data/x.csv", "/data/site/a.zip!/data/x.csv"},
		{"/mnt/site/a.zip!/in/b.zip!/x.csv", "/data/site/a.zip!/in/b.zip!/x.csv"},
		{"Z:/exports/2023/a.zip!/x.csv", "S:/site/2023/a.zip!/x.csv"},
		{"rel/a.zip!/x.csv", "/abs/rel/a.zip!/x.csv"},
		{"relx/a.zip!/x.csv", "relx/a.zip!/x.csv"},
		{"/elsewhere/x.csv", "/elsewhere/x.csv"},
	}
	for _, tt := range tests {
		if got := archive.MapSource(maps, tt.In); got != tt.Want {
			t.Errorf("MapSource(%q) = %q, want %q", tt.In, got, tt.Want)
		}
	}
}
