package cli

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sitegen"
)

// TestTwoImportersLoadEachKeyOnce runs two import processes, each with
// four workers, on one plan into one database at the same time: every key
// is loaded by exactly one of them and reported skipped by the other, and
// every table holds exactly the plan's rows.
func TestTwoImportersLoadEachKeyOnce(t *testing.T) {
	dir, truth := site(t, sitegen.Params{Snapshots: 4, Keys: 16, Rows: 3000, Columns: 6, Seed: 9})
	p, out := quiet(t)
	entries, err := runAnalyze(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "plan.csv", Workers: 2, Metric: "rows", MaxDepth: 4}}, []string{dir})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(entries) != len(truth) {
		t.Fatalf("%d keys, want %d", len(entries), len(truth))
	}
	for _, tg := range append(targets(t), mysqlTargets(t)...) {
		t.Run(tg.name, func(t *testing.T) {
			var cmds []*exec.Cmd
			outs := []*syncBuffer{new(syncBuffer), new(syncBuffer)}
			for i := range 2 {
				cmd := selfCommand(t, t.Context(), nil, "import", "--plan", "plan.csv", "--db", tg.dsn, "--workers", "4")
				cmd.Stderr = outs[i]
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				cmds = append(cmds, cmd)
			}
			for i, cmd := range cmds {
				if err := cmd.Wait(); err != nil {
					t.Fatalf("importer %d: %v\n%s", i, err, outs[i])
				}
			}
			// action[key][importer]
			action := make(map[string][2]string)
			meanwhile := 0
			for i, o := range outs {
				for _, line := range strings.Split(o.String(), "\n") {
					f := strings.Fields(line)
					if len(f) < 3 || f[2] != "->" {
						continue
					}
					a := action[f[1]]
					if a[i] != "" {
						t.Errorf("importer %d reports key %s twice", i, f[1])
					}
					a[i] = f[0]
					action[f[1]] = a
					// Skipped without "already loaded": the key was free when
					// this importer looked, and taken when it got the key's
					// lock, so the two really ran at once.
					if f[0] == "skipped" && !strings.Contains(line, "already loaded") {
						meanwhile++
					}
				}
			}
			for _, e := range entries {
				a := action[e.Key]
				if !(a[0] == "loaded" && a[1] == "skipped" || a[0] == "skipped" && a[1] == "loaded") {
					t.Errorf("key %s: importers report %q and %q, want one loaded and one skipped", e.Key, a[0], a[1])
				}
				if n := tg.count(t, schema.TableName(e.Key)); n != e.Rows {
					t.Errorf("key %s: table %s has %d rows, want %d", e.Key, schema.TableName(e.Key), n, e.Rows)
				}
				if sha := tg.ledgerSHA(t, e.Key); sha != e.SHA256 {
					t.Errorf("key %s: ledger sha256 %s, want %s", e.Key, sha, e.SHA256)
				}
			}
			t.Logf("%d keys; %d skipped because the other importer loaded them meanwhile, the rest before this one looked", len(entries), meanwhile)
		})
	}
}
