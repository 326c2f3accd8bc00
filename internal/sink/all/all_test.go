package all

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/sink"
)

func TestRegistry(t *testing.T) {
	r := Registry()
	if got, want := r.Names(), []string{"mysql", "oracle", "postgres", "sqlite", "sqlserver"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for dsn, scheme := range map[string]string{
		"sqlite:x.db":                 "sqlite",
		"sqlite:///abs/x.db":          "sqlite",
		"postgres://u@h/db":           "postgres",
		"postgresql://u@h/db":         "postgres",
		"oracle://u@h:1521/XE":        "oracle",
		"POSTGRES://u@h/db":           "postgres",
		"mysql://u@h:3306/db":         "mysql",
		"mariadb://u@h/db":            "mysql",
		"sqlserver://u@h?database=db": "sqlserver",
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
	_, err := r.Lookup("db2://u@h/db")
	if want := `unknown database "db2" (known: mysql, oracle, postgres, sqlite, sqlserver)`; err == nil || err.Error() != want {
		t.Errorf("Lookup(db2) error = %v, want %s", err, want)
	}
}

// TestDatabaseURLs checks what each factory knows about its URLs, through
// the registry as the CLI asks it.
func TestDatabaseURLs(t *testing.T) {
	r := Registry()
	abs, err := filepath.Abs("one.db")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name         string
		DSN          string
		WantIdentity string
		WantTakes    bool
		WantAccount  string
		WantFiles    []string
	}{
		{Name: "SQLite", DSN: "sqlite:./one.db", WantIdentity: "sqlite:" + abs, WantFiles: []string{"./one.db", "./one.db-wal", "./one.db-shm", "./one.db-journal"}},
		{Name: "SQLiteSlashes", DSN: "sqlite://one.db?busy_timeout=1s", WantIdentity: "sqlite:" + abs, WantFiles: []string{"one.db", "one.db-wal", "one.db-shm", "one.db-journal"}},
		{Name: "Postgres", DSN: "postgres://loader@DB.example:5432/mes?sslmode=verify-full", WantIdentity: "postgres://loader@db.example:5432/mes?sslmode=verify-full", WantTakes: true, WantAccount: "postgres://loader@db.example:5432"},
		{Name: "PostgresAlias", DSN: "PostgreSQL://loader@db.example:5432/mes?sslmode=verify-full", WantIdentity: "postgres://loader@db.example:5432/mes?sslmode=verify-full", WantTakes: true, WantAccount: "postgresql://loader@db.example:5432"},
		{Name: "PostgresNoUser", DSN: "postgres://db.example/mes", WantIdentity: "postgres://db.example/mes", WantTakes: true},
		{Name: "Oracle", DSN: "oracle://Loader@ORA.example:1521/FREEPDB1", WantIdentity: "oracle://Loader@ora.example:1521/FREEPDB1", WantTakes: true, WantAccount: "oracle://Loader@ora.example:1521"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			f, err := r.Lookup(tt.DSN)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Identity(tt.DSN); got != tt.WantIdentity {
				t.Errorf("Identity = %q, want %q", got, tt.WantIdentity)
			}
			takes, acct := f.Account(tt.DSN)
			if takes != tt.WantTakes || acct != tt.WantAccount {
				t.Errorf("Account = %v, %q, want %v, %q", takes, acct, tt.WantTakes, tt.WantAccount)
			}
			var files []string
			if lf, ok := f.(sink.LocalFiler); ok {
				files = lf.LocalFiles(tt.DSN)
			}
			if !slices.Equal(files, tt.WantFiles) {
				t.Errorf("LocalFiles = %q, want %q", files, tt.WantFiles)
			}
			if dsn, about := f.Usage(); !strings.HasPrefix(dsn, f.Scheme()+":") || about == "" {
				t.Errorf("Usage = %q, %q", dsn, about)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	r := Registry()
	for dsn, want := range map[string]string{
		"sqlite:demo.db": "sqlite:demo.db",
		"postgres://loader:SeCr3t-xyz@db/mes?password=SeCr3t-xyz&sslmode=require": "postgres://loader@db/mes?sslmode=require",
		"mongo://u:SeCr3t-xyz@h/db?x=SeCr3t":                                      "mongo://h/db",
		"":                                                                        "",
	} {
		if got := r.Redact(dsn); got != want {
			t.Errorf("Redact(%q) = %q, want %q", dsn, got, want)
		}
	}
}
