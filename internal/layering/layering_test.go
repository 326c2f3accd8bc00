package layering

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/siftload/siftload"

// moduleEdges returns the imports between the module's packages, of their
// non-test code, as `go list` reports them for goos.
func moduleEdges(t *testing.T, goos string) []Edge {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{if .GoFiles}}{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{end}}`, module+"/...")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var edges []Edge
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		from, ok := strings.CutPrefix(f[0], module+"/")
		if !ok {
			t.Fatalf("go list names %s, outside the module", f[0])
		}
		for _, imp := range f[1:] {
			if to, ok := strings.CutPrefix(imp, module+"/"); ok {
				edges = append(edges, Edge{from, to})
			}
		}
	}
	if len(edges) == 0 {
		t.Fatal("go list reported no imports between the module's packages")
	}
	return edges
}

// TestModuleLayering checks the module's imports, for the systems the
// binary is built for, against the rules of the package doc.
func TestModuleLayering(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to list the imports: %v", err)
	}
	for _, goos := range []string{"linux", "windows"} {
		t.Run(goos, func(t *testing.T) {
			t.Parallel()
			wrong, stale := Check(moduleEdges(t, goos))
			for _, w := range wrong {
				t.Errorf("wrong import %s", w)
			}
			for _, e := range stale {
				t.Errorf("known exception %s is gone: remove it from layering.Exceptions", e)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		Name      string
		Edges     []Edge
		Wrong     []string // substrings of the messages, one per wrong edge
		WantStale bool
	}{{
		Name: "Allowed",
		Edges: []Edge{
			{"cmd/siftload", "internal/cli"},
			{"internal/cli", "internal/load"},
			{"internal/cli", "internal/sink/all"},
			{"internal/cli", "internal/ui"},
			{"internal/queue", "internal/analysis"},
			{"internal/load", "internal/sink"},
			{"internal/load", "internal/record"},
			{"internal/record", "internal/rowcount"},
			{"internal/sink", "internal/schema"},
			{"internal/sink/all", "internal/sink/postgres"},
			{"internal/sink/postgres", "internal/sink"},
			{"internal/sink/postgres", "internal/sink/sqlsink"},
			{"internal/sink/sqlsink", "internal/schema"},
			{"internal/sink/sinktest", "internal/sink"},
			{"bench/gen", "internal/sitegen"},
			{"release/gendocs", "internal/cli"},
		},
		WantStale: true,
	}, {
		Name:  "Exceptions",
		Edges: slices.Clone(Exceptions),
	}, {
		Name:      "Upward",
		Edges:     []Edge{{"internal/archive", "internal/load"}, {"internal/load", "internal/cli"}, {"internal/cli", "cmd/siftload"}},
		Wrong:     []string{"layer 3 imports layer 2", "layer 2 imports layer 1", "layer 1 imports layer 0"},
		WantStale: true,
	}, {
		Name: "SinkImportsMore",
		Edges: []Edge{
			{"internal/sink/oracle", "internal/plan"},
			{"internal/sink/sqlite", "internal/sink/postgres"},
			{"internal/sink/sqlsink", "internal/archive"},
			{"internal/sink", "internal/plan"},
		},
		Wrong:     []string{"a sink imports only", "only the registry", "the SQL toolkit imports only", "the sink contract imports only"},
		WantStale: true,
	}, {
		Name:      "DriverOutsideRegistry",
		Edges:     []Edge{{"internal/load", "internal/sink/sqlite"}, {"internal/cli", "internal/sink/postgres"}, {"internal/load", "internal/sink/all"}},
		Wrong:     []string{"only the registry", "only the registry", "only internal/cli imports the sink registry"},
		WantStale: true,
	}, {
		Name:      "ArchiveImportsSink",
		Edges:     []Edge{{"internal/archive", "internal/sink"}},
		Wrong:     []string{"archive does not import sink"},
		WantStale: true,
	}, {
		Name:      "TestHelper",
		Edges:     []Edge{{"internal/load", "internal/sink/sinktest"}, {"internal/cli", "internal/testenv"}},
		Wrong:     []string{"for tests only", "for tests only"},
		WantStale: true,
	}, {
		Name:      "Unplaced",
		Edges:     []Edge{{"internal/util", "internal/plan"}, {"internal/cli", "internal/common"}},
		Wrong:     []string{"internal/util is in no layer", "internal/common is in no layer"},
		WantStale: true,
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			wrong, stale := Check(tt.Edges)
			if len(wrong) != len(tt.Wrong) {
				t.Fatalf("Check found %d wrong imports, want %d:\n%s", len(wrong), len(tt.Wrong), strings.Join(wrong, "\n"))
			}
			for _, w := range tt.Wrong {
				if !slices.ContainsFunc(wrong, func(m string) bool { return strings.Contains(m, w) }) {
					t.Errorf("no message says %q:\n%s", w, strings.Join(wrong, "\n"))
				}
			}
			// With no exceptions left, none can be stale.
			if got, want := len(stale) > 0, tt.WantStale && len(Exceptions) > 0; got != want {
				t.Errorf("stale exceptions %v, want some: %t", stale, want)
			}
		})
	}
}
