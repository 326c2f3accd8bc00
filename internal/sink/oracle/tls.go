package oracle

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"

	go_ora "github.com/sijms/go-ora/v2"

	"github.com/siftload/siftload/internal/sink"
)

// This file: TLS (TCPS) and the connector that dials with it.

// TLS applies opts' TLS settings and the plain-text rule to c, and
// returns the TLS configuration of opts' PEM files (nil when there are
// none: go-ora's own settings apply).
//
// TLS is Oracle's TCPS, set by the DSN parameters go-ora reads: SSL=enable
// (TLS from the first byte, usually on port 2484), "SSL VERIFY" (true by
// default: the server's certificate is checked against the system's
// roots, or the certificates of a WALLET, and its host name) and WALLET
// (an Oracle wallet directory). A CA file, or a client certificate and
// key, turn SSL on; they then make the whole TLS configuration, so they
// cannot be mixed with a WALLET, with SSL off, or (a CA file) with SSL
// VERIFY=false.
//
// Unless opts.InsecureNoTLS, every address go-ora may connect to (the
// DSN's host, SERVER parameters, the addresses of a connStr descriptor,
// whose PROTOCOL wins over SSL) must use TCPS when it is not loopback: a
// plain-text connection to another host is refused.
func (c *Config) TLS(opts sink.Options) (*tls.Config, error) {
	files := opts.CAFile != "" || opts.CertFile != "" || opts.KeyFile != ""
	if files {
		if _, ok := c.option("WALLET"); ok {
			return nil, errors.New("oracle: a WALLET and CA or certificate files are two TLS configurations: use one")
		}
		if v, ok := c.option("SSL"); ok && !isTrue(v) {
			return nil, fmt.Errorf("oracle: CA or certificate files given but SSL=%s", v)
		}
		if v, ok := c.option("SSL VERIFY"); ok && !isTrue(v) && opts.CAFile != "" {
			return nil, fmt.Errorf("oracle: a CA file given but SSL VERIFY=%s", v)
		}
		c.setOption("SSL", "enable")
	}
	// go-ora's own reading of the URL says where it will connect and how.
	// The password stays out of it: its errors may quote the URL.
	dc, err := go_ora.ParseConfig(c.driverURL(preparsePassword))
	if err != nil {
		return nil, fmt.Errorf("oracle DSN: %w", err)
	}
	if !opts.InsecureNoTLS && dc.UnixAddress == "" {
		for _, srv := range dc.Servers {
			tcps := dc.SSL
			switch strings.ToLower(srv.Protocol) {
			case "tcps":
				tcps = true
			case "tcp":
				tcps = false
			}
			if !tcps && !sink.IsLoopback(srv.Addr) {
				return nil, fmt.Errorf("oracle: plain-text connection to %s refused: use TCPS (SSL=enable with a CA file or a WALLET), or allow it explicitly", srv.Addr)
			}
		}
	}
	if !files {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !dc.SSLVerify}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("oracle: CA file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("oracle: CA file %s holds no PEM certificate", opts.CAFile)
		}
	}
	if opts.CertFile != "" || opts.KeyFile != "" {
		if opts.CertFile == "" || opts.KeyFile == "" {
			return nil, errors.New("oracle: a client certificate and its key go together")
		}
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("oracle: client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// tlsConnector opens go-ora connections, each with a copy of one TLS
// configuration: go-ora writes the server's name into the one it is
// given, so a shared one would race.
type tlsConnector struct {
	url string
	tls *tls.Config
}

func (c tlsConnector) Connect(ctx context.Context) (driver.Conn, error) {
	oc, ok := go_ora.NewConnector(c.url).(*go_ora.OracleConnector)
	if !ok {
		return nil, errors.New("oracle: go-ora connector of an unknown type")
	}
	oc.WithTLSConfig(c.tls.Clone())
	return oc.Connect(ctx)
}

func (tlsConnector) Driver() driver.Driver { return go_ora.NewDriver() }
