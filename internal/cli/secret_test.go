package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/siftload/siftload/internal/testenv"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/schema"
)

const testPassword = "SeCr3t-xyz"

// fakePostgres is a PostgreSQL server on loopback that asks every client
// for its password in clear text, keeps it, and refuses the login with a
// message that repeats it (as a careless server or driver might), so that
// tests can see which password arrived and that siftload does not print it.
type fakePostgres struct {
	port string
	mu   sync.Mutex
	got  []string // passwords received
	tls  int      // SSLRequests seen
}

func startFakePostgres(t testing.TB) *fakePostgres {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &fakePostgres{}
	_, f.port, _ = net.SplitHostPort(ln.Addr().String())
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakePostgres) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	be := pgproto3.NewBackend(c, c)
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		switch msg.(type) {
		case *pgproto3.SSLRequest:
			f.mu.Lock()
			f.tls++
			f.mu.Unlock()
			c.Write([]byte("N"))
			continue
		case *pgproto3.GSSEncRequest:
			c.Write([]byte("N"))
			continue
		case *pgproto3.StartupMessage:
		default:
			return
		}
		break
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if be.Flush() != nil || be.SetAuthType(pgproto3.AuthTypeCleartextPassword) != nil {
		return
	}
	msg, err := be.Receive()
	if err != nil {
		return
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return
	}
	f.mu.Lock()
	f.got = append(f.got, pw.Password)
	f.mu.Unlock()
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01",
		Message: fmt.Sprintf("password authentication failed for user \"loader\" (password %q)", pw.Password)})
	be.Flush()
}

func (f *fakePostgres) passwords() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

func (f *fakePostgres) tlsRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tls
}

func (f *fakePostgres) url() string {
	return "postgres://loader@127.0.0.1:" + f.port + "/mes?sslmode=disable&connect_timeout=5"
}

// importPlan writes a one-key plan to plan.csv.
func importPlan(t testing.TB) {
	t.Helper()
	writeZip(t, "site/s.zip", map[string]string{"a.csv": "id\n1\n"})
	analyzeDir(t, "site")
}

// noPrompt returns deps whose terminal prompt fails the test.
func noPrompt(t testing.TB) deps {
	d := defaultDeps()
	d.prompt = func(string) (string, bool, error) {
		t.Error("prompted for a password")
		return "", false, nil
	}
	return d
}

// notTerminal returns deps where stdin looks like no terminal to the
// prompt.
func notTerminal() deps {
	d := defaultDeps()
	d.prompt = func(string) (string, bool, error) { return "", false, nil }
	return d
}

