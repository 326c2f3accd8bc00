package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONLines checks --json on analyze, import and run: one object per
// key or problem, then one summary, on stdout; the human lines stay on
// stderr.
func TestJSONLines(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, filepath.Join("site", "2023-01-01_export.zip"), map[string]string{"a.csv": csvRows(1, 3), "b.csv": csvRows(1, 2)})
	writeZip(t, filepath.Join("site", "2023-02-01_export.zip"), map[string]string{"a.csv": csvRows(1, 4)})
	if err := os.WriteFile(filepath.Join("site", "2023-03-01_export.zip"), []byte("PK\x03\x04 not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "j.db")

	type want struct {
		keys     map[string]string // key → field "action" (import) or "source" suffix (analyze)
		problems int
		summary  map[string]any
	}
	check := func(t *testing.T, objs []map[string]any, field string, w want) []map[string]any {
		t.Helper()
		keys, problems := map[string]string{}, 0
		for i, o := range objs {
			switch o["type"] {
			case "key":
				v, _ := o[field].(string)
				keys[o["key"].(string)] = v
			case "problem":
				problems++
				if o["source"] == "" || o["error"] == "" {
					t.Errorf("problem object %v lacks source or error", o)
				}
			case "summary":
				for k, v := range w.summary {
					if o[k] != v {
						t.Errorf("summary %s = %v, want %v (%v)", k, o[k], v, o)
					}
				}
				if len(keys) != len(w.keys) {
					t.Errorf("%d key objects before the summary, want %d: %v", len(keys), len(w.keys), keys)
				}
				for k, v := range w.keys {
					if !strings.HasSuffix(keys[k], v) {
						t.Errorf("key %s: %s %q, want %q", k, field, keys[k], v)
					}
				}
				if problems != w.problems {
					t.Errorf("%d problem objects, want %d", problems, w.problems)
				}
				return objs[i+1:]
			default:
				t.Errorf("object %v has no known type", o)
			}
		}
		t.Fatalf("no summary object in %v", objs)
		return nil
	}

	t.Run("Analyze", func(t *testing.T) {
		stdout, stderr, err := executeJSON(t, "analyze", "site", "--out", "plan.csv", "--json")
		if err == nil {
			t.Fatalf("analyze of a corrupt archive: no error")
		}
		rest := check(t, jsonObjects(t, stdout), "source", want{
			keys:     map[string]string{"a.csv": "2023-02-01_export.zip!/a.csv", "b.csv": "2023-01-01_export.zip!/b.csv"},
			problems: 1,
			summary:  map[string]any{"command": "analyze", "keys": float64(2), "problems": float64(1), "plan": "plan.csv"},
		})
		if len(rest) != 0 {
			t.Errorf("objects after the summary: %v", rest)
		}
		if !strings.Contains(stderr, "analyzed 3 inputs") || strings.Contains(stdout, "analyzed") {
			t.Errorf("human output not on stderr only:\nstdout %s\nstderr %s", stdout, stderr)
		}
	})
	t.Run("ImportDryRun", func(t *testing.T) {
		stdout, _, err := executeJSON(t, "import", "--plan", "plan.csv", "--db", db, "--dry-run", "--json")
		if err != nil {
			t.Fatal(err)
		}
		check(t, jsonObjects(t, stdout), "action", want{
			keys:    map[string]string{"a.csv": "new", "b.csv": "new"},
			summary: map[string]any{"command": "import", "dry_run": true},
		})
	})
	t.Run("Import", func(t *testing.T) {
		stdout, _, err := executeJSON(t, "import", "--plan", "plan.csv", "--db", db, "--json")
		if err != nil {
			t.Fatal(err)
		}
		check(t, jsonObjects(t, stdout), "action", want{
			keys:    map[string]string{"a.csv": "loaded", "b.csv": "loaded"},
			summary: map[string]any{"command": "import", "dry_run": false, "loaded": float64(2), "rows": float64(6), "failed": float64(0)},
		})
	})
	t.Run("Run", func(t *testing.T) {
		stdout, _, err := executeJSON(t, "run", "site", "--out", "run.plan.csv", "--db", db, "--keep-going", "--json")
		if err == nil {
			t.Fatalf("run with a corrupt archive: no error")
		}
		objs := jsonObjects(t, stdout)
		rest := check(t, objs, "source", want{
			keys:     map[string]string{"a.csv": "a.csv", "b.csv": "b.csv"},
			problems: 1,
			summary:  map[string]any{"command": "analyze", "keys": float64(2)},
		})
		rest = check(t, rest, "action", want{
			keys:    map[string]string{"a.csv": "skipped", "b.csv": "skipped"},
			summary: map[string]any{"command": "import", "skipped": float64(2)},
		})
		if len(rest) != 0 {
			t.Errorf("objects after the import's summary: %v", rest)
		}
	})
}
