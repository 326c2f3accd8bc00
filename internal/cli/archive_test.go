package cli

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
)

// writeArchive writes a tar (or, for a .zip path, a zip) whose members
// come in the order given, the same name as often as it is given.
func writeArchive(t testing.TB, path string, members ...[2]string) {
	t.Helper()
	var b bytes.Buffer
	if strings.HasSuffix(path, ".zip") {
		zw := zip.NewWriter(&b)
		for _, m := range members {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: m[0], Method: zip.Deflate, NonUTF8: true})
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(m[1]))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	} else {
		tw := tar.NewWriter(&b)
		for _, m := range members {
			if err := tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg, Format: tar.FormatGNU}); err != nil {
				t.Fatal(err)
			}
			tw.Write([]byte(m[1]))
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDuplicateMembersLoadTheChosenCopy: a tar updated with tar -r (and a
// zip with a repeated name) holds two versions of one path; the second is
// fuller. Analyze chooses it under a locator of its own, and import loads
// exactly its bytes (import verifies the sha256 the plan holds).
func TestDuplicateMembersLoadTheChosenCopy(t *testing.T) {
	t.Chdir(t.TempDir())
	short, full := "id\n1\n2\n", "id\n1\n2\n3\n4\n5\n"
	writeArchive(t, "site/a.tar", [2]string{"data/LINE01.csv", short}, [2]string{"data/LINE01.csv", full})
	writeArchive(t, "site/b.zip", [2]string{"data/LINE02.csv", full + "6\n"}, [2]string{"data/LINE02.csv", short})
	p, out := quiet(t)
	entries, err := runAnalyze(t.Context(), p, config.Settings{Analysis: config.Analysis{Out: "plan.csv", Workers: 2, Metric: "rows", MaxDepth: 4}}, []string{"site"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	want := map[string][3]string{
		"data/LINE01.csv": {"site/a.tar!/data/LINE01.csv#2", sum(full), "5"},
		"data/LINE02.csv": {"site/b.zip!/data/LINE02.csv", sum(full + "6\n"), "6"},
	}
	if len(entries) != len(want) {
		t.Fatalf("plan has %d keys, want %d: %+v", len(entries), len(want), entries)
	}
	for _, e := range entries {
		w := want[e.Key]
		if e.Source != w[0] || e.SHA256 != w[1] || e.Candidates != 2 {
			t.Errorf("key %s: source %s sha %s candidates %d, want %s %s 2", e.Key, e.Source, e.SHA256, e.Candidates, w[0], w[1])
		}
	}
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			mustExecute(t, "import", "--db", tg.dsn)
			for key, w := range want {
				if got := tg.ledgerSHA(t, key); got != w[1] {
					t.Errorf("ledger sha256 of %s = %s, want %s", key, got, w[1])
				}
			}
			if n := tg.count(t, "data_line01"); n != 5 {
				t.Errorf("data_line01 has %d rows, want 5", n)
			}
			if n := tg.count(t, "data_line02"); n != 6 {
				t.Errorf("data_line02 has %d rows, want 6", n)
			}
		})
	}
}

// TestNameEncodingAndEntryLimitSettings: --name-encoding decodes legacy
// zip names for analyze and for import alike (the locator holds the
// decoded name), and --max-entries refuses a zip with more entries.
func TestNameEncodingAndEntryLimitSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	raw, err := charmap.CodePage866.NewEncoder().String("данные.csv")
	if err != nil {
		t.Fatal(err)
	}
	writeArchive(t, "site/ru.zip", [2]string{raw, "id\n1\n"})
	t.Setenv("SIFTLOAD_NAME_ENCODING", "cp866")
	mustExecute(t, "run", "site", "--db", "sqlite:t.db")
	plan := readFile(t, "plan.csv")
	if !strings.Contains(plan, "site/ru.zip!/данные.csv") {
		t.Errorf("plan does not name the decoded member:\n%s", plan)
	}
	writeArchive(t, "big/three.zip", [2]string{"a.csv", "id\n1\n"}, [2]string{"b.csv", "id\n1\n"}, [2]string{"c.csv", "id\n1\n"})
	p, buf := quiet(t)
	err = execute(t.Context(), p, []string{"analyze", "big", "--max-entries", "2", "--out", "big.csv"})
	if !errors.Is(err, ErrProblems) || !strings.Contains(buf.String(), "zip central directory lists 3 entries: over the limit of 2 entries per input (--max-entries)") {
		t.Errorf("--max-entries 2: err %v, output:\n%s", err, buf)
	}
	p, buf = quiet(t)
	if err := execute(t.Context(), p, []string{"analyze", "big", "--name-encoding", "klingon"}); err == nil || !strings.Contains(err.Error(), "--name-encoding") {
		t.Errorf("unknown name encoding: err %v\n%s", err, buf)
	}
}

// TestQueueMaxEntries: --max-entries survives the trip through a queue
// task (its walker's limit is the one a local analysis has), and a task
// without the field (from before it) gets the default.
func TestQueueMaxEntries(t *testing.T) {
	t.Parallel()
	walkerLimit := func(n int64) int64 {
		w, err := importWalker(config.Settings{Archive: config.Archive{MaxEntries: n}}, flagWhere)
		if err != nil {
			t.Fatal(err)
		}
		return w.MaxEntries
	}
	for _, n := range []int64{0, 1, 12, archive.DefaultMaxEntries, 5_000_000} {
		s := config.Settings{Analysis: config.Analysis{Metric: "rows", MaxDepth: 4}, Archive: config.Archive{MaxEntries: n}}
		as, err := analysisSettings(s, flagWhere)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(as)
		if err != nil {
			t.Fatal(err)
		}
		var task analysis.Settings
		if err := json.Unmarshal(b, &task); err != nil {
			t.Fatal(err)
		}
		opts, err := task.Options()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := opts.Walker.MaxEntries, walkerLimit(n); got != want {
			t.Errorf("--max-entries %d comes back from a task as a walker limit %d, want %d", n, got, want)
		}
	}
	if opts, err := (analysis.Settings{Metric: "rows", MaxDepth: 4}).Options(); err != nil || opts.Walker.MaxEntries != 0 {
		t.Errorf("a task without max_entries: walker limit %d (%v), want 0 (the default)", opts.Walker.MaxEntries, err)
	}
}
