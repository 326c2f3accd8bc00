package cli

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/siftload/siftload/internal/schema"
)

// execOn runs statements in tg's database, as a person with a SQL client
// would.
func execOn(t *testing.T, tg target, stmts ...string) {
	t.Helper()
	switch tg.name {
	case "sqlite":
		db := openSQLite(t, strings.TrimPrefix(tg.dsn, "sqlite:"))
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	case "postgres":
		conn, err := pgx.Connect(t.Context(), tg.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		for _, s := range stmts {
			if _, err := conn.Exec(t.Context(), s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	default:
		t.Fatalf("no SQL client for %s", tg.name)
	}
}

// verifyKeys runs verify with --json and returns its key objects by key
// and its summary.
func verifyKeys(t *testing.T, wantErr bool, args ...string) (map[string]map[string]any, map[string]any, string) {
	t.Helper()
	stdout, stderr, err := executeJSON(t, append([]string{"verify", "--json"}, args...)...)
	if wantErr != (err != nil) || (err != nil && !errors.Is(err, ErrProblems)) {
		t.Fatalf("verify %q: error %v, want one: %v\n%s", args, err, wantErr, stderr)
	}
	objs := jsonObjects(t, stdout)
	if len(objs) == 0 {
		t.Fatalf("verify --json wrote nothing; stderr:\n%s", stderr)
	}
	keys := map[string]map[string]any{}
	for _, o := range objs[:len(objs)-1] {
		if o["type"] != "key" {
			t.Fatalf("object %v before the summary, want a key", o)
		}
		keys[o["key"].(string)] = o
	}
	sum := objs[len(objs)-1]
	if sum["type"] != "summary" || sum["command"] != "verify" {
		t.Fatalf("last object %v, want verify's summary", sum)
	}
	return keys, sum, stderr
}

// differences returns the differences verify named for a key, joined.
func differences(o map[string]any) string {
	var s []string
	ds, _ := o["differences"].([]any)
	for _, d := range ds {
		s = append(s, d.(string))
	}
	return strings.Join(s, "; ")
}

func TestVerifyFindsTampering(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, filepath.Join("site", "2023-01-01_export.zip"), map[string]string{
		"upd.csv": csvRows(1, 3), "del.csv": csvRows(1, 3), "ins.csv": csvRows(1, 3), "gone.csv": csvRows(1, 3), "same.csv": csvRows(1, 3),
	})
	mustExecute(t, "analyze", "site", "--out", "plan.csv")
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mustExecute(t, "import", "--plan", "plan.csv", "--db", tg.dsn)
			keys, sum, _ := verifyKeys(t, false, "--db", tg.dsn, "--plan", "plan.csv")
			if sum["keys"] != float64(5) || sum["ok"] != float64(5) {
				t.Fatalf("verify of an untouched load: summary %v, want 5 keys ok", sum)
			}
			if o := keys["same.csv"]; o["digest"] == "" || o["digest"] != o["table_digest"] {
				t.Errorf("same.csv: digest %v, table digest %v, want equal", o["digest"], o["table_digest"])
			}

			tb := func(key string) string { return `"` + schema.TableName(key) + `"` }
			execOn(t, tg,
				`UPDATE `+tb("upd.csv")+` SET name = 'changed' WHERE id = 2`,
				`DELETE FROM `+tb("del.csv")+` WHERE id = 2`,
				`INSERT INTO `+tb("ins.csv")+` (id, name) VALUES (99, 'added')`,
				`DROP TABLE `+tb("gone.csv"),
			)
			keys, sum, stderr := verifyKeys(t, true, "--db", tg.dsn)
			tests := []struct {
				Key  string
				Want string // in the differences; "" for none
			}{
				{"upd.csv", "content: the rows of table upd differ"},
				{"del.csv", "rows: the ledger has 3, table del 2"},
				{"ins.csv", "rows: the ledger has 3, table ins 4"},
				{"gone.csv", "table gone does not exist"},
				{"same.csv", ""},
			}
			for _, tt := range tests {
				o, ok := keys[tt.Key]
				if !ok {
					t.Errorf("verify does not name %s", tt.Key)
					continue
				}
				d := differences(o)
				if tt.Want == "" {
					if o["ok"] != true || d != "" {
						t.Errorf("%s: ok %v, differences %q; want ok", tt.Key, o["ok"], d)
					}
					continue
				}
				if o["ok"] != false || !strings.Contains(d, tt.Want) {
					t.Errorf("%s: ok %v, differences %q; want %q", tt.Key, o["ok"], d, tt.Want)
				}
				if !strings.Contains(stderr, "DIFFERS  "+tt.Key) {
					t.Errorf("stderr does not name %s:\n%s", tt.Key, stderr)
				}
			}
			if sum["differ"] != float64(4) || sum["ok"] != float64(1) {
				t.Errorf("summary %v, want 4 differ, 1 ok", sum)
			}
		})
	}
}