// TestPasswordSources checks that the password reaches the database from
// each source, in the documented order, and that neither the error of the
// refused login (which repeats it) nor anything printed shows it.
func TestPasswordSources(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	srv := startFakePostgres(t)
	secretFile := filepath.Join(t.TempDir(), "db-password")
	if err := os.WriteFile(secretFile, []byte(testPassword+"-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name     string
		Env      string // SIFTLOAD_DB_PASSWORD
		EnvSet   bool   // set Env even when empty
		Profile  string // extra profile lines
		Args     []string
		Prompt   string // "" = stdin is no terminal
		Prompted bool   // the prompt must be asked (no other source)
		Want     string // the password the server must get
	}{
		{Name: "Env", Env: testPassword, Want: testPassword},
		{Name: "FileFlag", Args: []string{"--password-file", secretFile}, Want: testPassword + "-file"},
		{Name: "FileProfile", Profile: "password_file: " + secretFile + "\n", Want: testPassword + "-file"},
		{Name: "FlagFileOverEnv", Env: testPassword + "-env", Args: []string{"--password-file", secretFile}, Want: testPassword + "-file"},
		{Name: "EnvOverProfileFile", Env: testPassword + "-env", Profile: "password_file: " + secretFile + "\n", Want: testPassword + "-env"},
		// The first login goes without a password; the prompt comes
		// when the server asks for one.
		{Name: "Prompt", Prompt: testPassword + "-typed", Prompted: true, Want: testPassword + "-typed"},
		{Name: "None", Prompted: true, Want: ""},
		{Name: "EmptyEnvIsNone", EnvSet: true, Want: ""},
		{Name: "NoPasswordFlag", Args: []string{"--no-password"}, Want: ""},
		{Name: "NoPasswordProfile", Profile: "no_password: true\n", Want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if tt.Env != "" || tt.EnvSet {
				t.Setenv(config.PasswordEnv, tt.Env)
			}
			prompts := 0
			d := defaultDeps()
			d.prompt = func(prompt string) (string, bool, error) {
				prompts++
				if !strings.Contains(prompt, "postgres://loader@127.0.0.1:"+srv.port) {
					t.Errorf("prompt %q does not name the database", prompt)
				}
				return tt.Prompt, tt.Prompt != "", nil
			}
			writeProfile(t, "p.yaml", "out: plan.csv\ndb: "+srv.url()+"\n"+tt.Profile)
			before := len(srv.passwords())
			p, out := quiet(t)
			err := executeWith(t.Context(), p, d, append([]string{"import", "--config", "p.yaml"}, tt.Args...))
			if err == nil {
				t.Fatal("the login the server refuses succeeded")
			}
			got := srv.passwords()[before:]
			if tt.Want == "" {
				if len(got) > 0 && got[0] != "" {
					t.Errorf("server got %q, want no password", got[0])
				}
				if !strings.Contains(err.Error(), "no password was given") {
					t.Errorf("no hint about the missing password: %v", err)
				}
			} else if tt.Prompted {
				if len(got) != 2 || got[0] != "" || got[1] != tt.Want {
					t.Errorf("server got %q, want no password, then %q", got, tt.Want)
				}
			} else if len(got) == 0 || got[0] != tt.Want {
				t.Errorf("server got %q, want %q", got, tt.Want)
			}
			wantPrompts := 0
			if tt.Prompted {
				wantPrompts = 1
			}
			if prompts != wantPrompts {
				t.Errorf("%d prompts, want %d", prompts, wantPrompts)
			}
			all := err.Error() + out.String()
			if !strings.Contains(all, "password authentication failed") {
				t.Errorf("the server's refusal is not reported: %s", all)
			}
			if strings.Contains(all, testPassword) {
				t.Errorf("the password is in the output:\n%s", all)
			}
		})
	}
}

// TestFailingConnectionHidesPassword: nothing listens on port 1.
func TestFailingConnectionHidesPassword(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	d := noPrompt(t)
	t.Setenv(config.PasswordEnv, testPassword)
	p, out := quiet(t)
	err := executeWith(t.Context(), p, d, []string{"import", "--db", "postgres://loader@127.0.0.1:1/mes?sslmode=disable&connect_timeout=5"})
	if err == nil {
		t.Fatal("connected to port 1")
	}
	// The refusal said once, the URL once, and no hint about a
	// password the server never asked for.
	msg := err.Error() + out.String()
	if strings.Count(msg, "postgres://loader@127.0.0.1:1/mes") != 1 || strings.Count(msg, "connection refused") != 1 ||
		strings.Contains(msg, "password") || strings.Contains(msg, testPassword) {
		t.Errorf("error: %s", msg)
	}
}

// TestConnectionErrorsSaidOnce: a missing database says so, once, with
// the URL once and no password hint.
func TestConnectionErrorsSaidOnce(t *testing.T) {
	url := os.Getenv("SIFTLOAD_TEST_POSTGRES_URL")
	if url == "" {
		testenv.SkipPart(t, "PostgreSQL: set SIFTLOAD_TEST_POSTGRES_URL to run it")
		return
	}
	t.Chdir(t.TempDir())
	importPlan(t)
	u, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("postgres://%s@%s:%d/siftload_no_such_db?sslmode=disable", u.User, u.Host, u.Port)
	p, out := quiet(t)
	err = executeWith(t.Context(), p, noPrompt(t), []string{"import", "--db", dsn})
	msg := fmt.Sprint(err) + out.String()
	if err == nil || strings.Count(msg, "/siftload_no_such_db") != 1 || strings.Count(msg, `database "siftload_no_such_db" does not exist`) != 1 || strings.Contains(msg, "password") {
		t.Errorf("error: %s", msg)
	}
}

