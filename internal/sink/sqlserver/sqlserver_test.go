package sqlserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// cfgView is what TestConfig checks of a driver configuration.
type cfgView struct {
	Host       string
	Port       uint64
	DB, User   string
	Encryption msdsn.Encryption
	Verify     bool // TLS with the certificate verified
	ServerName string
}

func viewOf(dsn string, opts sink.Options) (cfgView, error) {
	cfg, err := Config(dsn, opts)
	if err != nil {
		return cfgView{}, err
	}
	v := cfgView{Host: cfg.Host, Port: cfg.Port, DB: cfg.Database, User: cfg.User, Encryption: cfg.Encryption}
	if cfg.Encryption == msdsn.EncryptionRequired || cfg.Encryption == msdsn.EncryptionStrict {
		v.Verify, v.ServerName = !cfg.TLSConfig.InsecureSkipVerify, cfg.TLSConfig.ServerName
	}
	return v, nil
}

func TestConfig(t *testing.T) {
	remote := cfgView{Host: "db.example", Port: 1433, DB: "mes", User: "loader", Encryption: msdsn.EncryptionRequired, Verify: true, ServerName: "db.example"}
	local := cfgView{Host: "127.0.0.1", Port: 1433, DB: "mes", User: "loader", Encryption: msdsn.EncryptionOff}
	withPort := remote
	withPort.Port = 14330
	strict := remote
	strict.Encryption = msdsn.EncryptionStrict
	other := remote
	other.ServerName = "sql01.corp"
	localTLS := local
	localTLS.Encryption, localTLS.Verify, localTLS.ServerName = msdsn.EncryptionRequired, true, "127.0.0.1"
	localTrust := localTLS
	localTrust.Verify = false
	sinktest.RunDSNCases(t, func(dsn string) (cfgView, error) { return viewOf(dsn, sink.Options{}) }, []sinktest.DSNCase[cfgView]{
		{Name: "Remote", Input: "sqlserver://loader@db.example?database=mes", Want: remote},
		{Name: "RemotePort", Input: "sqlserver://loader@db.example:14330?database=mes", Want: withPort},
		{Name: "RemoteEncryptTrue", Input: "sqlserver://loader@db.example?database=mes&encrypt=true", Want: remote},
		{Name: "RemoteStrict", Input: "sqlserver://loader@db.example?database=mes&encrypt=strict", Want: strict},
		{Name: "HostNameInCertificate", Input: "sqlserver://loader@db.example?database=mes&hostNameInCertificate=sql01.corp", Want: other},
		{Name: "RemotePlainRefused", Input: "sqlserver://loader@db.example?database=mes&encrypt=false", WantErr: true},
		{Name: "RemoteDisableRefused", Input: "sqlserver://loader@db.example?database=mes&encrypt=disable", WantErr: true},
		{Name: "RemoteTrustRefused", Input: "sqlserver://loader@db.example?database=mes&TrustServerCertificate=true", WantErr: true},
		{Name: "Loopback", Input: "sqlserver://loader@127.0.0.1?database=mes", Want: local},
		{Name: "LoopbackTLS", Input: "sqlserver://loader@127.0.0.1?database=mes&encrypt=true", Want: localTLS},
		{Name: "LoopbackTrust", Input: "sqlserver://loader@127.0.0.1?database=mes&encrypt=true&TrustServerCertificate=true", Want: localTrust},
		{Name: "Password", Input: "sqlserver://loader:s3cret@db.example?database=mes", WantErr: true},
		{Name: "PasswordParam", Input: "sqlserver://loader@db.example?database=mes&password=s3cret", WantErr: true},
		{Name: "NoDatabase", Input: "sqlserver://loader@db.example", WantErr: true},
		{Name: "NoUser", Input: "sqlserver://db.example?database=mes", WantErr: true},
		{Name: "Instance", Input: "sqlserver://loader@db.example/SQLEXPRESS?database=mes", WantErr: true},
		{Name: "UnknownParam", Input: "sqlserver://loader@db.example?database=mes&log=63", WantErr: true},
		{Name: "OtherScheme", Input: "mssql://loader@db.example?database=mes", WantErr: true},
	})
}

