package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// BuildInfo is what "siftload version" prints: the version, the VCS
// revision and time the binary was built from (when the build recorded
// them), the Go version and the platform.
type BuildInfo struct {
	Version  string
	Revision string // "" when the build recorded none
	Time     string // commit time, RFC 3339; "" when none
	Modified bool   // the work tree had uncommitted changes
	Go       string
	Platform string // GOOS/GOARCH
}

// readBuildInfo returns the BuildInfo of this binary from bi (nil: none).
func readBuildInfo(bi *debug.BuildInfo) BuildInfo {
	b := BuildInfo{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if b.Version == "" && bi.Main.Version != "" {
			b.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			b.Go = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	return b
}

// String is the text of "siftload version": one field a line.
func (b BuildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "siftload %s\n", b.Version)
	rev := b.Revision
	switch {
	case rev == "":
		rev = "unknown (built without VCS information)"
	case b.Modified:
		rev += " (modified)"
	}
	fmt.Fprintf(&s, "  revision  %s\n", rev)
	if b.Time != "" {
		fmt.Fprintf(&s, "  time      %s\n", b.Time)
	}
	fmt.Fprintf(&s, "  go        %s\n", b.Go)
	fmt.Fprintf(&s, "  platform  %s\n", b.Platform)
	return s.String()
}

// buildInfo returns the running binary's BuildInfo.
func buildInfo() BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return readBuildInfo(bi)
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision, Go version and platform",
		Long: `Version prints siftload's version, the VCS revision and commit time the
binary was built from (from Go's build information, or "unknown" for a
build without it), the Go version it was built with, and its OS/arch, to
standard output. "siftload --version" prints the same.
` + exitStatus,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), buildInfo())
			return err
		},
	}
}
