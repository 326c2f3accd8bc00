package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
	"github.com/siftload/siftload/internal/testenv"
)

// testPassword is handed to every connection of the TLS test: no error may
// show it.
const testPassword = "S3cr3t-pw-xyz"

// TestTLS runs a throwaway PostgreSQL server with TLS on (a CA made by the
// test; hostssl connections only, and a certificate-authenticated user)
// and checks what the sink does against it: a verified connection works,
// a wrong CA, a wrong host name and plain text fail with clear errors, a
// client certificate is sent, and no error shows the password.
func TestTLS(t *testing.T) {
	ca := sinktest.NewCA(t, "siftload test CA")
	other := sinktest.NewCA(t, "siftload other CA")
	pg := startServer(t, func(dir string) serverTLS {
		crt, key := ca.Issue(t, dir, "server", false, "localhost", "127.0.0.1", "::1")
		wrongCrt, wrongKey := ca.Issue(t, dir, "wrong-host", false, "db.example")
		return serverTLS{cert: crt, key: key, ca: ca.WriteCert(t, dir, "ca.crt"), wrongCert: wrongCrt, wrongKey: wrongKey}
	})
	dir := t.TempDir()
	caFile := ca.WriteCert(t, dir, "ca.crt")
	otherCA := other.WriteCert(t, dir, "other-ca.crt")
	clientCrt, clientKey := ca.Issue(t, dir, "certuser", true, "certuser")
	strangerCrt, strangerKey := other.Issue(t, dir, "stranger", true, "certuser")

	dsn := func(user, params string) string {
		return fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres%s", user, pg.port, params)
	}
	tests := []struct {
		Name    string
		DSN     string
		Opts    sink.Options
		WantErr []string // parts of the error, all of them; nil: connects
	}{
		{Name: "VerifyFull", DSN: dsn("postgres", "?sslmode=verify-full"), Opts: sink.Options{CAFile: caFile}},
		{Name: "CAFileMeansVerifyFull", DSN: fmt.Sprintf("postgres://postgres@localhost:%d/postgres", pg.port), Opts: sink.Options{CAFile: caFile}},
		{Name: "WrongCA", DSN: dsn("postgres", "?sslmode=verify-full"), Opts: sink.Options{CAFile: otherCA},
			WantErr: []string{"certificate", "unknown authority"}},
		{Name: "PlainTextRefusedByServer", DSN: dsn("postgres", "?sslmode=disable"),
			WantErr: []string{"pg_hba.conf rejects connection", "no encryption"}},
		{Name: "ClientCertificate", DSN: dsn("certuser", ""), Opts: sink.Options{CAFile: caFile, CertFile: clientCrt, KeyFile: clientKey}},
		{Name: "ClientCertificateMissing", DSN: dsn("certuser", ""), Opts: sink.Options{CAFile: caFile},
			WantErr: []string{"certificate"}},
		{Name: "ClientCertificateOfOtherCA", DSN: dsn("certuser", ""), Opts: sink.Options{CAFile: caFile, CertFile: strangerCrt, KeyFile: strangerKey},
			WantErr: []string{"certificate"}},
		{Name: "WrongPassword", DSN: dsn("pwuser", ""), Opts: sink.Options{CAFile: caFile},
			WantErr: []string{"password authentication failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			opts := tt.Opts
			opts.Password = testPassword
			err := checkConnect(t, tt.DSN, opts)
			checkErr(t, err, tt.WantErr)
		})
	}

	// Last, as it changes the server: a certificate for another host name.
	t.Run("WrongHostName", func(t *testing.T) {
		pg.exec(t, caFile,
			fmt.Sprintf("ALTER SYSTEM SET ssl_cert_file = '%s'", pg.tls.wrongCert),
			fmt.Sprintf("ALTER SYSTEM SET ssl_key_file = '%s'", pg.tls.wrongKey),
			"SELECT pg_reload_conf()")
		opts := sink.Options{CAFile: caFile, Password: testPassword}
		byName := fmt.Sprintf("postgres://postgres@localhost:%d/postgres", pg.port)
		var err error
		// The postmaster reloads its TLS context asynchronously.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if err = checkConnect(t, byName, opts); err != nil {
				break
			}
		}
		checkErr(t, err, []string{"certificate is valid for db.example, not localhost"})
		err = checkConnect(t, dsn("postgres", ""), opts)
		checkErr(t, err, []string{"cannot validate certificate for 127.0.0.1"})
	})
}

// checkConnect opens a sink on dsn and, when that works, checks that its
// connection is encrypted.
func checkConnect(t *testing.T, dsn string, opts sink.Options) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	s, err := Factory{}.Open(ctx, dsn, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	c, err := s.(*Sink).acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	var ssl bool
	if err := c.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil {
		t.Fatal(err)
	}
	if !ssl {
		t.Errorf("connection is not encrypted")
	}
	return nil
}

