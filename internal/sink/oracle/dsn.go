package oracle

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// This file: the DSN (oracle://USER@HOST:PORT/SERVICE?PARAMS) and the
// go-ora URL made from it.

// Config is a parsed DSN.
type Config struct {
	User, Host, Service string
	Port                int
	Batch               int
	// Options are the other DSN parameters, handed to go-ora (e.g. "SSL",
	// "SSL VERIFY", "WALLET", "TIMEOUT").
	Options map[string]string
}

// ParseDSN parses "oracle://USER@HOST[:PORT]/SERVICE[?PARAMS]". It refuses
// a DSN holding a password.
func ParseDSN(dsn string) (Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return Config{}, errors.New("oracle DSN is no URL")
	}
	if !strings.EqualFold(u.Scheme, "oracle") {
		return Config{}, fmt.Errorf("oracle DSN has scheme %q, want oracle", u.Scheme)
	}
	q := u.Query()
	if _, set := u.User.Password(); set || q.Has("password") {
		return Config{}, errors.New("oracle DSN holds a password: pass it through the environment, a secret file or the prompt")
	}
	c := Config{Host: u.Hostname(), Port: 1521, Batch: DefaultBatch, Service: strings.TrimPrefix(u.Path, "/")}
	if u.User != nil {
		c.User = u.User.Username()
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port <= 0 || c.Port > 65535 {
			return Config{}, fmt.Errorf("oracle DSN: bad port %q", p)
		}
	}
	switch {
	case c.Host == "":
		return Config{}, errors.New("oracle DSN has no host")
	case c.Service == "":
		return Config{}, errors.New("oracle DSN has no service name (oracle://USER@HOST:PORT/SERVICE)")
	case c.User == "":
		return Config{}, errors.New("oracle DSN has no user (oracle://USER@HOST:PORT/SERVICE)")
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		if strings.EqualFold(k, "batch") {
			if c.Batch, err = strconv.Atoi(v); err != nil || c.Batch < 1 {
				return Config{}, fmt.Errorf("oracle DSN: batch %q is no positive number", v)
			}
			continue
		}
		if c.Options == nil {
			c.Options = make(map[string]string)
		}
		c.Options[k] = v
	}
	return c, nil
}

// driverURL returns go-ora's connection URL, password included: it goes
// to sql.Open only and is never shown. (go_ora.BuildUrl does not escape
// "@" or "/" in a password.)
func (c Config) driverURL(password string) string {
	q := url.Values{}
	for k, v := range c.Options {
		q.Set(k, v)
	}
	u := url.URL{
		Scheme:   "oracle",
		User:     url.UserPassword(c.User, password),
		Host:     net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		Path:     "/" + c.Service,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// option returns the value of the DSN parameter name (go-ora reads
// parameter names in any letter case).
func (c *Config) option(name string) (string, bool) {
	for k, v := range c.Options {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// setOption sets the DSN parameter name, replacing it in any letter case.
func (c *Config) setOption(name, value string) {
	for k := range c.Options {
		if strings.EqualFold(k, name) {
			delete(c.Options, k)
		}
	}
	if c.Options == nil {
		c.Options = make(map[string]string)
	}
	c.Options[name] = value
}

// isTrue reports whether go-ora reads v as on.
func isTrue(v string) bool {
	switch strings.ToUpper(v) {
	case "TRUE", "ENABLE", "ENABLED":
		return true
	}
	return false
}
