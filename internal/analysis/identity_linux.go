package analysis

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileIdentity returns what else than size and modification time tells
// one file from another where the system says it: the device, the inode
// and the change time, which a replacement (cp -p, rsync -t, mv) changes
// even when it keeps the size and the modification time.
func fileIdentity(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("dev %d ino %d ctime %d.%09d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
}
