package deploy_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeSlurm puts sbatch, scancel and squeue on a PATH of their own. The
// fake sbatch appends its arguments (one call a line) and the DB of its
// environment to dir/sbatch.log and answers job IDs 11, 12, ...; its call
// number failAt (from 1; 0 never) fails. scancel appends its arguments to
// dir/scancel.log; squeue lists no jobs.
func fakeSlurm(t *testing.T, failAt int) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{
		"sbatch": `n=$(( $(cat "$FAKE/n" 2>/dev/null || echo 0) + 1 )); echo $n >"$FAKE/n"
echo "$*" >>"$FAKE/sbatch.log"
echo "DB=${DB:-}" >>"$FAKE/env.log"
if [ "$n" = "$FAIL_AT" ]; then echo "sbatch: error: Invalid partition name specified" >&2; exit 1; fi
echo "$((10 + n));cluster"`,
		"scancel": `echo "$*" >>"$FAKE/scancel.log"`,
		"squeue":  `true`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/bash\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"FAKE="+dir, "FAIL_AT="+strconv.Itoa(failAt), "WAIT=0")
	return dir, env
}

func runSubmit(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	cmd := exec.Command("bash", append([]string{"slurm/submit.sh"}, args...)...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

func fileText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// TestSubmitFailedSubmission checks that a submission that fails cancels
// the jobs submitted before it and names them.
func TestSubmitFailedSubmission(t *testing.T) {
	tests := []struct {
		Name        string
		FailAt      int
		WantCancels string // scancel.log
		WantOut     string
	}{
		{Name: "Analysis", FailAt: 1, WantCancels: "", WantOut: "sbatch of the analyze job: sbatch: error: Invalid partition"},
		{Name: "Merge", FailAt: 2, WantCancels: "11\n", WantOut: "cancelled job 11 (analyze)"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir, env := fakeSlurm(t, tt.FailAt)
			out, err := runSubmit(t, env, t.TempDir(), filepath.Join(dir, "work"))
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("submit.sh = %v, want exit status 1\n%s", err, out)
			}
			if !strings.Contains(out, tt.WantOut) {
				t.Errorf("submit.sh said:\n%s\nwant %q in it", out, tt.WantOut)
			}
			if got := fileText(t, filepath.Join(dir, "scancel.log")); got != tt.WantCancels {
				t.Errorf("scancel calls = %q, want %q", got, tt.WantCancels)
			}
		})
	}
}

// TestSubmitSettings checks the sbatch options that submit.sh derives
// from its environment, the fresh WORK of every submission, and a
// database URL with commas that reaches the import job whole.
func TestSubmitSettings(t *testing.T) {
	tests := []struct {
		Name    string
		Env     []string
		Want    []string // in the analysis's sbatch call
		WantNot []string
	}{
		{Name: "Defaults", Want: []string{"--cpus-per-task=1", "--array=0-3 ", "--export=ALL "},
			WantNot: []string{"--mem", "--partition", "--account", "--time", "--export=ALL,"}},
		{Name: "Knobs", Env: []string{"SHARDS=6", "CPUS=2", "MEM=1500M", "PARTITION=short", "ACCOUNT=lab", "TIME=2:00:00"},
			Want: []string{"--array=0-5 ", "--cpus-per-task=2", "--mem=1500M", "--partition=short", "--account=lab", "--time=2:00:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir, env := fakeSlurm(t, 0)
			env = append(env, tt.Env...)
			site, root := t.TempDir(), filepath.Join(dir, "work")
			for range 2 {
				if out, err := runSubmit(t, env, site, root); err != nil {
					t.Fatalf("submit.sh: %v\n%s", err, out)
				}
			}
			calls := strings.Split(strings.TrimSpace(fileText(t, filepath.Join(dir, "sbatch.log"))), "\n")
			if len(calls) != 4 {
				t.Fatalf("sbatch calls:\n%s\nwant 4 (analysis and merge, twice)", strings.Join(calls, "\n"))
			}
			for _, w := range tt.Want {
				if !strings.Contains(calls[0]+" ", w) {
					t.Errorf("the analysis's sbatch call %q has no %q", calls[0], w)
				}
			}
			for _, w := range tt.WantNot {
				if strings.Contains(calls[0], w) {
					t.Errorf("the analysis's sbatch call %q has %q", calls[0], w)
				}
			}
			if !strings.Contains(calls[1], "--dependency=afterok:11 --kill-on-invalid-dep=yes") {
				t.Errorf("the merge's sbatch call %q does not wait for job 11 with --kill-on-invalid-dep=yes", calls[1])
			}
			works, _ := filepath.Glob(filepath.Join(root, "siftload-*"))
			if len(works) != 2 {
				t.Fatalf("two submissions made the directories %q, want two fresh ones", works)
			}
			if want := "--output=" + works[0] + "/logs/analyze-%A_%a.log"; !strings.Contains(calls[0], want) && !strings.Contains(calls[2], want) {
				t.Errorf("the analyses' logs are not in WORK: %q, %q", calls[0], calls[2])
			}

			// The import of the first: only a WORK with a plan, and a URL
			// with commas passed whole through the environment.
			env = append(env, "DB=postgres://u@h:5432/d?options=-c%20a=1,b=2&x=y,z", "PASSWORD_FILE=")
			if out, err := runSubmit(t, env, "--import", works[0]); err == nil || !strings.Contains(out, "no plan.csv") {
				t.Errorf("--import of a WORK without a plan: %v\n%s", err, out)
			}
			if err := os.WriteFile(filepath.Join(works[0], "plan.csv"), []byte("key\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := runSubmit(t, env, "--import", works[0]); err != nil {
				t.Fatalf("--import: %v\n%s", err, out)
			}
			envs := strings.Split(strings.TrimSpace(fileText(t, filepath.Join(dir, "env.log"))), "\n")
			if got, want := envs[len(envs)-1], "DB=postgres://u@h:5432/d?options=-c%20a=1,b=2&x=y,z"; got != want {
				t.Errorf("the import job's environment has %q, want %q", got, want)
			}
			calls = strings.Split(strings.TrimSpace(fileText(t, filepath.Join(dir, "sbatch.log"))), "\n")
			if last := calls[len(calls)-1]; strings.Contains(last, "DB=") || !strings.Contains(last, "--output="+works[0]+"/logs/import-%j.log") {
				t.Errorf("the import's sbatch call %q passes DB on the command line or logs outside WORK", last)
			}
		})
	}
}
