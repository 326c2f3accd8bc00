//go:build !linux

package analysis

import "io/fs"

// fileIdentity returns "": beyond size and modification time, only Linux
// is asked (see identity_linux.go).
func fileIdentity(fs.FileInfo) string { return "" }
