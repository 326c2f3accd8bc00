package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/testenv"
)

// write7z writes a stored 7z archive of one member at path with the 7z
// command, and returns its bytes. Without a 7z command the test skips,
// or fails when SIFTLOAD_TEST_DISALLOW_SKIP is set.
func write7z(t *testing.T, path, member, data string) []byte {
	t.Helper()
	var tool string
	for _, name := range []string{"7z", "7zz", "7za"} {
		if p, err := exec.LookPath(name); err == nil {
			tool = p
			break
		}
	}
	if tool == "" {
		testenv.Skip(t, "no 7z command (Debian: apt-get install 7zip)")
	}
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, member), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, "a", "-bd", "-mx0", abs, member)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorruptVersionIsNeverChosen: the newer snapshot's copy of a key has
// one changed byte (its row count is the same, so it would win the tie).
// Its 7z CRC fails at the end of the member: it is a problem, not a
// candidate, and the plan takes the sound older copy.
func TestCorruptVersionIsNeverChosen(t *testing.T) {
	t.Chdir(t.TempDir())
	data := "id,v\n1,100\n2,200\n3,300\n"
	write7z(t, "site/2023-01.7z", "L.csv", data)
	b := write7z(t, "site/2023-02.7z", "L.csv", data)
	i := bytes.Index(b, []byte("2,200"))
	b[i+2] = '9' // 2,900: the same rows, other data
	if err := os.WriteFile("site/2023-02.7z", b, 0o644); err != nil {
		t.Fatal(err)
	}
	p, out := quiet(t)
	err := execute(t.Context(), p, []string{"analyze", "site", "--out", "plan.csv", "--candidates", "cands.csv"})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("analyze: %v, want problems\n%s", err, out)
	}
	src, _ := planOf(t, "site")
	if got, want := src["L.csv"], "site/2023-01.7z!/L.csv"; got != want {
		t.Errorf("plan chose %s, want %s", got, want)
	}
	if c := readFile(t, "cands.csv"); strings.Contains(c, "2023-02") {
		t.Errorf("the corrupt version is a candidate:\n%s", c)
	}
	if pr := readFile(t, "plan.problems.csv"); !strings.Contains(pr, "site/2023-02.7z!/L.csv") || !strings.Contains(pr, "checksum mismatch (7z CRC32") {
		t.Errorf("problems:\n%s", pr)
	}
}
