package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		Name    string
		Input   string
		WantErr error // nil: valid
	}{
		{Name: "Postgres", Input: "postgres://loader@db.example:5432/mes?sslmode=verify-full"},
		{Name: "SQLite", Input: "sqlite:rgb.db?busy_timeout=30s"},
		{Name: "Oracle", Input: "oracle://loader@db:1521/svc?SSL=true"},
		// SQLite paths are taken as written (a Windows path, spaces, %, #).
		{Name: "SQLiteOddPath", Input: `sqlite:C:\Program Files\50% #1.db`},
		{Name: "SQLiteLongPath", Input: `sqlite:\\?\C:\runs\x.db`},
		{Name: "UserInfo", Input: "postgres://loader:SeCr3t-xyz@db/mes", WantErr: ErrPasswordInURL},
		{Name: "EmptyPassword", Input: "postgres://loader:@db/mes", WantErr: ErrPasswordInURL},
		{Name: "Param", Input: "postgres://loader@db/mes?sslmode=require&password=SeCr3t-xyz", WantErr: ErrPasswordInURL},
		{Name: "ParamCase", Input: "oracle://loader@db/svc?PASSWORD=SeCr3t-xyz", WantErr: ErrPasswordInURL},
		{Name: "EscapedParam", Input: "postgres://loader@db/mes?pass%77ord=SeCr3t-xyz", WantErr: ErrPasswordInURL},
		{Name: "SSLPassword", Input: "postgres://loader@db/mes?sslpassword=SeCr3t-xyz", WantErr: ErrPasswordInURL},
		{Name: "OpaqueParam", Input: "sqlite:x.db?password=SeCr3t-xyz", WantErr: ErrPasswordInURL},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			err := CheckURL(tt.Input)
			if !errors.Is(err, tt.WantErr) || (tt.WantErr == nil) != (err == nil) {
				t.Errorf("CheckURL(%q) = %v, want %v", tt.Input, err, tt.WantErr)
			}
			if err != nil && strings.Contains(err.Error(), "SeCr3t") {
				t.Errorf("error repeats the password: %v", err)
			}
		})
	}
	err := CheckURL("postgres://loader:SeCr3t%zz@db/mes")
	if err == nil || strings.Contains(err.Error(), "SeCr3t") {
		t.Errorf("unparsable URL: %v", err)
	}
	for _, w := range []string{PasswordEnv, "password_file", "prompt"} {
		if !strings.Contains(ErrPasswordInURL.Error(), w) {
			t.Errorf("the refusal does not explain %s: %v", w, ErrPasswordInURL)
		}
	}
}

// upperRedactor is a Redactor that shows what it was given, in upper case.
type upperRedactor struct{}

func (upperRedactor) Redact(dsn string) string { return strings.ToUpper(dsn) }

func TestRedact(t *testing.T) {
	s := Settings{Import: Import{DB: "postgres://loader@db/mes"}, Analysis: Analysis{Out: "x.csv"}}
	r := s.Redact(upperRedactor{})
	if r.DB != "POSTGRES://LOADER@DB/MES" || r.Out != "x.csv" || s.DB != "postgres://loader@db/mes" {
		t.Errorf("Redact: %+v (from %+v)", r, s)
	}
}

func writeSecret(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db-password")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadPasswordFile(t *testing.T) {
	tests := []struct {
		Name    string
		Content string
		Mode    os.FileMode
		Want    string
		WantErr string
	}{
		{Name: "Plain", Content: "SeCr3t-xyz", Mode: 0o600, Want: "SeCr3t-xyz"},
		{Name: "Newline", Content: "SeCr3t-xyz\n", Mode: 0o400, Want: "SeCr3t-xyz"},
		{Name: "CRLF", Content: "SeCr3t-xyz\r\n", Mode: 0o600, Want: "SeCr3t-xyz"},
		{Name: "OneNewlineOnly", Content: "SeCr3t-xyz\n\n", Mode: 0o600, Want: "SeCr3t-xyz\n"},
		{Name: "Spaces", Content: " SeCr3t xyz \n", Mode: 0o600, Want: " SeCr3t xyz "},
		{Name: "Empty", Content: "\n", Mode: 0o600, WantErr: "is empty"},
		{Name: "WorldReadable", Content: "SeCr3t-xyz\n", Mode: 0o644, WantErr: "may be read by others (mode 0644)"},
		{Name: "WorldOnly", Content: "SeCr3t-xyz\n", Mode: 0o604, WantErr: "chmod 600"},
		{Name: "KubernetesFSGroup", Content: "SeCr3t-xyz\n", Mode: 0o440, Want: "SeCr3t-xyz"},
		{Name: "GroupReadable", Content: "SeCr3t-xyz\n", Mode: 0o640, Want: "SeCr3t-xyz"},
		// PowerShell 5's echo pw > file writes UTF-16LE with a BOM and CRLF.
		{Name: "PowerShellUTF16LE", Content: "\xff\xfeS\x00e\x00C\x00r\x003\x00t\x00\r\x00\n\x00", Mode: 0o600, Want: "SeCr3t"},
		{Name: "UTF16BE", Content: "\xfe\xff\x00S\x00e\x00C\x00r\x003\x00t\x00\n", Mode: 0o600, Want: "SeCr3t"},
		{Name: "UTF16NonASCII", Content: "\xff\xfeS\x00\xe9\x00\x3d\xd8\x00\xde", Mode: 0o600, Want: "S\u00e9\U0001F600"},
		{Name: "UTF16Cut", Content: "\xff\xfeS\x00e", Mode: 0o600, WantErr: "cut in the middle"},
		{Name: "UTF16Empty", Content: "\xff\xfe\r\x00\n\x00", Mode: 0o600, WantErr: "is empty"},
		// PowerShell 7's Out-File -Encoding utf8BOM, Notepad's "UTF-8 with BOM".
		{Name: "UTF8BOM", Content: "\xef\xbb\xbfSeCr3t-xyz\r\n", Mode: 0o600, Want: "SeCr3t-xyz"},
		{Name: "TooLarge", Content: strings.Repeat("x", maxPasswordFile+1), Mode: 0o600, WantErr: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if runtime.GOOS == "windows" && tt.Mode&0o007 != 0 {
				t.Skip("Windows has no Unix modes")
			}
			got, err := ReadPasswordFile(writeSecret(t, tt.Content, tt.Mode))
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("err = %v, want %q", err, tt.WantErr)
				}
				if strings.Contains(err.Error(), "SeCr3t") {
					t.Errorf("error holds the password: %v", err)
				}
				return
			}
			if err != nil || got != tt.Want {
				t.Errorf("ReadPasswordFile = %q, %v; want %q", got, err, tt.Want)
			}
		})
	}
	if _, err := ReadPasswordFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	if _, err := ReadPasswordFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	// A symbolic link, as Kubernetes mounts secrets, is judged by its target.
	target := writeSecret(t, "SeCr3t-xyz\n", 0o400)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(target, link); err == nil {
		if got, err := ReadPasswordFile(link); err != nil || got != "SeCr3t-xyz" {
			t.Errorf("symlink: %q, %v", got, err)
		}
	}
}
