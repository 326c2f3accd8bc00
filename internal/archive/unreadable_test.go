//go:build unix

package archive

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// unreadableDirEnv, when set, makes TestWalkUnreadableDir check the tree
// in that directory instead of making one: the child process of the
// test, run as another user (see below).
const unreadableDirEnv = "SIFTLOAD_TEST_UNREADABLE_DIR"

// TestWalkUnreadableDir checks that a subdirectory that cannot be read,
// and a file that cannot be examined, are problems of their own and do
// not stop the listing or the walk of the rest.
//
// Permissions are real (chmod 000 and 0644 on directories). Root reads
// through them, and tests run as root here: then the test runs itself
// again, as a process of the user nobody (uid 65534), which it may start
// as root, on the tree it made; the child's verdict is the test's. There
// is no seam in the code under test.
func TestWalkUnreadableDir(t *testing.T) {
	if dir := os.Getenv(unreadableDirEnv); dir != "" {
		checkUnreadableDir(t, dir)
		return
	}
	root := t.TempDir()
	dir := filepath.Join(root, "tree")
	writeTree(t, dir, []file{
		{Path: "site/a.csv", Data: []byte(csv1)},
		{Path: "site/locked/b.csv", Data: []byte(csv1)},
		{Path: "site/listonly/c.csv", Data: []byte(csv1)},
		{Path: "site/z/d.csv", Data: []byte(csv1)},
	})
	for p, mode := range map[string]os.FileMode{"site/locked": 0, "site/listonly": 0o644} {
		p := filepath.Join(dir, p)
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(p, 0o755) })
	}
	if os.Geteuid() != 0 {
		checkUnreadableDir(t, dir)
		return
	}

	// As root: the same checks in a process of nobody's.
	bin := filepath.Join(root, "archive.test")
	copyExecutable(t, bin)
	for _, p := range []string{filepath.Dir(root), root} { // t.TempDir's are 0700
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-test.run=^TestWalkUnreadableDir$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), unreadableDirEnv+"="+dir)
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestWalkUnreadableDir") {
		t.Fatalf("as uid 65534: %v\n%s", err, out)
	}
}

// copyExecutable copies the running test binary to dst, executable by all.
func copyExecutable(t *testing.T, dst string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkUnreadableDir lists and walks the tree made by
// TestWalkUnreadableDir in dir.
func checkUnreadableDir(t *testing.T, dir string) {
	t.Chdir(dir)
	if _, err := os.ReadDir("site/locked"); err == nil {
		t.Fatalf("uid %d reads a directory of mode 000: the test cannot work", os.Geteuid())
	}
	ins, err := Expand(t.Context(), []string{"site"})
	if err != nil {
		t.Fatalf("Expand: %v", err)
	}
	var listed []string
	for _, in := range ins {
		listed = append(listed, in.Source)
	}
	if want := []string{"site/a.csv", "site/listonly/c.csv", "site/locked", "site/z/d.csv"}; !reflect.DeepEqual(listed, want) {
		t.Errorf("Expand listed %q, want %q", listed, want)
	}
	r := &recorder{}
	w := Walker{Problem: r.problem, Stats: new(Stats)}
	if err := w.Walk(t.Context(), ins, r.fn); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	want := []got{{"site/a.csv", "a.csv", 12, 0, csv1}, {"site/z/d.csv", "z/d.csv", 12, 0, csv1}}
	if got := r.sortedEntries(); !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\ngot  %v\nwant %v", got, want)
	}
	r.checkProblems(t, []wantProblem{
		{"site/locked", "unreadable directory, its files are not analyzed: open site/locked: permission denied"},
		{"site/listonly/c.csv", "permission denied"},
	})
}
