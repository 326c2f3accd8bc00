package cli

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuildInfo(t *testing.T) {
	tests := []struct {
		Name  string
		Input *debug.BuildInfo
		Want  []string // lines the text must hold
	}{{
		Name:  "NoBuildInfo",
		Input: nil,
		Want:  []string{"siftload (devel)", "revision  unknown", "go        " + runtime.Version(), "platform  " + runtime.GOOS + "/" + runtime.GOARCH},
	}, {
		Name: "Stamped",
		Input: &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-11-29T20:00:00Z"}, {Key: "vcs.modified", Value: "true"},
		}},
		Want: []string{"siftload v1.2.3", "revision  0123456789abcdef (modified)", "time      2026-11-29T20:00:00Z", "go        go1.99.1"},
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got := readBuildInfo(tt.Input).String()
			for _, w := range tt.Want {
				if !strings.Contains(got, w) {
					t.Errorf("readBuildInfo(%s):\n%s\nwant a line with %q", tt.Name, got, w)
				}
			}
		})
	}
}

// TestVersionCommand: "version" and "--version" print the same fields to
// standard output.
func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		p, _ := quiet(t)
		root := newRootCommand(p, defaultDeps())
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs(args)
		if err := root.ExecuteContext(t.Context()); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		for _, w := range []string{"siftload ", "revision ", "go        go1.", "platform  " + runtime.GOOS + "/" + runtime.GOARCH} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q printed:\n%s\nwant a line with %q", args, out.String(), w)
			}
		}
	}
}
