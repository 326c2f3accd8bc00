package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// setDACL replaces path's access list with one that grants read access to
// each of sids, inheriting nothing.
func setDACL(t testing.TB, path string, sids ...*windows.SID) {
	t.Helper()
	var entries []windows.EXPLICIT_ACCESS
	for _, sid := range sids {
		entries = append(entries, windows.EXPLICIT_ACCESS{
			AccessPermissions: windows.GENERIC_READ | windows.GENERIC_WRITE | windows.DELETE,
			AccessMode:        windows.GRANT_ACCESS,
			Trustee: windows.TRUSTEE{
				TrusteeForm:  windows.TRUSTEE_IS_SID,
				TrusteeType:  windows.TRUSTEE_IS_WELL_KNOWN_GROUP,
				TrusteeValue: windows.TrusteeValueFromSID(sid),
			},
		})
	}
	acl, err := windows.ACLFromEntries(entries, nil)
	if err != nil {
		t.Fatalf("ACLFromEntries: %v", err)
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil)
	if err != nil {
		t.Fatalf("SetNamedSecurityInfo: %v", err)
	}
}

func TestReadPasswordFileDACL(t *testing.T) {
	me, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatalf("GetTokenUser: %v", err)
	}
	tests := []struct {
		Name    string
		Group   windows.WELL_KNOWN_SID_TYPE // 0: only the owner
		WantErr string
	}{
		{Name: "OwnerOnly"},
		{Name: "Everyone", Group: windows.WinWorldSid, WantErr: "may be read by Everyone"},
		{Name: "Users", Group: windows.WinBuiltinUsersSid, WantErr: "may be read by Users"},
		{Name: "AuthenticatedUsers", Group: windows.WinAuthenticatedUserSid, WantErr: "may be read by Authenticated Users"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pw")
			if err := os.WriteFile(path, []byte("SeCr3t-xyz\r\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			sids := []*windows.SID{me.User.Sid}
			if tt.Group != 0 {
				g, err := windows.CreateWellKnownSid(tt.Group)
				if err != nil {
					t.Fatal(err)
				}
				sids = append(sids, g)
			}
			setDACL(t, path, sids...)
			got, err := ReadPasswordFile(path)
			if tt.WantErr == "" {
				if err != nil || got != "SeCr3t-xyz" {
					t.Errorf("ReadPasswordFile = %q, %v; want the password", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.WantErr) || !strings.Contains(err.Error(), "icacls") {
				t.Errorf("err = %v, want %q with the icacls fix", err, tt.WantErr)
			}
		})
	}
}
