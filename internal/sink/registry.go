package sink

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Aliaser is implemented by a Factory that answers to more DSN schemes
// than its own, such as "postgresql" for "postgres".
type Aliaser interface {
	Aliases() []string
}

// Registry maps DSN schemes to factories. Build it explicitly (see package
// all); the zero value is empty and ready to use. It is not safe for
// concurrent Register calls.
type Registry struct {
	byScheme map[string]Factory
	names    []string // primary schemes, sorted
}

// Register adds f under its scheme and its aliases. It panics when a
// scheme is already taken: that is a programming error.
func (r *Registry) Register(f Factory) {
	if r.byScheme == nil {
		r.byScheme = make(map[string]Factory)
	}
	schemes := []string{f.Scheme()}
	if a, ok := f.(Aliaser); ok {
		schemes = append(schemes, a.Aliases()...)
	}
	for _, s := range schemes {
		s = strings.ToLower(s)
		if _, dup := r.byScheme[s]; dup {
			panic(fmt.Sprintf("sink: database %q registered twice", s))
		}
		r.byScheme[s] = f
	}
	r.names = append(r.names, strings.ToLower(f.Scheme()))
	slices.Sort(r.names)
}

// Lookup returns the factory for dsn's scheme: the text before the first
// ":" ("sqlite:PATH", "postgres://...", "oracle://..."), case-insensitive.
func (r *Registry) Lookup(dsn string) (Factory, error) {
	scheme, _, found := strings.Cut(dsn, ":")
	isDrive := len(scheme) == 1 && strings.ContainsAny(dsn, `\/`) // C:\site.db
	if !found || scheme == "" || isDrive {
		return nil, fmt.Errorf("no database scheme in DSN%s (known: %s)", r.fileHint(dsn), strings.Join(r.names, ", "))
	}
	f, ok := r.byScheme[strings.ToLower(scheme)]
	if !ok {
		return nil, fmt.Errorf("unknown database %q (known: %s)", scheme, strings.Join(r.names, ", "))
	}
	return f, nil
}

// fileHint returns the DSN that names dsn as the path of a database
// file, when a factory's databases are local files (see LocalFiler):
// `: a database file is sqlite:site.db`, or "".
func (r *Registry) fileHint(dsn string) string {
	if dsn == "" || strings.Contains(dsn, "://") {
		return ""
	}
	for _, n := range r.names {
		f := r.byScheme[n]
		if _, ok := f.(LocalFiler); ok {
			return fmt.Sprintf(": a database file is %s:%s", f.Scheme(), dsn)
		}
	}
	return ""
}

// Names returns the primary scheme of every registered factory, sorted.
func (r *Registry) Names() []string {
	return slices.Clone(r.names)
}

// Redact returns dsn fit for printing: through its database's
// Factory.Redact, or, for a scheme r does not know, without any user
// information, query or opaque part.
func (r *Registry) Redact(dsn string) string {
	if dsn == "" {
		return ""
	}
	if f, err := r.Lookup(dsn); err == nil {
		return f.Redact(dsn)
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "REDACTED"
	}
	u.User, u.RawQuery, u.Opaque = nil, "", ""
	return u.String()
}
