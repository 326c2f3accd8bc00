package oracle

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// testPassword is handed to every connection of the TLS tests: no error
// may show it.
const testPassword = "S3cr3t-pw-xyz"

func TestTLSPolicy(t *testing.T) {
	dir := t.TempDir()
	ca := sinktest.NewCA(t, "test CA")
	caFile := ca.WriteCert(t, dir, "ca.crt")
	crt, key := ca.Issue(t, dir, "client", true, "scott")
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	const remote = "oracle://scott@db.example.com:2484/XE"
	descriptor := func(proto string) string {
		return "connStr=" + strings.ReplaceAll(fmt.Sprintf("(DESCRIPTION=(ADDRESS=(PROTOCOL=%s)(HOST=db.example.com)(PORT=2484))(CONNECT_DATA=(SERVICE_NAME=XE)))", proto), "=", "%3D")
	}
	tests := []struct {
		Name    string
		DSN     string
		Opts    sink.Options
		WantErr string
		WantSSL bool // the driver URL turns SSL on
		WantTLS bool // a TLS configuration of PEM files is returned
	}{
		{Name: "PlainRemote", DSN: remote, WantErr: "plain-text connection to db.example.com refused"},
		{Name: "PlainRemoteSSLOff", DSN: remote + "?SSL=false", WantErr: "plain-text connection to db.example.com refused"},
		{Name: "PlainRemoteAllowed", DSN: remote, Opts: sink.Options{InsecureNoTLS: true}},
		{Name: "PlainLoopback", DSN: "oracle://scott@127.0.0.1/XE"},
		{Name: "PlainLocalhost", DSN: "oracle://scott@localhost/XE"},
		{Name: "PlainIPv6Loopback", DSN: "oracle://scott@[::1]/XE"},
		{Name: "PlainSecondServerRemote", DSN: "oracle://scott@127.0.0.1/XE?SERVER=db.example.com:1521", WantErr: "plain-text connection to db.example.com refused"},
		{Name: "TCPSRemote", DSN: remote + "?SSL=enable", WantSSL: true},
		{Name: "TCPSRemoteLowerCase", DSN: remote + "?ssl=true", WantSSL: true},
		{Name: "TCPSRemoteUnverified", DSN: remote + "?SSL=true&SSL%20VERIFY=false", WantSSL: true},
		{Name: "DescriptorTCP", DSN: remote + "?SSL=enable&" + descriptor("TCP"), WantErr: "plain-text connection to db.example.com refused"},
		{Name: "DescriptorTCPS", DSN: remote + "?" + descriptor("TCPS")},
		{Name: "CAFileTurnsSSLOn", DSN: remote, Opts: sink.Options{CAFile: caFile}, WantSSL: true, WantTLS: true},
		{Name: "ClientCertificate", DSN: remote, Opts: sink.Options{CAFile: caFile, CertFile: crt, KeyFile: key}, WantSSL: true, WantTLS: true},
		{Name: "CAFileSSLOff", DSN: remote + "?SSL=false", Opts: sink.Options{CAFile: caFile}, WantErr: "SSL=false"},
		{Name: "CAFileVerifyOff", DSN: remote + "?SSL%20VERIFY=false", Opts: sink.Options{CAFile: caFile}, WantErr: "SSL VERIFY=false"},
		{Name: "CAFileAndWallet", DSN: remote + "?WALLET=/nonexistent", Opts: sink.Options{CAFile: caFile}, WantErr: "WALLET"},
		{Name: "CAFileMissing", DSN: remote, Opts: sink.Options{CAFile: filepath.Join(dir, "none.crt")}, WantErr: "CA file"},
		{Name: "CAFileNotPEM", DSN: remote, Opts: sink.Options{CAFile: notPEM}, WantErr: "no PEM certificate"},
		{Name: "CertWithoutKey", DSN: remote, Opts: sink.Options{CertFile: crt}, WantErr: "go together"},
		{Name: "UnknownOption", DSN: remote + "?SSL=enable&NOSUCH=1", WantErr: "unknown URL option"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			c, err := ParseDSN(tt.DSN)
			if err != nil {
				t.Fatal(err)
			}
			opts := tt.Opts
			opts.Password = testPassword
			tc, err := c.TLS(opts)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("TLS error = %v, want one about %q", err, tt.WantErr)
				}
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("TLS: %v", err)
			}
			v, _ := c.option("SSL")
			if got := isTrue(v); got != tt.WantSSL {
				t.Errorf("SSL = %q, want on: %v", v, tt.WantSSL)
			}
			if got := tc != nil; got != tt.WantTLS {
				t.Fatalf("TLS configuration returned: %v, want %v", got, tt.WantTLS)
			}
			if tc != nil && (tc.RootCAs == nil || tc.InsecureSkipVerify) {
				t.Errorf("TLS configuration does not verify with the CA file: %+v", tc)
			}
		})
	}
}

