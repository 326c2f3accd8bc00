package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/config"
)

// writeProfile writes a profile into the working directory.
func writeProfile(t testing.TB, name, text string) string {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// copyExamples copies the repository's examples/ into the working
// directory (a temporary one), so that a profile's relative paths work
// and its outputs land there.
func copyExamples(t testing.TB) {
	t.Helper()
	src, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if err := os.CopyFS("examples", os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// TestEveryFlagIsASetting checks that the settings map 1:1 to the flags
// by one rule: every flag of every command (but the few that are about one
// invocation) is bound onto the field of config.Settings whose key is the
// flag in snake_case (import's --plan and --workers are out and
// load_workers), every key but name and inputs has a flag, and a flag
// given sets its field and nothing else.
func TestEveryFlagIsASetting(t *testing.T) {
	t.Parallel()
	notSettings := map[string]bool{"config": true, "parallel-sites": true, "dry-run": true, "help": true,
		"json":    true, // the output form of one invocation, as --dry-run its mode
		"sources": true, // verify's choice of what to check, for one invocation
	}
	aliases := map[string]string{"plan": "out", "workers": "load_workers"} // import's
	p, _ := quiet(t)
	bindings := map[string]func(*boundSettings){
		"analyze": func(b *boundSettings) { b.analysisFlags(); b.scaleFlags() },
		"import":  func(b *boundSettings) { b.importFlags(false) },
		"run":     (*boundSettings).runFlags,
		"worker":  (*boundSettings).workerFlags,
		"merge":   (*boundSettings).mergeFlags,
		"status":  (*boundSettings).auditFlags,
		"verify":  (*boundSettings).verifyFlags,
	}
	flagged := map[string]bool{}
	for _, cmd := range []*cobra.Command{newAnalyzeCommand(p, defaultDeps()), newImportCommand(p, defaultDeps()), newRunCommand(p, defaultDeps()), newWorkerCommand(p), newMergeCommand(p),
		newStatusCommand(p, defaultDeps()), newVerifyCommand(p, defaultDeps())} {
		name := cmd.Name()
		b := newBoundSettings(pflag.NewFlagSet(name, pflag.ContinueOnError))
		bindings[name](b)
		bound := map[string]string{}
		for key, flag := range b.flags {
			bound[flag] = key
			flagged[key] = true
			want := config.FlagName(key)
			if (name == "import" || name == "status" || name == "verify") && aliases[flag] == key {
				want = flag
			}
			if flag != want {
				t.Errorf("%s: --%s sets %s: want --%s", name, flag, key, want)
			}
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !notSettings[f.Name] && bound[f.Name] == "" {
				t.Errorf("%s: flag --%s is bound to no setting (bind it with boundSettings)", name, f.Name)
			}
		})
		// A flag given sets its own field, and no other.
		for flag, key := range bound {
			fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
			b := newBoundSettings(fs)
			bindings[name](b)
			before := b.Settings
			value := "7"
			if f := fs.Lookup(flag); f.Value.Type() == "bool" {
				value = strconv.FormatBool(f.DefValue != "true")
			}
			if err := fs.Parse([]string{"--" + flag + "=" + value}); err != nil {
				t.Fatal(err)
			}
			_, flags := b.layers()
			if got, _ := b.Value(key); got != value || !flags.Has(key) || len(flags.Origins) != 1 {
				t.Errorf("%s --%s=%s: %s is %q (origins %v)", name, flag, value, key, got, flags.Origins)
			}
			for _, k := range config.Keys() {
				v1, _ := before.Value(k)
				v2, _ := b.Value(k)
				if k != key && v1 != v2 {
					t.Errorf("%s --%s=%s changed %s too", name, flag, value, k)
				}
			}
		}
	}
	for _, k := range config.Keys() {
		if k != config.KeyName && k != config.KeyInputs && !flagged[k] {
			t.Errorf("key %s has no flag", k)
		}
	}
}

// TestRunConfigExample is the one-click migration of the example site:
// run --config examples/site-rgb.yaml writes the golden plan under the
// site's name and loads every key; a second run skips them all.
func TestRunConfigExample(t *testing.T) {
	golden := readFile(t, "testdata/example.plan.csv")
	copyExamples(t)
	p, out := quiet(t)
	if err := execute(t.Context(), p, []string{"run", "--config", "examples/site-rgb.yaml"}); err != nil {
		t.Fatalf("run --config: %v\n%s", err, out)
	}
	if got := readFile(t, "rgb.plan.csv"); got != golden {
		t.Errorf("rgb.plan.csv differs from the golden plan:\n%s", got)
	}
	if !strings.Contains(out.String(), "into sqlite:rgb.db") || !strings.Contains(out.String(), "12 loaded, 0 replaced, 0 skipped, 0 failed") {
		t.Errorf("output:\n%s", out)
	}
	db := openSQLite(t, "rgb.db")
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM data_line01`).Scan(&n); err != nil || n != 40 {
		t.Errorf("data_line01: %d rows, %v", n, err)
	}
	p, out = quiet(t)
	if err := execute(t.Context(), p, []string{"run", "-c", "examples/site-rgb.yaml"}); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "0 loaded, 0 replaced, 12 skipped, 0 failed") {
		t.Errorf("second run did not skip:\n%s", out)
	}
}

// TestPrecedence checks flags > environment > profile > defaults on the
// plan path, the header setting (where an explicit false must win over a
// lower true) and the metric.
func TestPrecedence(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/s1.zip", map[string]string{"a.csv": "h\n1\n2\n"})
	writeProfile(t, "p.yaml", "inputs: [site]\nout: file.csv\nno_header: true\nmetric: bytes\n")
	rowsOf := func(plan string) int64 {
		entries, err := readPlanFile(plan)
		if err != nil {
			t.Fatal(err)
		}
		return entries[0].Rows
	}
	analyze := func(args ...string) string {
		t.Helper()
		p, out := quiet(t)
		if err := execute(t.Context(), p, append([]string{"analyze", "--config", "p.yaml"}, args...)); err != nil {
			t.Fatalf("analyze %q: %v\n%s", args, err, out)
		}
		return out.String()
	}

	analyze()
	if rows := rowsOf("file.csv"); rows != 3 {
		t.Errorf("profile's no_header: true: %d rows, want 3", rows)
	}
	if !strings.Contains(readFile(t, "file.csv"), ",bytes,") {
		t.Errorf("profile's metric not used:\n%s", readFile(t, "file.csv"))
	}

	t.Setenv("SIFTLOAD_OUT", "env.csv")
	t.Setenv("SIFTLOAD_NO_HEADER", "false")
	analyze()
	if rows := rowsOf("env.csv"); rows != 2 {
		t.Errorf("SIFTLOAD_NO_HEADER=false over the profile's true: %d rows, want 2", rows)
	}

	analyze("--out", "flag.csv", "--no-header", "--metric", "rows")
	if rows := rowsOf("flag.csv"); rows != 3 {
		t.Errorf("--no-header over SIFTLOAD_NO_HEADER=false: %d rows, want 3", rows)
	}
	if !strings.Contains(readFile(t, "flag.csv"), ",rows,") {
		t.Errorf("--metric not used")
	}

	// INPUT arguments replace the profile's inputs.
	writeZip(t, "other/s.zip", map[string]string{"b.csv": "h\n1\n"})
	analyze("other", "--out", "args.csv")
	if entries, _ := readPlanFile("args.csv"); len(entries) != 1 || entries[0].Key != "b.csv" {
		t.Errorf("INPUT arguments did not replace inputs: %+v", entries)
	}
}

func TestProfileErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		Name    string
		Profile string
		Env     map[string]string
		Args    []string
		WantErr []string
		Usage   bool
	}{
		{Name: "UnknownKey", Profile: "inputs: [x]\nwrokers: 2\n", WantErr: []string{"p.yaml:2:1:", `unknown key "wrokers"`}, Usage: true},
		{Name: "BadMetric", Profile: "inputs: [x]\nmetric: biggest\n", WantErr: []string{"p.yaml:2:1: metric: unknown metric"}, Usage: true},
		{Name: "BadMetricEnv", Profile: "inputs: [x]\n", Env: map[string]string{"SIFTLOAD_METRIC": "biggest"}, WantErr: []string{"SIFTLOAD_METRIC: unknown metric"}, Usage: true},
		{Name: "BadEnvNumber", Profile: "inputs: [x]\n", Env: map[string]string{"SIFTLOAD_WORKERS": "all"}, WantErr: []string{"SIFTLOAD_WORKERS: want a whole number"}, Usage: true},
		{Name: "BadDelimiter", Profile: "inputs: [x]\ndelimiter: '::'\n", WantErr: []string{"p.yaml:2:1: delimiter"}, Usage: true},
		{Name: "NoInputs", Profile: "workers: 2\n", WantErr: []string{"no INPUT"}, Usage: true},
		{Name: "Missing", Args: []string{"run", "--config", "missing.yaml"}, WantErr: []string{"missing.yaml"}, Usage: true},
		{Name: "ArgsWithSites", Profile: "sites:\n  - name: a\n  - name: b\n", Args: []string{"run", "--config", "p.yaml", "x"}, WantErr: []string{"INPUT arguments with a profile of 2 sites"}, Usage: true},
		{Name: "UnknownDB", Profile: "inputs: [x]\ndb: mongo://x\n", WantErr: []string{"p.yaml:2:1: db: unknown database"}, Usage: true},
		{Name: "ParallelZero", Profile: "inputs: [x]\n", Args: []string{"run", "--config", "p.yaml", "--parallel-sites", "0"}, WantErr: []string{"--parallel-sites"}, Usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if tt.Profile != "" {
				writeProfile(t, "p.yaml", tt.Profile)
			}
			for k, v := range tt.Env {
				t.Setenv(k, v)
			}
			args := tt.Args
			if args == nil {
				args = []string{"run", "--config", "p.yaml"}
			}
			p, out := quiet(t)
			err := execute(t.Context(), p, args)
			if err == nil {
				t.Fatalf("no error\n%s", out)
			}
			if tt.Usage != errors.Is(err, ErrUsage) {
				t.Errorf("usage error = %v, want %v: %v", errors.Is(err, ErrUsage), tt.Usage, err)
			}
			for _, w := range tt.WantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestSeveralSites runs a profile of two sites, one after another and in
// parallel: each has its own plan, problems file and database, and the
// lines are prefixed with the site's name.
func TestSeveralSites(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "in/a/s.zip", map[string]string{"x.csv": "id\n1\n2\n"})
	writeZip(t, "in/b/s.zip", map[string]string{"x.csv": "id\n1\n2\n3\n", "y.csv": "id\n1\n"})
	writeProfile(t, "sites.yaml", `
workers: 1
sites:
  - name: a
    inputs: [in/a]
    db: sqlite:a.db
  - name: b
    inputs: [in/b]
    db: sqlite:b.db
`)
	for _, args := range [][]string{{}, {"--parallel-sites", "2"}} {
		p, out := quiet(t)
		if err := execute(t.Context(), p, append([]string{"run", "--config", "sites.yaml"}, args...)); err != nil {
			t.Fatalf("run %q: %v\n%s", args, err, out)
		}
		for site, want := range map[string]string{"a": "x.csv,2,", "b": "x.csv,3,"} {
			if plan := readFile(t, site+".plan.csv"); !strings.Contains(plan, want) {
				t.Errorf("%s.plan.csv lacks %q:\n%s", site, want, plan)
			}
			if _, err := os.Stat(site + ".plan.problems.csv"); err != nil {
				t.Errorf("site %s: %v", site, err)
			}
		}
		var n int
		if err := openSQLite(t, "b.db").QueryRow(`SELECT COUNT(*) FROM x`).Scan(&n); err != nil || n != 3 {
			t.Errorf("b.db x: %d, %v", n, err)
		}
		if err := openSQLite(t, "a.db").QueryRow(`SELECT COUNT(*) FROM y`).Scan(&n); err == nil {
			t.Errorf("site b's table y is in a.db")
		}
		for _, want := range []string{"[a] import: 1 keys into sqlite:a.db", "[b] import: 2 keys into sqlite:b.db", "sites: 2 done, 0 with problems"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run %q: output lacks %q:\n%s", args, want, out)
			}
		}
	}

	// One site failing does not stop the other; the exit status is 1.
	writeProfile(t, "sites.yaml", "sites:\n  - name: a\n    inputs: [in/a]\n    db: sqlite:a.db\n  - name: c\n    inputs: [in/missing]\n    db: sqlite:c.db\n  - name: b\n    inputs: [in/b]\n    db: sqlite:b.db\n")
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"import", "--config", "sites.yaml"})
	if !errors.Is(err, ErrProblems) || !strings.Contains(out.String(), "[c] site c failed:") || !strings.Contains(out.String(), "[b] import: 2 keys") {
		t.Errorf("failing site: %v\n%s", err, out)
	}
}

func TestSitesMustNotCollide(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		Name, Profile, Want string
	}{
		{Name: "SameDB", Profile: "sites:\n  - name: a\n    inputs: [x]\n    db: sqlite:one.db\n  - name: b\n    inputs: [y]\n    db: sqlite:./one.db\n", Want: "sites a and b both load into sqlite:./one.db: the ledger"},
		{Name: "SamePostgres", Profile: "sites:\n  - name: a\n    inputs: [x]\n    db: postgres://u@DB.example/mes\n  - name: b\n    inputs: [y]\n    db: postgresql://u@db.example/mes\n", Want: "both load into"},
		{Name: "SameOut", Profile: "db: sqlite:x.db\nsites:\n  - name: a\n    inputs: [x]\n    out: p.csv\n    db: sqlite:a.db\n  - name: b\n    inputs: [y]\n    out: p.csv\n    db: sqlite:b.db\n", Want: "sites a and b both write p.csv"},
		{Name: "OutIsOthersProblems", Profile: "sites:\n  - name: a\n    inputs: [x]\n    problems: b.plan.csv\n    db: sqlite:a.db\n  - name: b\n    inputs: [y]\n    db: sqlite:b.db\n", Want: "both write"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			writeProfile(t, "p.yaml", tt.Profile)
			p, _ := quiet(t)
			err := execute(t.Context(), p, []string{"run", "--config", "p.yaml"})
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.Want) {
				t.Errorf("err = %v, want a usage error with %q", err, tt.Want)
			}
		})
	}
	// A PostgreSQL schema of its own per site is fine.
	writeProfile(t, "p.yaml", "sites:\n  - name: a\n    inputs: [x]\n    db: postgres://u@db.example/mes?options=-csearch_path%3Da\n  - name: b\n    inputs: [y]\n    db: postgres://u@db.example/mes?options=-csearch_path%3Db\n")
	b := newBoundSettings(pflag.NewFlagSet("run", pflag.ContinueOnError))
	b.runFlags()
	p, _ := quiet(t)
	sites, err := resolveSettings(runCommand, b, profileOptions{Config: "p.yaml", ParallelSites: 1}, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCollisions(runCommand, sites); err != nil {
		t.Errorf("one schema per site: %v", err)
	}
}

func TestConfigCheck(t *testing.T) {
	t.Chdir(t.TempDir())
	writeProfile(t, "p.yaml", "workers: 3\nsites:\n  - name: a\n    inputs: [in/a]\n    db: postgres://loader@db.example:5432/mes?sslmode=verify-full\n  - name: b\n    inputs: [in/b]\n    db: sqlite:b.db\n    no_header: true\n")
	t.Setenv("SIFTLOAD_WORKERS", "5")
	t.Setenv(config.PasswordEnv, "SeCr3t-xyz")
	var stdout bytes.Buffer
	p, stderr := quiet(t)
	if err := runConfigCheck(&stdout, p, "p.yaml"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	got := stdout.String()
	for _, want := range []string{
		"a valid profile of 2 sites",
		"  - name: a # p.yaml:3:5",
		"    workers: 5 # SIFTLOAD_WORKERS",
		"    out: a.plan.csv # p.yaml:3:5",
		`    db: "postgres://loader@db.example:5432/mes?sslmode=verify-full" # p.yaml:5:5`,
		"    metric: rows # default",
		"    # password: $SIFTLOAD_DB_PASSWORD",
		"    no_header: true # p.yaml:9:5",
		"    # password: none needed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config check lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got+stderr.String(), "SeCr3t") {
		t.Errorf("config check shows the password")
	}
	// What it prints is a profile with the same settings.
	again, err := config.Parse("out.yaml", stdout.Bytes())
	if err != nil {
		t.Fatalf("the output does not parse: %v\n%s", err, got)
	}
	if again.Sites[1].NoHeader != true || again.Sites[0].Workers != 5 || again.Sites[0].DB != "postgres://loader@db.example:5432/mes?sslmode=verify-full" {
		t.Errorf("re-parsed: %+v", again.Sites)
	}

	// Invalid: exit 2 (a usage error) naming the key and line.
	writeProfile(t, "bad.yaml", "name: rgb\ninputs: [x]\nmax_bad_rows: lots\n")
	p, _ = quiet(t)
	err = execute(t.Context(), p, []string{"config", "check", "bad.yaml"})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "bad.yaml:3:15: max_bad_rows: want a whole number") {
		t.Errorf("invalid profile: %v", err)
	}
	p, _ = quiet(t)
	if err := execute(t.Context(), p, []string{"config", "check"}); !errors.Is(err, ErrUsage) {
		t.Errorf("no FILE: %v", err)
	}
}

