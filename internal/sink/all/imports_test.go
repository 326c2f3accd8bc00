package all

import (
	"os/exec"
	"strings"
	"testing"
)

// goList runs go list with format on pkg and returns its lines.
func goList(t *testing.T, format, pkg string) []string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-f", format, pkg).Output()
	if err != nil {
		t.Skipf("go list %s: %v", pkg, err) // no go command: nothing to check with
	}
	return strings.Fields(string(out))
}

// TestDriversStayInSinks checks that database knowledge stays behind this
// registry: the settings package links no driver, and the CLI reaches the
// sinks through this package only.
func TestDriversStayInSinks(t *testing.T) {
	const mod = "github.com/siftload/siftload/"
	drivers := []string{"github.com/jackc/pgx", "github.com/sijms/go-ora", "modernc.org/sqlite", mod + "internal/sink/"}
	for _, dep := range goList(t, `{{join .Deps " "}}`, mod+"internal/config") {
		for _, d := range drivers {
			if strings.HasPrefix(dep, d) {
				t.Errorf("internal/config links %s", dep)
			}
		}
	}
	for _, imp := range goList(t, `{{join .Imports " "}}`, mod+"internal/cli") {
		if strings.HasPrefix(imp, mod+"internal/sink/") && imp != mod+"internal/sink/all" {
			t.Errorf("internal/cli imports %s: reach a sink through internal/sink/all", imp)
		}
	}
}