func TestConfigOptions(t *testing.T) {
	dir := t.TempDir()
	ca := sinktest.NewCA(t, "siftload test CA")
	caFile := ca.WriteCert(t, dir, "ca.pem")
	cert, key := ca.Issue(t, dir, "client", true, "loader")

	cfg, err := Config("sqlserver://loader@127.0.0.1?database=mes", sink.Options{CAFile: caFile, CertFile: cert, KeyFile: key, Password: "pw", ConnectTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.Encryption != msdsn.EncryptionRequired || cfg.TLSConfig.RootCAs == nil || cfg.TLSConfig.InsecureSkipVerify:
		t.Errorf("a CA file on loopback: encryption %v, TLS %+v; want required and verified against the CA", cfg.Encryption, cfg.TLSConfig)
	case len(cfg.TLSConfig.Certificates) != 1:
		t.Errorf("client certificate: %d certificates, want 1", len(cfg.TLSConfig.Certificates))
	case cfg.Password != "pw" || cfg.DialTimeout != 3*time.Second || cfg.KeepAlive != sink.KeepAlive:
		t.Errorf("password %q, dial timeout %v, keepalive %v", cfg.Password, cfg.DialTimeout, cfg.KeepAlive)
	}
	if v, err := viewOf("sqlserver://loader@db.example?database=mes&encrypt=false", sink.Options{InsecureNoTLS: true}); err != nil || v.Encryption != msdsn.EncryptionOff {
		t.Errorf("InsecureNoTLS with encrypt=false: %+v, %v; want no encryption", v, err)
	}
	for _, o := range []sink.Options{{CAFile: filepath.Join(dir, "missing.pem")}, {CertFile: cert}} {
		if _, err := Config("sqlserver://loader@db.example?database=mes", o); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
}

// TestConnectTimeout: a server that accepts and never answers fails Open
// within the connect timeout.
func TestConnectTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	_, err = Factory{}.Open(t.Context(), "sqlserver://loader@"+ln.Addr().String()+"?database=mes", sink.Options{ConnectTimeout: 500 * time.Millisecond, Password: "s3cret"})
	if err == nil {
		t.Fatal("Open of a silent server: no error")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open gave up after %v, want about the connect timeout", d)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestRedact(t *testing.T) {
	f := Factory{}
	for in, want := range map[string]string{
		"sqlserver://loader:s3cret@db.example?database=mes":          "sqlserver://loader@db.example?database=mes",
		"sqlserver://loader@db.example?database=mes&password=s3cret": "sqlserver://loader@db.example?database=mes",
		"sqlserver://loader@db.example:bad?database=mes":             "sqlserver://REDACTED",
	} {
		if got := f.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if takes, acct := f.Account("sqlserver://loader@DB.example:1433?database=mes"); !takes || acct != "sqlserver://loader@db.example:1433" {
		t.Errorf("Account = %v, %q", takes, acct)
	}
}

// liveDSN returns the live server's DSN and options, or skips: CI has no
// SQL Server, so this skips even under SIFTLOAD_TEST_DISALLOW_SKIP, as the
// Oracle live tests do.
func liveDSN(t *testing.T) (string, sink.Options) {
	t.Helper()
	dsn := os.Getenv("SIFTLOAD_TEST_SQLSERVER_URL")
	if dsn == "" {
		t.Skip("skipping live SQL Server test: SIFTLOAD_TEST_SQLSERVER_URL is not set (see README.md)")
	}
	return dsn, sink.Options{Password: os.Getenv("SIFTLOAD_TEST_SQLSERVER_PASSWORD")}
}

// TestLive runs the conformance suite against a real SQL Server.
func TestLive(t *testing.T) {
	dsn, opts := liveDSN(t)
	sinktest.Run(t, Factory{}, dsn, opts)
}

func TestLoginFailed(t *testing.T) {
	tests := []struct {
		Name  string
		Input error
		Want  bool
	}{
		{Name: "LoginFailed", Input: fmt.Errorf("connect: %w", mssql.Error{Number: 18456, Message: "login error: Login failed for user 'loader'."}), Want: true},
		{Name: "OtherServerError", Input: mssql.Error{Number: 4060, Message: "Cannot open database"}, Want: false},
		{Name: "Network", Input: errors.New("dial tcp 127.0.0.1:1433: connect: connection refused"), Want: false},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := loginFailed(tt.Input); got != tt.Want {
				t.Errorf("loginFailed(%v) = %v, want %v", tt.Input, got, tt.Want)
			}
		})
	}
}
