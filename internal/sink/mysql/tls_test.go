package mysql

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
	"github.com/siftload/siftload/internal/testenv"
)

// tlsServer starts a throwaway MariaDB server from the machine's binaries
// (mariadb-install-db, mariadbd) on a free loopback port, with a server
// certificate for "localhost" from ca, and stops it when the test ends.
// It returns the port.
func tlsServer(t *testing.T, ca *sinktest.CA) int {
	t.Helper()
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		testenv.Skip(t, "skipping the MariaDB TLS test: mariadb-install-db is not installed")
	}
	mariadbd := "/usr/sbin/mariadbd"
	if _, err := os.Stat(mariadbd); err != nil {
		if mariadbd, err = exec.LookPath("mariadbd"); err != nil {
			testenv.Skip(t, "skipping the MariaDB TLS test: mariadbd is not installed")
		}
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	out, err := exec.CommandContext(t.Context(), install, "--no-defaults", "--datadir="+data, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	cert, key := ca.Issue(t, dir, "server", false, "localhost")
	caFile := ca.WriteCert(t, dir, "ca.pem")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command(mariadbd, "--no-defaults", "--datadir="+data, "--user=root",
		"--bind-address=127.0.0.1", fmt.Sprintf("--port=%d", port), "--socket="+filepath.Join(dir, "sock"),
		"--pid-file="+filepath.Join(dir, "pid"), "--skip-log-bin", "--local-infile=1",
		"--ssl-ca="+caFile, "--ssl-cert="+cert, "--ssl-key="+key)
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Stdout, srv.Stderr = log, log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Kill()
		srv.Wait()
		log.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("the throwaway MariaDB did not start: %v\n%s", err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return port
}

// TestTLS checks the TLS policy against a real server: a verified
// connection with the CA file, refusals for another CA and for a host
// name the certificate does not name, plain text on loopback, and a user
// that requires a client certificate.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca := sinktest.NewCA(t, "siftload test CA")
	port := tlsServer(t, ca)
	caFile := ca.WriteCert(t, dir, "ca.pem")
	other := sinktest.NewCA(t, "another CA").WriteCert(t, dir, "other.pem")
	cert, key := ca.Issue(t, dir, "loader", true, "loader")
	admin, err := Factory{}.Open(t.Context(), fmt.Sprintf("mysql://root@127.0.0.1:%d/mysql", port), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE USER 'loader'@'localhost' REQUIRE X509", "GRANT SELECT ON mysql.* TO 'loader'@'localhost'"} {
		if _, err := admin.(*Sink).db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	admin.Close()

	cipher := func(t *testing.T, s sink.Sink) string {
		t.Helper()
		var name, value string
		if err := s.(*Sink).db.QueryRowContext(context.Background(), "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &value); err != nil {
			t.Fatal(err)
		}
		return value
	}
	tests := []struct {
		Name    string
		User    string
		Host    string
		Opts    sink.Options
		Query   string
		WantTLS bool
		WantErr string
	}{
		{Name: "Verified", Host: "localhost", Opts: sink.Options{CAFile: caFile}, WantTLS: true},
		{Name: "VerifiedTLSTrue", Host: "localhost", Opts: sink.Options{CAFile: caFile}, Query: "?tls=true", WantTLS: true},
		{Name: "OtherCA", Host: "localhost", Opts: sink.Options{CAFile: other}, WantErr: "certificate"},
		{Name: "SystemRoots", Host: "localhost", Query: "?tls=true", WantErr: "certificate"},
		{Name: "HostNotInCertificate", Host: "127.0.0.1", Opts: sink.Options{CAFile: caFile}, WantErr: "certificate"},
		{Name: "PlainLoopback", Host: "127.0.0.1", WantTLS: false},
		{Name: "ClientCertificate", User: "loader", Host: "localhost", Opts: sink.Options{CAFile: caFile, CertFile: cert, KeyFile: key}, WantTLS: true},
		{Name: "NoClientCertificate", User: "loader", Host: "localhost", Opts: sink.Options{CAFile: caFile}, WantErr: "Access denied"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			user := tt.User
			if user == "" {
				user = "root"
			}
			dsn := fmt.Sprintf("mysql://%s@%s:%d/mysql%s", user, tt.Host, port, tt.Query)
			tt.Opts.ConnectTimeout = 10 * time.Second
			s, err := Factory{}.Open(t.Context(), dsn, tt.Opts)
			if tt.WantErr != "" {
				if err == nil {
					s.Close()
					t.Fatalf("Open: no error, want one about the %s", tt.WantErr)
				}
				if !strings.Contains(err.Error(), tt.WantErr) {
					t.Errorf("Open: %v, want one about the %s", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := cipher(t, s); (got != "") != tt.WantTLS {
				t.Errorf("Ssl_cipher = %q, want TLS %v", got, tt.WantTLS)
			}
		})
	}
}