// TestVerifyOldLedger checks the ledger migration: a ledger made before
// the digest column gets it when siftload opens the database, and verify
// counts the rows of the keys loaded before.
func TestVerifyOldLedger(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, filepath.Join("site", "2023-01-01_export.zip"), map[string]string{"a.csv": csvRows(1, 3), "b.csv": csvRows(1, 2)})
	mustExecute(t, "analyze", "site", "--out", "plan.csv")
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mustExecute(t, "import", "--plan", "plan.csv", "--db", tg.dsn)
			execOn(t, tg, `ALTER TABLE siftload_ledger DROP COLUMN digest`)
			out := mustExecute(t, "status", "--db", tg.dsn, "--plan", "plan.csv")
			if !strings.Contains(out, "2 loaded") {
				t.Errorf("status of an old ledger:\n%s", out)
			}
			_, sum, _ := verifyKeys(t, false, "--db", tg.dsn)
			if sum["ok"] != float64(2) || sum["no_digest"] != float64(2) {
				t.Errorf("verify of an old ledger: summary %v, want 2 ok, 2 without a digest", sum)
			}
			execOn(t, tg, `DELETE FROM `+schema.TableName("a.csv")+` WHERE id = 1`)
			keys, _, _ := verifyKeys(t, true, "--db", tg.dsn)
			if d := differences(keys["a.csv"]); !strings.Contains(d, "rows: the ledger has 3, table a 2") {
				t.Errorf("a.csv: differences %q, want the row count", d)
			}
		})
	}
}

func TestVerifySources(t *testing.T) {
	t.Chdir(t.TempDir())
	zipPath := filepath.Join("site", "2023-01-01_export.zip")
	writeZip(t, zipPath, map[string]string{"a.csv": csvRows(1, 3), "b.csv": csvRows(1, 2)})
	mustExecute(t, "analyze", "site", "--out", "plan.csv")
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "v.db")
	mustExecute(t, "import", "--plan", "plan.csv", "--db", dsn)
	if _, sum, _ := verifyKeys(t, false, "--db", dsn, "--sources"); sum["ok"] != float64(2) {
		t.Fatalf("verify --sources of unchanged sources: %v", sum)
	}
	// The archive is rewritten with another a.csv.
	writeZip(t, zipPath, map[string]string{"a.csv": csvRows(1, 4), "b.csv": csvRows(1, 2)})
	keys, sum, _ := verifyKeys(t, true, "--db", dsn, "--sources")
	if d := differences(keys["a.csv"]); !strings.Contains(d, "source: sha256") {
		t.Errorf("a.csv: differences %q, want the source's sha256", d)
	}
	if keys["b.csv"]["ok"] != true || sum["differ"] != float64(1) {
		t.Errorf("b.csv %v, summary %v: want b ok and 1 key differing", keys["b.csv"], sum)
	}
	// A source outside --base is not read.
	keys, _, _ = verifyKeys(t, true, "--db", dsn, "--sources", "--base", t.TempDir())
	if d := differences(keys["b.csv"]); !strings.Contains(d, "source site/2023-01-01_export.zip!/b.csv: ") {
		t.Errorf("b.csv outside --base: differences %q, want the source refused", d)
	}
	// Without --sources the database alone is checked, and it is intact.
	if _, sum, _ := verifyKeys(t, false, "--db", dsn); sum["ok"] != float64(2) {
		t.Errorf("verify without --sources: %v", sum)
	}
}