// TestNoPromptWithoutAuthRequest: a server that lets the user in without
// a password (trust) gets no prompt, though stdin is a terminal.
func TestNoPromptWithoutAuthRequest(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	for _, tg := range targets(t) {
		if tg.name != "postgres" {
			continue
		}
		if _, set := os.LookupEnv(config.PasswordEnv); set {
			t.Skip(config.PasswordEnv + " is set")
		}
		// The test database uses trust on loopback (a password in
		// the URL would be refused anyway).
		mustExecuteWith(t, noPrompt(t), "import", "--db", tg.dsn, "--dry-run")
	}
}

func mustExecuteWith(t testing.TB, d deps, args ...string) string {
	t.Helper()
	p, out := quiet(t)
	if err := executeWith(t.Context(), p, d, args); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, out)
	}
	return out.String()
}

func TestPasswordRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	d := noPrompt(t)
	worldReadable := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(worldReadable, []byte(testPassword), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name    string
		Args    []string
		Profile string
		Env     map[string]string
		WantErr string
		Usage   bool
	}{
		{Name: "URLUserInfo", Args: []string{"--db", "postgres://loader:" + testPassword + "@127.0.0.1/mes"}, WantErr: "--db: the database URL holds a password", Usage: true},
		{Name: "URLParam", Args: []string{"--db", "postgres://loader@127.0.0.1/mes?password=" + testPassword}, WantErr: "--db: the database URL holds a password", Usage: true},
		{Name: "OracleURL", Args: []string{"--db", "oracle://loader:" + testPassword + "@db:1521/svc"}, WantErr: "the database URL holds a password", Usage: true},
		{Name: "EnvURL", Env: map[string]string{"SIFTLOAD_DB": "postgres://loader:" + testPassword + "@127.0.0.1/mes"}, WantErr: "SIFTLOAD_DB: the database URL holds a password", Usage: true},
		{Name: "ProfileURL", Profile: "db: postgres://loader:" + testPassword + "@127.0.0.1/mes\n", WantErr: "p.yaml:1:1: db: the database URL holds a password", Usage: true},
		{Name: "ProfileKey", Profile: "db: postgres://loader@127.0.0.1/mes\npassword: " + testPassword + "\n", WantErr: "p.yaml:2:1: \"password\": a password does not belong in a profile", Usage: true},
		{Name: "FileReadableByOthers", Args: []string{"--db", "postgres://loader@127.0.0.1:1/mes", "--password-file", worldReadable}, WantErr: "--password-file: password file " + worldReadable + " may be read by others (mode 0644)"},
		{Name: "FileMissing", Profile: "db: postgres://loader@127.0.0.1:1/mes\npassword_file: nope\n", WantErr: "p.yaml:2:1: password_file: password file: stat nope: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			for k, v := range tt.Env {
				t.Setenv(k, v)
			}
			args := append([]string{"import"}, tt.Args...)
			if tt.Profile != "" {
				writeProfile(t, "p.yaml", tt.Profile)
				args = append(args, "--config", "p.yaml")
			}
			p, out := quiet(t)
			err := executeWith(t.Context(), p, d, args)
			if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
				t.Fatalf("err = %v, want %q", err, tt.WantErr)
			}
			if errors.Is(err, ErrUsage) != tt.Usage {
				t.Errorf("usage error: %v, want %v", errors.Is(err, ErrUsage), tt.Usage)
			}
			if tt.Usage && (!strings.Contains(err.Error(), config.PasswordEnv) || !strings.Contains(err.Error(), "password_file")) {
				t.Errorf("the refusal does not explain the alternatives: %v", err)
			}
			if strings.Contains(err.Error()+out.String(), testPassword) {
				t.Errorf("the password is repeated: %v\n%s", err, out)
			}
		})
	}
}

