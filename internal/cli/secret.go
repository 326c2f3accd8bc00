package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/all"
	"github.com/siftload/siftload/internal/ui"
)

const secretsHelp = `SECRETS AND TLS
  The database password is never a flag, part of the URL or in a profile
  (each is refused). It comes from --password-file FILE (password_file: in
  a profile), a file others may not read; from the environment
  variable ` + config.PasswordEnv + `; or from a prompt that does not echo,
  when stdin is a terminal and the URL names a user. A --password-file flag
  wins over the variable, which wins over a password_file from
  SIFTLOAD_PASSWORD_FILE or the profile. SQLite needs none.

  ` + shellsHelp + `

  On Windows a password file's access list must not let Everyone, Users or
  Authenticated Users read it (icacls pw.txt /inheritance:r /grant:r
  "%USERNAME%:R"); UTF-16 files, as PowerShell's echo pw > pw.txt writes,
  are read too.

  Connections to any host but loopback use TLS and verify the server's
  certificate: --ca-file FILE names the CA certificates (PEM), --cert-file
  and --key-file a client certificate. --insecure-no-tls allows plain text;
  it prints a WARNING every time.
`

// shellsHelp shows how each shell sets an environment variable.
const shellsHelp = `Setting a variable: export ` + config.PasswordEnv + `=... (sh, bash),
  set ` + config.PasswordEnv + `=... (cmd.exe), $env:` + config.PasswordEnv + ` = '...'
  (PowerShell).
`

// secret is a password. It formats as [redacted] with every verb, so that
// printing a struct that holds one does not show it.
type secret string

// Format writes [redacted].
func (secret) Format(f fmt.State, _ rune) { io.WriteString(f, "[redacted]") }

// scrub returns err with the password replaced by [redacted] in its
// message, for errors of drivers that might quote it. errors.Is and As
// still see err's chain.
func (s secret) scrub(err error) error {
	if err == nil || s == "" || !strings.Contains(err.Error(), string(s)) {
		return err
	}
	return &scrubbedError{err: err, pw: string(s)}
}

type scrubbedError struct {
	err error
	pw  string
}

func (e *scrubbedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.pw, "[redacted]") }
func (e *scrubbedError) Unwrap() error { return e.err }

// account says whether the database of dsn takes a password and names
// the user and server a prompt asks about ("" when dsn names no user: no
// prompt is worth showing); see sink.Factory.Account. An unknown database
// takes none.
func account(dsn string) (takesPassword bool, key string) {
	f, err := all.Registry().Lookup(dsn)
	if err != nil {
		return false, ""
	}
	return f.Account(dsn)
}

// resolveConnections sets every site's password and checks its TLS
// settings, before anything runs (so that prompts come one after another
// even for sites run in parallel). prompt == nil only describes where the
// password would come from (config check); otherwise a database that needs
// a password with no other source gets one from prompt, asked once per
// user and server.
func resolveConnections(p *ui.Printer, sites []*siteRun, prompt func(string) (string, bool, error)) error {
	var asked *passwordPrompt
	if prompt != nil {
		asked = newPasswordPrompt(prompt)
	}
	for _, s := range sites {
		if err := resolveConnection(p, s, prompt, asked); err != nil {
			return s.wrap(err)
		}
	}
	return nil
}

func resolveConnection(p *ui.Printer, s *siteRun, prompt func(string) (string, bool, error), asked *passwordPrompt) error {
	imp := &s.imp
	defer func() { imp.pwFrom = s.pwFrom }() // for -v
	shown := all.Registry().Redact(imp.DB)
	if imp.InsecureNoTLS {
		p.Errorf("WARNING: insecure_no_tls is set (%s): the connection to %s may be plain text, which anyone on the network can read and change, the password included; use TLS with --ca-file instead",
			s.where("insecure_no_tls"), shown)
	}
	// Unsafe settings of the URL itself (Oracle's SSL VERIFY=false).
	if f, err := all.Registry().Lookup(imp.DB); err == nil {
		if w, ok := f.(sink.Warner); ok {
			for _, m := range w.Warnings(imp.DB) {
				p.Errorf("WARNING: %s: %s", shown, m)
			}
		}
	}
	if (imp.CertFile == "") != (imp.KeyFile == "") {
		key := "cert_file"
		if imp.CertFile == "" {
			key = "key_file"
		}
		return usagef("%s: a client certificate needs both cert_file and key_file", s.where(key))
	}
	for _, f := range []struct{ key, path string }{{"ca_file", imp.CAFile}, {"cert_file", imp.CertFile}, {"key_file", imp.KeyFile}} {
		key, path := f.key, f.path
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s: %w", s.where(key), err)
		}
	}

	takesPassword, key := account(imp.DB)
	if !takesPassword {
		s.pwFrom = "none needed"
		if imp.PasswordFile != "" {
			p.Verbosef("%s: ignored: %s takes no password", s.where("password_file"), shown)
		}
		return nil
	}
	fileOrigin := s.eff.Origins["password_file"]
	env, envSet := os.LookupEnv(config.PasswordEnv)
	fromFile := func() error {
		pw, err := config.ReadPasswordFile(imp.PasswordFile)
		if err != nil {
			return fmt.Errorf("%s: %w", s.where("password_file"), err)
		}
		imp.Password = secret(pw)
		s.pwFrom = "the file " + imp.PasswordFile + " (" + s.where("password_file") + ")"
		return nil
	}
	switch {
	case imp.PasswordFile != "" && fileOrigin.Kind == config.FromFlag:
		return fromFile()
	case envSet:
		// Set but empty: no password, and no prompt.
		imp.Password = secret(env)
		s.pwFrom = "$" + config.PasswordEnv
		if env == "" {
			s.pwFrom += " (set but empty: no password)"
		}
		return nil
	case imp.PasswordFile != "":
		return fromFile()
	}
	if key == "" {
		s.pwFrom = "none given (the URL names no user)"
		return nil
	}
	if imp.NoPassword {
		s.pwFrom = "none (" + s.where("no_password") + ")"
		return nil
	}
	s.pwFrom = "none, or a prompt when the server asks for one and stdin is a terminal"
	if prompt != nil {
		imp.ask = asked
	}
	return nil
}

// passwordPrompt asks for passwords on the terminal, once per user and
// server, one prompt at a time (sites run in parallel share it).
type passwordPrompt struct {
	mu     sync.Mutex
	prompt func(string) (string, bool, error)
	asked  map[string]secret // by account (see sink.Factory.Account)
	ok     map[string]bool
}

func newPasswordPrompt(prompt func(string) (string, bool, error)) *passwordPrompt {
	return &passwordPrompt{prompt: prompt, asked: map[string]secret{}, ok: map[string]bool{}}
}

// password asks for the password of account, which shown names; ok is
// false when stdin is no terminal.
func (pp *passwordPrompt) password(account, shown string) (pw secret, ok bool, err error) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pw, done := pp.asked[account]; done {
		return pw, pp.ok[account], nil
	}
	typed, ok, err := pp.prompt(fmt.Sprintf("Password for %s: ", shown))
	if err != nil {
		return "", false, err
	}
	pp.asked[account], pp.ok[account] = secret(typed), ok
	return secret(typed), ok, nil
}
