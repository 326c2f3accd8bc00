package sink

import (
	"net"
	"net/url"
	"strings"
)

// RedactURL returns dsn, a URL, without any password in its user info or
// in a "password" parameter; a DSN that is no URL becomes scheme +
// "://REDACTED". Factories whose DSNs are URLs use it as their Redact.
func RedactURL(dsn, scheme string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return scheme + "://REDACTED"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// URLIdentity is Factory.Identity for DSNs that are URLs: dsn with its
// scheme (as scheme: aliases share it) and host in lower case, or dsn
// itself when it does not parse.
func URLIdentity(dsn, scheme string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Scheme, u.Host = scheme, strings.ToLower(u.Host)
	return u.String()
}

// URLAccount is Factory.Account for DSNs that are URLs of a database that
// takes a password: "scheme://user@host" (scheme and host in lower case),
// or "" when dsn names no user or does not parse.
func URLAccount(dsn string) (takesPassword bool, account string) {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil || u.User.Username() == "" {
		return true, ""
	}
	return true, strings.ToLower(u.Scheme) + "://" + u.User.Username() + "@" + strings.ToLower(u.Host)
}

// IsLoopback reports whether host (a name or an address, without a port)
// is this machine: "localhost" in any letter case, or a loopback address
// (127.0.0.0/8, ::1). It is the one rule of every connection siftload
// makes (the databases, the work queue) for when TLS may be left out.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