// TestVerifyOneTable checks that verify counts and digests each key's
// rows of a shared table (one-table mode) apart.
func TestVerifyOneTable(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, filepath.Join("site", "2023-01-01_export.zip"), map[string]string{"a.csv": csvRows(1, 3), "b.csv": csvRows(1, 2), "c.csv": csvRows(7, 2)})
	mustExecute(t, "analyze", "site", "--out", "plan.csv")
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mustExecute(t, "import", "--plan", "plan.csv", "--db", tg.dsn, "--one-table", "everything")
			if _, sum, _ := verifyKeys(t, false, "--db", tg.dsn); sum["ok"] != float64(3) {
				t.Fatalf("verify of an untouched one-table load: %v", sum)
			}
			// b's first row becomes a's: the table's rows are the same,
			// the keys' are not.
			execOn(t, tg, `UPDATE everything SET source_key = 'a.csv' WHERE source_key = 'b.csv' AND id = 1`,
				`UPDATE everything SET name = 'x' WHERE source_key = 'c.csv' AND id = 8`)
			keys, sum, _ := verifyKeys(t, true, "--db", tg.dsn)
			for key, want := range map[string]string{
				"a.csv": "rows: the ledger has 3, table everything 4",
				"b.csv": "rows: the ledger has 2, table everything 1",
				"c.csv": "content: the rows of table everything differ",
			} {
				if d := differences(keys[key]); !strings.Contains(d, want) {
					t.Errorf("%s: differences %q, want %q", key, d, want)
				}
			}
			if sum["differ"] != float64(3) {
				t.Errorf("summary %v, want 3 keys differing", sum)
			}
		})
	}
}

// TestStatusVerifyGeneratedSite runs status and verify --sources on a
// generated site with ties, truncated exports and tricky files: every key
// is loaded and intact, on every database, and every key's digest is the
// same on every database.
func TestStatusVerifyGeneratedSite(t *testing.T) {
	dir, truth := site(t, tricky)
	digests := map[string]map[string]any{} // database → key → digest
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mustExecute(t, "run", dir, "--db", tg.dsn, "--out", tg.name+".plan.csv")
			stdout, stderr, err := executeJSON(t, "status", "--db", tg.dsn, "--plan", tg.name+".plan.csv", "--json")
			if err != nil {
				t.Fatalf("status: %v\n%s", err, stderr)
			}
			objs := jsonObjects(t, stdout)
			if sum := objs[len(objs)-1]; sum["keys"] != float64(len(truth)) || sum["loaded"] != float64(len(truth)) {
				t.Errorf("status summary %v, want %d keys, all loaded", sum, len(truth))
			}
			keys, sum, _ := verifyKeys(t, false, "--db", tg.dsn, "--plan", tg.name+".plan.csv", "--sources")
			if sum["ok"] != float64(len(truth)) {
				for k, o := range keys {
					if o["ok"] != true {
						t.Errorf("%s: %s", k, differences(o))
					}
				}
				t.Fatalf("verify summary %v, want %d keys ok", sum, len(truth))
			}
			digests[tg.name] = map[string]any{}
			for k, o := range keys {
				if d, _ := o["digest"].(string); len(d) != 64 {
					t.Errorf("%s: digest %v, want 64 hex digits", k, o["digest"])
				}
				digests[tg.name][k] = o["digest"]
			}
		})
	}
	if pg, ok := digests["postgres"]; ok {
		for k, d := range digests["sqlite"] {
			if pg[k] != d {
				t.Errorf("%s: digest %v on SQLite, %v on PostgreSQL", k, d, pg[k])
			}
		}
	}
}
