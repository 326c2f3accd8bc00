//go:build !windows

package config

import (
	"fmt"
	"os"
)

// checkSecretAccess refuses a password file that others may access. World
// access is refused; group read is allowed, because a Kubernetes secret
// volume is group-readable (mode 0440 with fsGroup) for a container that
// does not run as root.
func checkSecretAccess(path string, fi os.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o007 != 0 {
		return fmt.Errorf("password file %s may be read by others (mode %04o): make it readable by its owner or group only (chmod 600 %s; Kubernetes: defaultMode 0440 with fsGroup, or 0400; Docker: mode 0400)", path, perm, path)
	}
	return nil
}
