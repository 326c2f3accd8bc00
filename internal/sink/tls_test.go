package sink

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadTLSFiles(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name    string
		Opts    Options
		WantErr string
	}{
		{Name: "Nothing", Opts: Options{}},
		{Name: "MissingCA", Opts: Options{CAFile: filepath.Join(dir, "gone.pem")}, WantErr: "read CA file"},
		{Name: "NotPEM", Opts: Options{CAFile: notPEM}, WantErr: "holds no PEM certificate"},
		{Name: "CertWithoutKey", Opts: Options{CertFile: notPEM}, WantErr: "needs both"},
		{Name: "BadKeyPair", Opts: Options{CertFile: notPEM, KeyFile: notPEM}, WantErr: "client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			var cfg tls.Config
			err := LoadTLSFiles(&cfg, tt.Opts)
			if tt.WantErr == "" {
				if err != nil || cfg.RootCAs != nil || cfg.Certificates != nil {
					t.Fatalf("LoadTLSFiles = %v, cfg changed: %+v", err, cfg.RootCAs)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
				t.Errorf("LoadTLSFiles err = %v, want one containing %q", err, tt.WantErr)
			}
		})
	}
}
