package config

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"unicode/utf16"
)

// PasswordHelp says where a password belongs. Messages that refuse a
// password end with it.
const PasswordHelp = "give the password in the environment variable " + PasswordEnv +
	" (sh: export " + PasswordEnv + "=...; cmd.exe: set " + PasswordEnv + "=...; PowerShell: $env:" + PasswordEnv + " = '...')" +
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
// one trailing newline ("\n" or "\r\n"). The content is UTF-8, or UTF-16
// with a byte order mark (what PowerShell's echo pw > file writes); a
// UTF-8 byte order mark is dropped. On Unix the file must give others
// no access at all; its group may read it (mode 0600, 0640, 0440 or 0400:
// a Kubernetes secret volume with defaultMode 0440 and fsGroup, or 0400; a
// Docker secret with mode 0400). On Windows its access list (DACL) must
// not let Everyone, Users or Authenticated Users read it. Errors never hold
// the content.
func ReadPasswordFile(path string) (string, error) {
	fi, err := os.Stat(path) // follows symbolic links, as secret volumes use
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("password file %s is not a regular file", path)
	}
	if err := checkSecretAccess(path, fi); err != nil {
		return "", err
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
	pw, err := decodeSecret(b)
	if err != nil {
		return "", fmt.Errorf("password file %s: %w", path, err)
	}
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

// decodeSecret returns the text of a password file's content: UTF-16 with
// a byte order mark is decoded, a UTF-8 byte order mark dropped, and any
// other content kept as it is.
func decodeSecret(b []byte) (string, error) {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		order = binary.LittleEndian
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		order = binary.BigEndian
	}
	if order == nil {
		return string(b), nil
	}
	b = b[2:]
	if len(b)%2 != 0 {
		return "", errors.New("the content is UTF-16 text cut in the middle of a character")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = order.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}
