package mysql

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// dsnView is what TestConfig checks of a driver configuration.
type dsnView struct {
	User, Addr, DB string
	TLS, Verify    bool
	ServerName     string
	Timeout        time.Duration
	LockTimeout    string
}

func view(dsn string, opts sink.Options) (dsnView, error) {
	cfg, err := Config(dsn, opts)
	if err != nil {
		return dsnView{}, err
	}
	v := dsnView{User: cfg.User, Addr: cfg.Addr, DB: cfg.DBName, Timeout: cfg.Timeout, LockTimeout: cfg.Params["innodb_lock_wait_timeout"]}
	if cfg.TLS != nil {
		v.TLS, v.Verify, v.ServerName = true, !cfg.TLS.InsecureSkipVerify, cfg.TLS.ServerName
	}
	return v, nil
}

func TestConfig(t *testing.T) {
	plain := func(addr string) dsnView {
		return dsnView{User: "loader", Addr: addr, DB: "mes", Timeout: sink.DefaultConnectTimeout, LockTimeout: "300"}
	}
	verified := func(addr, host string) dsnView {
		v := plain(addr)
		v.TLS, v.Verify, v.ServerName = true, true, host
		return v
	}
	skip := plain("127.0.0.1:3306")
	skip.TLS, skip.ServerName = true, "127.0.0.1"
	sinktest.RunDSNCases(t, func(dsn string) (dsnView, error) { return view(dsn, sink.Options{}) }, []sinktest.DSNCase[dsnView]{
		{Name: "Loopback", Input: "mysql://loader@127.0.0.1:3306/mes", Want: plain("127.0.0.1:3306")},
		{Name: "LocalhostDefaultPort", Input: "mysql://loader@localhost/mes", Want: plain("localhost:3306")},
		{Name: "MariaDBScheme", Input: "mariadb://loader@localhost/mes", Want: plain("localhost:3306")},
		{Name: "IPv6Loopback", Input: "mysql://loader@[::1]:3307/mes", Want: plain("[::1]:3307")},
		{Name: "LoopbackTLS", Input: "mysql://loader@127.0.0.1:3306/mes?tls=true", Want: verified("127.0.0.1:3306", "127.0.0.1")},
		{Name: "LoopbackSkipVerify", Input: "mysql://loader@127.0.0.1:3306/mes?tls=skip-verify", Want: skip},
		{Name: "RemoteVerified", Input: "mysql://loader@DB.example:3306/mes", Want: verified("DB.example:3306", "DB.example")},
		{Name: "RemoteTLSTrue", Input: "mysql://loader@db.example/mes?tls=true", Want: verified("db.example:3306", "db.example")},
		{Name: "RemotePlainRefused", Input: "mysql://loader@db.example/mes?tls=false", WantErr: true},
		{Name: "RemoteSkipVerifyRefused", Input: "mysql://loader@db.example/mes?tls=skip-verify", WantErr: true},
		{Name: "BadTLS", Input: "mysql://loader@db.example/mes?tls=maybe", WantErr: true},
		{Name: "Password", Input: "mysql://loader:s3cret@db.example/mes", WantErr: true},
		{Name: "PasswordParam", Input: "mysql://loader@db.example/mes?password=s3cret", WantErr: true},
		{Name: "UnknownParam", Input: "mysql://loader@db.example/mes?allowAllFiles=true", WantErr: true},
		{Name: "NoDatabase", Input: "mysql://loader@db.example:3306/", WantErr: true},
		{Name: "NoUser", Input: "mysql://db.example:3306/mes", WantErr: true},
		{Name: "NoHost", Input: "mysql://loader@/mes", WantErr: true},
		{Name: "OtherScheme", Input: "postgres://loader@db.example/mes", WantErr: true},
		{Name: "NoURL", Input: "mysql://loader@db.example:port/mes", WantErr: true},
	})
}

func TestConfigOptions(t *testing.T) {
	dir := t.TempDir()
	ca := sinktest.NewCA(t, "siftload test CA")
	caFile := ca.WriteCert(t, dir, "ca.pem")
	cert, key := ca.Issue(t, dir, "client", true, "loader")

	// Insecure: the plain connection a remote host is refused otherwise.
	v, err := view("mysql://loader@db.example/mes?tls=false", sink.Options{InsecureNoTLS: true})
	if err != nil || v.TLS {
		t.Errorf("InsecureNoTLS with tls=false: TLS=%v err=%v, want plain", v.TLS, err)
	}
	// A CA file turns TLS on for loopback too, and is the only root.
	cfg, err := Config("mysql://loader@127.0.0.1/mes", sink.Options{CAFile: caFile, CertFile: cert, KeyFile: key, ConnectTimeout: 3 * time.Second, LockTimeout: 90 * time.Second, Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.TLS == nil || cfg.TLS.RootCAs == nil || cfg.TLS.InsecureSkipVerify:
		t.Errorf("CA file: TLS %+v, want verified against the CA", cfg.TLS)
	case len(cfg.TLS.Certificates) != 1:
		t.Errorf("client certificate: %d certificates, want 1", len(cfg.TLS.Certificates))
	case cfg.Timeout != 3*time.Second || cfg.Params["lock_wait_timeout"] != "90" || cfg.Passwd != "pw":
		t.Errorf("timeout %v, lock_wait_timeout %s, password %q; want 3s, 90, pw", cfg.Timeout, cfg.Params["lock_wait_timeout"], cfg.Passwd)
	}
	for _, o := range []sink.Options{
		{CAFile: filepath.Join(dir, "missing.pem")},
		{CAFile: cert + ".nothere"},
		{CertFile: cert},
	} {
		if _, err := Config("mysql://loader@db.example/mes", o); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
}

func TestRedact(t *testing.T) {
	f := Factory{}
	for in, want := range map[string]string{
		"mysql://loader:s3cret@db.example/mes":          "mysql://loader@db.example/mes",
		"mysql://loader@db.example/mes?password=s3cret": "mysql://loader@db.example/mes",
		"mysql://loader@db.example:bad/mes":             "mysql://REDACTED",
	} {
		if got := f.Redact(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if got := f.Identity("mariadb://loader@DB.example/mes"); got != "mysql://loader@db.example/mes" {
		t.Errorf("Identity = %q", got)
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
		// Hold every connection, silent, until the listener closes.
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	start := time.Now()
	_, err = Factory{}.Open(t.Context(), "mysql://loader@"+ln.Addr().String()+"/mes", sink.Options{ConnectTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "connect timeout") {
		t.Fatalf("Open of a silent server: %v, want the connect timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open gave up after %v, want about the connect timeout", d)
	}
}
