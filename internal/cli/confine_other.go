//go:build !linux

package cli

// pseudoFS reports false: only Linux has procfs files that stat as
// regular.
func pseudoFS(string) bool { return false }
