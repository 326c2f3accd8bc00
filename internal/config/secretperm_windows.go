//go:build windows

package config

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// broadGroups are the accounts that stand for "anyone" on Windows: a
// password file that grants one of them read access is refused.
var broadGroups = []struct {
	sid  windows.WELL_KNOWN_SID_TYPE
	name string
}{
	{windows.WinWorldSid, "Everyone"},
	{windows.WinBuiltinUsersSid, "Users"},
	{windows.WinAuthenticatedUserSid, "Authenticated Users"},
}

// readRights are the access rights that let an account read a file.
const readRights = windows.FILE_READ_DATA | windows.GENERIC_READ | windows.GENERIC_ALL | windows.MAXIMUM_ALLOWED

// checkSecretAccess refuses a password file whose DACL lets Everyone,
// Users or Authenticated Users read it, or that has no DACL at all (which
// grants everyone every right).
func checkSecretAccess(path string, _ os.FileInfo) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("password file %s: read its access list: %w", path, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return fmt.Errorf("password file %s has no access list, so anyone may read it: %s", path, windowsSecretFix(path))
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return fmt.Errorf("password file %s: read its access list: %w", path, err)
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Mask&readRights == 0 {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		for _, g := range broadGroups {
			w, err := windows.CreateWellKnownSid(g.sid)
			if err != nil {
				return fmt.Errorf("password file %s: %w", path, err)
			}
			if sid.Equals(w) {
				return fmt.Errorf("password file %s may be read by %s: %s", path, g.name, windowsSecretFix(path))
			}
		}
	}
	return nil
}

func windowsSecretFix(path string) string {
	return fmt.Sprintf("let only your own account read it (icacls %q /inheritance:r /grant:r \"%%USERNAME%%:R\")", path)
}