// TestUnknownEnvWarns: a mistyped SIFTLOAD_ variable is reported rather
// than silently ignored.
func TestUnknownEnvWarns(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZip(t, "site/s.zip", map[string]string{"a.csv": "h\n1\n"})
	t.Setenv("SIFTLOAD_WROKERS", "2")
	p, out := quiet(t)
	if err := execute(t.Context(), p, []string{"analyze", "site"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "warning: SIFTLOAD_WROKERS is no siftload setting") {
		t.Errorf("no warning:\n%s", out)
	}
}

// TestReadmeProfiles: the README's example of several sites is a valid
// profile.
func TestReadmeProfiles(t *testing.T) {
	t.Parallel()
	readme := readFile(t, "../../README.md")
	_, block, ok := strings.Cut(readme, "  ```yaml\n  workers: 4\n")
	block, _, ok2 := strings.Cut(block, "  ```\n")
	if !ok || !ok2 {
		t.Fatal("README lacks the example of several sites")
	}
	lines := strings.Split("  workers: 4\n"+block, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "  ")
	}
	text := strings.Join(lines, "\n")
	p, err := config.Parse("README.md", []byte(text))
	if err != nil {
		t.Fatalf("README's sites example: %v\n%s", err, text)
	}
	if len(p.Sites) != 2 || p.Sites[1].Name != "cmy" || p.Sites[1].PasswordFile != "/run/secrets/siftload-db" || p.Sites[0].Workers != 4 {
		t.Errorf("README's sites example parses to %+v", p.Sites)
	}
}
