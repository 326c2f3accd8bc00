package cli

import "syscall"

// pseudoFS reports whether path lies on procfs or sysfs, whose files
// stat as regular but hold the machine's state (a process's environment).
func pseudoFS(path string) bool {
	const (
		procMagic  = 0x9fa0
		sysfsMagic = 0x62656572
	)
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == procMagic || st.Type == sysfsMagic
}