// checkErr compares err with the parts of the error wanted (none: no
// error), and checks that it does not show testPassword.
func checkErr(t *testing.T, err error, want []string) {
	t.Helper()
	switch {
	case err == nil && want != nil:
		t.Fatalf("connected, want an error about %q", want)
	case err != nil && want == nil:
		t.Fatalf("connect: %v", err)
	case err == nil:
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if strings.Contains(err.Error(), testPassword) {
		t.Errorf("error shows the password: %v", err)
	}
	t.Logf("error (as wanted): %v", err)
}

// serverTLS are the TLS files of a test server, in its directory.
type serverTLS struct {
	cert, key, ca       string // served at start; ca checks client certificates
	wrongCert, wrongKey string // a certificate for another host name
}

// server is a throwaway PostgreSQL server listening on 127.0.0.1 only.
type server struct {
	port int
	tls  serverTLS
}

// skipOrFail skips the test with why, or fails it when
// SIFTLOAD_TEST_DISALLOW_SKIP is set (CI).
func skipOrFail(tb testing.TB, why string) {
	tb.Helper()
	testenv.Skip(tb, "skipping: "+why)
}

// serverBinDir returns the directory of PostgreSQL's server programs
// (initdb, pg_ctl), found on PATH, by pg_config --bindir or in the
// Debian/Ubuntu layout /usr/lib/postgresql/VERSION/bin (newest first); ""
// when there is none.
func serverBinDir() string {
	has := func(dir string) bool {
		for _, prog := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := exec.LookPath(filepath.Join(dir, prog)); err != nil {
				return false
			}
		}
		return true
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p)
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int { return -cmpFloat(version(a), version(b)) })
	for _, dir := range dirs {
		if has(dir) {
			return dir
		}
	}
	return ""
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// startServer initializes a cluster in a new temporary directory and
// starts it with TLS on, listening on 127.0.0.1 at a free port, without a
// Unix socket. files writes the TLS files into the directory it is given.
// pg_hba.conf takes TLS connections only: user certuser by client
// certificate, pwuser by password (not testPassword), anyone else
// trusted; plain text is rejected. The server is stopped and its
// directory removed when the test ends.
//
// initdb refuses to run as root: as root, the server runs as the user
// postgres (through runuser) in a directory that user owns.
func startServer(t *testing.T, files func(dir string) serverTLS) *server {
	t.Helper()
	bin := serverBinDir()
	if bin == "" {
		skipOrFail(t, "no PostgreSQL server programs (initdb, pg_ctl, postgres) on PATH, from pg_config --bindir or in /usr/lib/postgresql/*/bin")
	}
	var asUser []string // command prefix that runs a program as the server's user
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			skipOrFail(t, "running as root, and there is no runuser to run PostgreSQL as another user")
		}
		u, err := user.Lookup("postgres")
		if err != nil {
			skipOrFail(t, "running as root, and there is no user postgres to run PostgreSQL as: "+err.Error())
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		asUser = []string{runuser, "-u", u.Username, "--"}
	}
	// Not t.TempDir: the server's user must be able to reach the
	// directory, and the test's temporary directories are private.
	dir, err := os.MkdirTemp("", "siftload-pgtls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run := func(prog string, args ...string) error {
		argv := append(slices.Clone(asUser), filepath.Join(bin, prog))
		cmd := exec.Command(argv[0], append(argv[1:], args...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w\n%s", prog, err, out.Bytes())
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	tls := files(dir)
	port := freePort(t)
	conf := strings.Join([]string{
		"listen_addresses = '127.0.0.1'",
		"port = " + strconv.Itoa(port),
		"unix_socket_directories = ''",
		"ssl = on",
		"ssl_cert_file = '" + tls.cert + "'",
		"ssl_key_file = '" + tls.key + "'",
		"ssl_ca_file = '" + tls.ca + "'",
		"fsync = off",
		"max_connections = 20",
		"shared_buffers = 16MB",
		"",
	}, "\n")
	hba := strings.Join([]string{
		"hostssl all certuser 127.0.0.1/32 cert",
		"hostssl all pwuser 127.0.0.1/32 scram-sha-256",
		"hostssl all all 127.0.0.1/32 trust",
		"hostnossl all all 127.0.0.1/32 reject",
		"",
	}, "\n")
	if err := chownAll(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := run("initdb", "-D", data, "-U", "postgres", "-A", "reject", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	appendFile := func(name, text string, truncate bool) {
		flag := os.O_WRONLY | os.O_APPEND
		if truncate {
			flag = os.O_WRONLY | os.O_TRUNC
		}
		f, err := os.OpenFile(filepath.Join(data, name), flag, 0)
		if err == nil {
			_, err = f.WriteString(text)
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	appendFile("postgresql.conf", conf, false)
	appendFile("pg_hba.conf", hba, true)
	logFile := filepath.Join(dir, "server.log")
	if err := run("pg_ctl", "-D", data, "-l", logFile, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(logFile)
		t.Fatalf("%v\nserver log:\n%s", err, log)
	}
	t.Cleanup(func() {
		if err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Errorf("stop the test server: %v", err)
		}
	})
	s := &server{port: port, tls: tls}
	s.exec(t, tls.ca, "CREATE ROLE certuser LOGIN", "CREATE ROLE pwuser LOGIN PASSWORD 'not-the-test-password'")
	return s
}

// exec runs statements on the server as postgres, over TLS verified with
// caFile.
func (s *server) exec(t *testing.T, caFile string, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	f, err := Factory{}.Open(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=verify-full", s.port), sink.Options{CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := f.(*Sink).acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	for _, st := range stmts {
		if _, err := c.Exec(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

// chownAll gives dir and everything in it to uid:gid (nothing when uid is
// -1).
func chownAll(dir string, uid, gid int) error {
	if uid < 0 {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
