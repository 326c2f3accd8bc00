package all

import (
	"slices"
	"testing"
)

func TestRegistry(t *testing.T) {
	r := Registry()
	if got, want := r.Names(), []string{"oracle", "postgres", "sqlite"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for dsn, scheme := range map[string]string{
		"sqlite:x.db":          "sqlite",
		"sqlite:///abs/x.db":   "sqlite",
		"postgres://u@h/db":    "postgres",
		"postgresql://u@h/db":  "postgres",
		"oracle://u@h:1521/XE": "oracle",
		"POSTGRES://u@h/db":    "postgres",
	} {
		f, err := r.Lookup(dsn)
		if err != nil {
			t.Errorf("Lookup(%q): %v", dsn, err)
			continue
		}
		if f.Scheme() != scheme {
			t.Errorf("Lookup(%q) = %s, want %s", dsn, f.Scheme(), scheme)
		}
	}
	_, err := r.Lookup("mysql://u@h/db")
	if want := `unknown database "mysql" (known: oracle, postgres, sqlite)`; err == nil || err.Error() != want {
		t.Errorf("Lookup(mysql) error = %v, want %s", err, want)
	}
}