// TestInsecureNoTLS: the flag, the variable and the profile key each
// reach the sink and print a WARNING every time; without them a plain-text
// connection to a remote host is refused before any connection is made.
func TestInsecureNoTLS(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	d := notTerminal()
	remote := "postgres://loader@db.example.invalid/mes?sslmode=disable"
	p, out := quiet(t)
	err := executeWith(t.Context(), p, d, []string{"import", "--db", remote})
	if err == nil || !strings.Contains(err.Error(), "plain-text connection to db.example.invalid refused") || strings.Contains(out.String(), "WARNING") {
		t.Errorf("plain text to a remote host: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		Name, Profile, Env string
		Args               []string
	}{
		{Name: "Flag", Args: []string{"--insecure-no-tls"}},
		{Name: "Env", Env: "true"},
		{Name: "Profile", Profile: "insecure_no_tls: true\n"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			if tt.Env != "" {
				t.Setenv("SIFTLOAD_INSECURE_NO_TLS", tt.Env)
			}
			writeProfile(t, "p.yaml", "out: plan.csv\ndb: "+remote+"\n"+tt.Profile)
			// What import's RunE does, without connecting.
			var prof profileOptions
			fs := pflag.NewFlagSet("import", pflag.ContinueOnError)
			b := newBoundSettings(fs)
			b.importFlags(false)
			prof.AddFlags(fs)
			if err := fs.Parse(append([]string{"--config", "p.yaml"}, tt.Args...)); err != nil {
				t.Fatal(err)
			}
			p, out := quiet(t)
			sites, err := resolveSites(importCommand, b, prof, nil, p, d.prompt)
			if err != nil {
				t.Fatal(err)
			}
			if !sites[0].imp.sinkOptions().InsecureNoTLS {
				t.Errorf("the sink does not get InsecureNoTLS")
			}
			if n := strings.Count(out.String(), "WARNING: insecure_no_tls is set"); n != 1 || !strings.Contains(out.String(), "db.example.invalid") {
				t.Errorf("want one WARNING naming the host:\n%s", out)
			}
		})
	}
}

// TestSSLVerifyOffWarns: an Oracle URL that turns the certificate check
// off for a remote host gets a WARNING, as --insecure-no-tls does.
func TestSSLVerifyOffWarns(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	d := notTerminal()
	for _, tt := range []struct {
		Name, DB string
		Warn     bool
	}{
		{Name: "Off", DB: "oracle://loader@db.example.invalid:2484/mes?SSL=enable&SSL+VERIFY=false", Warn: true},
		{Name: "On", DB: "oracle://loader@db.example.invalid:2484/mes?SSL=enable"},
		{Name: "Loopback", DB: "oracle://loader@127.0.0.1:2484/mes?SSL=enable&SSL+VERIFY=false"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			t.Setenv("SIFTLOAD_DB_PASSWORD", "x")
			writeProfile(t, "p.yaml", "out: plan.csv\ndb: "+tt.DB+"\n")
			var prof profileOptions
			fs := pflag.NewFlagSet("import", pflag.ContinueOnError)
			b := newBoundSettings(fs)
			b.importFlags(false)
			prof.AddFlags(fs)
			if err := fs.Parse([]string{"--config", "p.yaml"}); err != nil {
				t.Fatal(err)
			}
			p, out := quiet(t)
			if _, err := resolveSites(importCommand, b, prof, nil, p, d.prompt); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(out.String(), "WARNING: ") == 1 && strings.Contains(out.String(), "SSL VERIFY=false"); got != tt.Warn {
				t.Errorf("warned %v, want %v:\n%s", got, tt.Warn, out)
			}
		})
	}
}