// TestOpenRefusesPlainRemote checks that Open refuses plain text to a host
// that is not loopback before it dials: the host does not exist.
func TestOpenRefusesPlainRemote(t *testing.T) {
	_, err := Factory{}.Open(t.Context(), "oracle://scott@db.invalid/XE", sink.Options{Password: testPassword})
	if err == nil || !strings.Contains(err.Error(), "plain-text connection to db.invalid refused") {
		t.Fatalf("Open error = %v, want a refused plain-text connection", err)
	}
	if strings.Contains(err.Error(), testPassword) {
		t.Errorf("error shows the password: %v", err)
	}
}

// TestTLSHandshake connects the sink to a TCPS listener of the test (a
// TLS server that closes the connection after the handshake: there is no
// Oracle behind it) and checks the handshake: the CA file and the client
// certificate are used, a wrong CA or host name fails with a clear error,
// and no error shows the password.
func TestTLSHandshake(t *testing.T) {
	dir := t.TempDir()
	ca := sinktest.NewCA(t, "test CA")
	other := sinktest.NewCA(t, "other CA")
	caFile := ca.WriteCert(t, dir, "ca.crt")
	otherFile := other.WriteCert(t, dir, "other.crt")
	clientCrt, clientKey := ca.Issue(t, dir, "client", true, "scott")
	goodCrt, goodKey := ca.Issue(t, dir, "server", false, "localhost", "127.0.0.1")
	wrongCrt, wrongKey := ca.Issue(t, dir, "wrong", false, "db.example")

	tests := []struct {
		Name       string
		ServerCert [2]string
		Host       string
		Opts       sink.Options
		WantErr    string // a part of Open's error; "" when the handshake must succeed
		WantClient bool   // the server requires and gets the client certificate
	}{
		{Name: "Verified", ServerCert: [2]string{goodCrt, goodKey}, Host: "127.0.0.1", Opts: sink.Options{CAFile: caFile}},
		{Name: "VerifiedByName", ServerCert: [2]string{goodCrt, goodKey}, Host: "localhost", Opts: sink.Options{CAFile: caFile}},
		{Name: "ClientCertificate", ServerCert: [2]string{goodCrt, goodKey}, Host: "127.0.0.1",
			Opts: sink.Options{CAFile: caFile, CertFile: clientCrt, KeyFile: clientKey}, WantClient: true},
		{Name: "WrongCA", ServerCert: [2]string{goodCrt, goodKey}, Host: "127.0.0.1", Opts: sink.Options{CAFile: otherFile},
			WantErr: "certificate signed by unknown authority"},
		{Name: "WrongHostName", ServerCert: [2]string{wrongCrt, wrongKey}, Host: "localhost", Opts: sink.Options{CAFile: caFile},
			WantErr: "certificate is valid for db.example, not localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			port, handshakes := tcpsServer(t, tt.ServerCert, caFile, tt.WantClient)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			opts := tt.Opts
			opts.Password = testPassword
			s, err := Factory{}.Open(ctx, fmt.Sprintf("oracle://scott@%s/XE", net.JoinHostPort(tt.Host, fmt.Sprint(port))), opts)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded against a server that is no Oracle")
			}
			t.Logf("Open error: %v", err)
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error shows the password: %v", err)
			}
			if tt.WantErr != "" {
				if !strings.Contains(err.Error(), tt.WantErr) {
					t.Errorf("Open error = %v, want one about %q", err, tt.WantErr)
				}
				return
			}
			select {
			case herr := <-handshakes:
				if herr != nil {
					t.Errorf("handshake failed on the server: %v (client: %v)", herr, err)
				}
			case <-ctx.Done():
				t.Fatalf("no handshake (client: %v)", err)
			}
		})
	}
}

// tcpsServer listens on 127.0.0.1 with TLS, serving cert; with
// requireClient it requires a client certificate signed by the CA of
// caFile. Each connection's handshake result goes to the channel, then
// the connection is closed.
func tcpsServer(t *testing.T, cert [2]string, caFile string, requireClient bool) (int, <-chan error) {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(cert[0], cert[1])
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if requireClient {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ClientCAs = x509.NewCertPool()
		cfg.ClientCAs.AppendCertsFromPEM(pem)
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	results := make(chan error, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			herr := c.(*tls.Conn).HandshakeContext(t.Context())
			if herr == nil && requireClient {
				if peers := c.(*tls.Conn).ConnectionState().PeerCertificates; len(peers) == 0 || peers[0].Subject.CommonName != "scott" {
					herr = errors.New("no client certificate for scott")
				}
			}
			c.Close()
			select {
			case results <- herr:
			default:
			}
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, results
}
