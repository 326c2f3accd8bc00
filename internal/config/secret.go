package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"strings"
)

// PasswordHelp says where a password belongs. Messages that refuse a
// password end with it.
const PasswordHelp = "give the password in the environment variable " + PasswordEnv +
	", in a file named by password_file (--password-file; others may not read it), " +
	"or type it at the prompt siftload shows on a terminal"

// ErrPasswordInURL is returned for a database URL that holds a password.
var ErrPasswordInURL = errors.New("the database URL holds a password: remove it, and " + PasswordHelp)

// CheckURL returns ErrPasswordInURL when dsn holds a password (in its user
// information, or a query parameter whose name holds "password", as
// password= or sslpassword=), and an error for a URL that does not parse.
// Neither error repeats dsn.
func CheckURL(dsn string) error {
	if dsn == "" {
		return nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url's error quotes the URL, and the password with it.
		return errors.New("the database URL does not parse (check its %-escapes and characters)")
	}
	if _, set := u.User.Password(); set {
		return ErrPasswordInURL
	}
	query := u.RawQuery
	if u.Opaque != "" {
		// "sqlite:x.db?password=..." parses as opaque "x.db" + query
		// already; an opaque part with a "?" inside is checked too.
		if _, q, ok := strings.Cut(u.Opaque, "?"); ok {
			query = q + "&" + query
		}
	}
	for _, kv := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if strings.Contains(strings.ToLower(k), "password") {
			return ErrPasswordInURL
		}
	}
	return nil
}

// Redactor removes any secret from a database URL, fit for printing: the
// CLI passes the sink registry (sink.Registry.Redact), so that this
// package knows no database and links no driver.
type Redactor interface {
	Redact(dsn string) string
}

// Redact returns s with the database URL redacted by r, fit for printing.
// The other settings hold no secret: password_file is a path.
func (s Settings) Redact(r Redactor) Settings {
	s.DB = r.Redact(s.DB)
	return s
}

// maxPasswordFile bounds what ReadPasswordFile reads.
const maxPasswordFile = 64 << 10

// ReadPasswordFile returns the password in the file path: its content less
// one trailing newline ("\n" or "\r\n"). On Unix the file must give others
// no access at all; its group may read it (mode 0600, 0640, 0440 or 0400:
// a Kubernetes secret volume with defaultMode 0440 and fsGroup, or 0400; a
// Docker secret with mode 0400). Errors never hold the content.
func ReadPasswordFile(path string) (string, error) {
	fi, err := os.Stat(path) // follows symbolic links, as secret volumes use
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("password file %s is not a regular file", path)
	}
	// World access is refused; group read is allowed, because a
	// Kubernetes secret volume is group-readable (mode 0440 with fsGroup)
	// for a container that does not run as root.
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o007 != 0 {
		return "", fmt.Errorf("password file %s may be read by others (mode %04o): make it readable by its owner or group only (chmod 600 %s; Kubernetes: defaultMode 0440 with fsGroup, or 0400; Docker: mode 0400)", path, perm, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPasswordFile+1))
	if err != nil {
		return "", fmt.Errorf("password file %s: read failed", path)
	}
	if len(b) > maxPasswordFile {
		return "", fmt.Errorf("password file %s is larger than %d bytes: is it the right file?", path, maxPasswordFile)
	}
	pw := string(b)
	if strings.HasSuffix(pw, "\r\n") {
		pw = pw[:len(pw)-2]
	} else {
		pw = strings.TrimSuffix(pw, "\n")
	}
	if pw == "" {
		return "", fmt.Errorf("password file %s is empty", path)
	}
	return pw, nil
}