// TestTLSFiles: --ca-file reaches the sink, which then insists on TLS
// with verification (the fake server, which offers none, sees a TLS
// request and never a plain-text login), and the files must exist.
func TestTLSFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	d := notTerminal()
	srv := startFakePostgres(t)
	ca := writeTestCA(t)
	db := "postgres://loader@127.0.0.1:" + srv.port + "/mes?connect_timeout=5"
	p, out := quiet(t)
	err := executeWith(t.Context(), p, d, []string{"import", "--db", db, "--ca-file", ca})
	if err == nil || srv.tlsRequests() == 0 || len(srv.passwords()) != 0 {
		t.Errorf("with --ca-file: err %v, %d TLS requests, logins %q\n%s", err, srv.tlsRequests(), srv.passwords(), out)
	}
	// Without it, sslmode=prefer falls back to plain text on loopback.
	p, out = quiet(t)
	if err := executeWith(t.Context(), p, d, []string{"import", "--db", db}); err == nil || len(srv.passwords()) != 1 {
		t.Errorf("without --ca-file: err %v, logins %q\n%s", err, srv.passwords(), out)
	}
	for _, tt := range []struct {
		Args    []string
		WantErr string
	}{
		{[]string{"--ca-file", "missing.pem"}, "--ca-file: stat missing.pem"},
		{[]string{"--cert-file", ca}, "--cert-file: a client certificate needs both cert_file and key_file"},
	} {
		p, _ := quiet(t)
		err := executeWith(t.Context(), p, d, append([]string{"import", "--db", db}, tt.Args...))
		if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
			t.Errorf("%q: err %v, want %q", tt.Args, err, tt.WantErr)
		}
	}
}

// pgTarget is the PostgreSQL target of targets, with its schema.
type pgTarget struct {
	target
	schema string
}

// postgresTarget returns a fresh PostgreSQL schema to load into, or skips
// the test (fails it under SIFTLOAD_TEST_DISALLOW_SKIP) without a server.
func postgresTarget(t *testing.T) pgTarget {
	t.Helper()
	for _, tg := range targets(t) {
		if tg.name == "postgres" {
			return pgTarget{target: tg, schema: tg.dsn[strings.LastIndex(tg.dsn, "%3D")+3:]}
		}
	}
	testenv.Skip(t, "set SIFTLOAD_TEST_POSTGRES_URL to run this test")
	return pgTarget{}
}

// writeTestCA writes a throwaway self-signed CA certificate (PEM).
func writeTestCA(t testing.TB) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "siftload test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSecretFormatsRedacted: a struct holding the password prints without
// it.
func TestSecretFormatsRedacted(t *testing.T) {
	t.Parallel()
	o := ImportOptions{Settings: config.Settings{Import: config.Import{DB: "postgres://loader@db/mes"}}, Password: testPassword}
	for _, s := range []string{fmt.Sprintf("%v", o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o), fmt.Sprintf("%s %q", o.Password, o.Password)} {
		if strings.Contains(s, testPassword) {
			t.Errorf("printed: %s", s)
		}
	}
	err := secret(testPassword).scrub(fmt.Errorf("login %s: %w", testPassword, context.Canceled))
	if strings.Contains(err.Error(), testPassword) || !errors.Is(err, context.Canceled) {
		t.Errorf("scrub: %v", err)
	}
}

