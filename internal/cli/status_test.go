package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/load"
	"github.com/siftload/siftload/internal/sink"
)

// csvRows returns a CSV file of a header and n rows, the i-th row's
// values starting at from.
func csvRows(from, n int) string {
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,name %d\n", from+i, from+i)
	}
	return b.String()
}

// auditSites writes two snapshots of one site: v1 (loaded first) with
// a, b, c and d, and v2 (the plan compared) with a unchanged, b fuller, c
// shorter, d gone, e new and f new but empty (0 bytes).
func auditSites(t *testing.T) (v1, v2 string) {
	t.Helper()
	writeZip(t, filepath.Join("v1", "2023-01-01_export.zip"), map[string]string{
		"a.csv": csvRows(1, 3), "b.csv": csvRows(1, 3), "c.csv": csvRows(1, 3), "d.csv": csvRows(1, 2),
	})
	writeZip(t, filepath.Join("v2", "2023-02-01_export.zip"), map[string]string{
		"a.csv": csvRows(1, 3), "b.csv": csvRows(1, 4), "c.csv": csvRows(1, 2), "e.csv": csvRows(1, 2), "f.csv": "",
	})
	return "v1", "v2"
}

// executeJSON runs args in-process and returns what it wrote to stdout
// and to stderr, and its error.
func executeJSON(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	p, errBuf := quiet(t)
	var out bytes.Buffer
	d := defaultDeps()
	d.stdout = &out
	err = executeWith(t.Context(), p, d, args)
	return out.String(), errBuf.String(), err
}

// jsonObjects parses JSON Lines, failing on any line that is no object.
func jsonObjects(t *testing.T, s string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is no JSON object: %v", sc.Text(), err)
		}
		objs = append(objs, m)
	}
	return objs
}

func TestStatusStates(t *testing.T) {
	t.Chdir(t.TempDir())
	v1, v2 := auditSites(t)
	mustExecute(t, "analyze", v1, "--out", "v1.plan.csv")
	mustExecute(t, "analyze", v2, "--out", "v2.plan.csv")
	want := map[string]string{"a.csv": "loaded", "b.csv": "outdated", "c.csv": "downgrade", "d.csv": "extra", "e.csv": "pending", "f.csv": "loaded"}
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mustExecute(t, "import", "--plan", "v1.plan.csv", "--db", tg.dsn)

			stdout, stderr, err := executeJSON(t, "status", "--db", tg.dsn, "--plan", "v2.plan.csv", "--json")
			if err != nil {
				t.Fatalf("status: %v\n%s", err, stderr)
			}
			objs := jsonObjects(t, stdout)
			if len(objs) != len(want)+1 {
				t.Fatalf("status --json wrote %d objects, want %d keys and a summary:\n%s", len(objs), len(want), stdout)
			}
			got := map[string]string{}
			for _, o := range objs[:len(objs)-1] {
				if o["type"] != "key" {
					t.Errorf("object %v: type %v, want key", o, o["type"])
				}
				got[o["key"].(string)] = o["state"].(string)
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("state of %s = %q, want %q", k, got[k], w)
				}
			}
			sum := objs[len(objs)-1]
			for field, w := range map[string]float64{"type": 0, "keys": 6, "loaded": 2, "outdated": 1, "downgrade": 1, "pending": 1, "extra": 1} {
				if field == "type" {
					if sum["type"] != "summary" || sum["command"] != "status" {
						t.Errorf("last object %v, want the status summary", sum)
					}
					continue
				}
				if sum[field] != w {
					t.Errorf("summary %s = %v, want %v", field, sum[field], w)
				}
			}
			if line := "status: 6 keys: 2 loaded, 1 outdated, 1 downgrade, 1 pending, 1 extra"; !strings.Contains(stderr, line) {
				t.Errorf("stderr lacks %q:\n%s", line, stderr)
			}
			if strings.Contains(stdout, "status:") {
				t.Errorf("human output on stdout:\n%s", stdout)
			}

			// An import's dry run decides every key of the plan as
			// status does.
			entries, err := readPlanFile("v2.plan.csv")
			if err != nil {
				t.Fatal(err)
			}
			s, _, err := openSink(t.Context(), &ImportOptions{Settings: settingsWithDB(tg.dsn)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			dry := map[string]string{}
			imp := load.NewImporter(s, load.Config{
				Policy: load.Policy{DryRun: true},
				Hooks: load.Hooks{Report: func(o load.Outcome) {
					switch {
					case o.Action == load.WouldSkip, o.Action == load.Skipped:
						dry[o.Key] = "loaded"
					case o.Action == load.WouldReplace:
						dry[o.Key] = "outdated"
					case o.Action == load.WouldLoad:
						dry[o.Key] = "pending"
					case errors.Is(o.Err, sink.ErrDowngrade):
						dry[o.Key] = "downgrade"
					default:
						dry[o.Key] = string(o.Action)
					}
				}},
			})
			imp.Run(t.Context(), entries)
			for _, e := range entries {
				if dry[e.Key] != got[e.Key] {
					t.Errorf("key %s: dry run says %s, status %s", e.Key, dry[e.Key], got[e.Key])
				}
			}

			// Without a plan: the ledger, no states.
			stdout, stderr, err = executeJSON(t, "status", "--db", tg.dsn, "--json")
			if err != nil {
				t.Fatalf("status: %v\n%s", err, stderr)
			}
			objs = jsonObjects(t, stdout)
			if len(objs) != 5 {
				t.Fatalf("status --json without a plan wrote %d objects, want 4 keys and a summary:\n%s", len(objs), stdout)
			}
			for _, o := range objs[:4] {
				if _, ok := o["state"]; ok || o["table"] == "" || o["rows"] == nil {
					t.Errorf("key object without a plan: %v, want a table, rows and no state", o)
				}
			}
		})
	}
}

// settingsWithDB returns settings naming only the database dsn.
func settingsWithDB(dsn string) config.Settings {
	var s config.Settings
	s.DB = dsn
	return s
}