// TestPostgresSiteFromProfileWithSecretFile is the "done when": run
// --config drives a full migration of the example site into PostgreSQL,
// with the password from a secret file, and the password is nowhere in
// what siftload printed or wrote. (The local server trusts loopback, so it
// accepts any password: the plumbing is what this shows; TestPasswordSources
// shows the password arriving.)
func TestPostgresSiteFromProfileWithSecretFile(t *testing.T) {
	golden := readFile(t, "testdata/example.plan.csv")
	copyExamples(t)
	tg := postgresTarget(t)
	d := noPrompt(t)
	secretFile := filepath.Join(t.TempDir(), "siftload-db")
	if err := os.WriteFile(secretFile, []byte(testPassword+"\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	profile := strings.Replace(readFile(t, "examples/site-rgb.yaml"), "db: sqlite:rgb.db", "db: "+tg.dsn+"\npassword_file: "+secretFile, 1)
	writeProfile(t, "pg.yaml", profile)

	p, out := quiet(t)
	if err := executeWith(t.Context(), p, d, []string{"run", "--config", "pg.yaml"}); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if got := readFile(t, "rgb.plan.csv"); got != golden {
		t.Errorf("plan differs from the golden plan")
	}
	entries, err := readPlanFile("rgb.plan.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if got := tg.count(t, schema.TableName(e.Key)); got != e.Rows {
			t.Errorf("%s: %d rows, want %d", schema.TableName(e.Key), got, e.Rows)
		}
	}
	var sb strings.Builder
	sb.WriteString(out.String())
	p, out = quiet(t)
	if err := executeWith(t.Context(), p, d, []string{"run", "--config", "pg.yaml"}); err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("0 loaded, 0 replaced, %d skipped, 0 failed", len(entries)); !strings.Contains(out.String(), want) {
		t.Errorf("second run: want %q in\n%s", want, out)
	}
	sb.WriteString(out.String())
	for _, f := range []string{"rgb.plan.csv", "rgb.plan.problems.csv", "pg.yaml"} {
		sb.WriteString(readFile(t, f))
	}
	if strings.Contains(sb.String(), testPassword) {
		t.Errorf("the password is in the output or files")
	}
	// The ledger and the tables hold no password either.
	conn, err := pgx.Connect(t.Context(), os.Getenv("SIFTLOAD_TEST_POSTGRES_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT COUNT(*) FROM `+tg.schema+`.siftload_ledger WHERE source LIKE '%'||$1||'%' OR version LIKE '%'||$1||'%'`, testPassword).Scan(&n); err != nil || n != 0 {
		t.Errorf("ledger: %d rows hold the password, %v", n, err)
	}
}

// TestLockTimeout: --lock-timeout, SIFTLOAD_LOCK_TIMEOUT and lock_timeout
// reach the sink; a value that is no duration is a usage error naming
// the setting.
func TestLockTimeout(t *testing.T) {
	t.Chdir(t.TempDir())
	importPlan(t)
	d := notTerminal()
	for _, tt := range []struct {
		Name, Profile, Env, WantErr string
		Args                        []string
		Want                        time.Duration
	}{
		{Name: "Default", Want: 5 * time.Minute},
		{Name: "Flag", Args: []string{"--lock-timeout", "45s"}, Want: 45 * time.Second},
		{Name: "Env", Env: "2m", Want: 2 * time.Minute},
		{Name: "Profile", Profile: "lock_timeout: 90s\n", Want: 90 * time.Second},
		{Name: "Bad", Profile: "lock_timeout: soon\n", WantErr: `lock_timeout: "soon" is no positive duration`},
		{Name: "Zero", Args: []string{"--lock-timeout", "0s"}, WantErr: `--lock-timeout: "0s" is no positive duration`},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			if tt.Env != "" {
				t.Setenv("SIFTLOAD_LOCK_TIMEOUT", tt.Env)
			}
			writeProfile(t, "p.yaml", "out: plan.csv\ndb: sqlite:x.db\n"+tt.Profile)
			var prof profileOptions
			fs := pflag.NewFlagSet("import", pflag.ContinueOnError)
			b := newBoundSettings(fs)
			b.importFlags(false)
			prof.AddFlags(fs)
			if err := fs.Parse(append([]string{"--config", "p.yaml"}, tt.Args...)); err != nil {
				t.Fatal(err)
			}
			p, _ := quiet(t)
			sites, err := resolveSites(importCommand, b, prof, nil, p, d.prompt)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("error = %v, want one with %q", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sites[0].imp.sinkOptions().LockTimeout; got != tt.Want {
				t.Errorf("sink lock timeout = %v, want %v", got, tt.Want)
			}
		})
	}
}
