package sink

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/schema"
)

// fakeFactory is a Factory with a scheme and optional aliases.
type fakeFactory struct {
	scheme  string
	aliases []string
}

func (f fakeFactory) Scheme() string           { return f.scheme }
func (f fakeFactory) Redact(dsn string) string { return dsn }
func (f fakeFactory) Usage() (string, string)  { return f.scheme + ":...", "" }
func (f fakeFactory) Identity(dsn string) string {
	return dsn
}
func (f fakeFactory) Account(string) (bool, string) { return false, "" }
func (f fakeFactory) Open(context.Context, string, Options) (Sink, error) {
	return nil, errors.New("fake")
}

type aliasFactory struct{ fakeFactory }

func (f aliasFactory) Aliases() []string { return f.aliases }

func TestRegistry(t *testing.T) {
	var r Registry
	r.Register(fakeFactory{scheme: "sqlite"})
	r.Register(aliasFactory{fakeFactory{scheme: "postgres", aliases: []string{"postgresql"}}})
	r.Register(fakeFactory{scheme: "oracle"})
	if got := strings.Join(r.Names(), ","); got != "oracle,postgres,sqlite" {
		t.Errorf("Names() = %s", got)
	}
	tests := []struct {
		DSN, Want, WantErr string
	}{
		{DSN: "sqlite:x.db", Want: "sqlite"},
		{DSN: "postgresql://h/db", Want: "postgres"},
		{DSN: "Oracle://u@h/s", Want: "oracle"},
		{DSN: "mysql://h/db", WantErr: `unknown database "mysql" (known: oracle, postgres, sqlite)`},
		{DSN: "x.db", WantErr: "no database scheme in DSN (known: oracle, postgres, sqlite)"},
		{DSN: ":x", WantErr: "no database scheme in DSN (known: oracle, postgres, sqlite)"},
	}
	for _, tt := range tests {
		f, err := r.Lookup(tt.DSN)
		switch {
		case tt.WantErr != "":
			if err == nil || err.Error() != tt.WantErr {
				t.Errorf("Lookup(%q) error = %v, want %s", tt.DSN, err, tt.WantErr)
			}
		case err != nil:
			t.Errorf("Lookup(%q): %v", tt.DSN, err)
		case f.Scheme() != tt.Want:
			t.Errorf("Lookup(%q) = %s, want %s", tt.DSN, f.Scheme(), tt.Want)
		}
	}
	for _, dup := range []Factory{fakeFactory{scheme: "sqlite"}, fakeFactory{scheme: "PostgreSQL"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%s) twice did not panic", dup.Scheme())
				}
			}()
			r.Register(dup)
		}()
	}
}

func TestDecide(t *testing.T) {
	prev := LedgerEntry{SHA256: "a", Rows: 10, Source: "old.zip!/x.csv"}
	tests := []struct {
		Name      string
		Job       LoadJob
		Found     bool
		Want      Status
		WantError error
	}{
		{Name: "New", Job: LoadJob{SHA256: "a", Rows: 1}, Want: StatusLoaded},
		{Name: "Same", Job: LoadJob{SHA256: "a", Rows: 1}, Found: true, Want: StatusSkipped},
		{Name: "Other", Job: LoadJob{SHA256: "b", Rows: 10}, Found: true, Want: StatusReplaced},
		{Name: "Fuller", Job: LoadJob{SHA256: "b", Rows: 11}, Found: true, Want: StatusReplaced},
		{Name: "Downgrade", Job: LoadJob{SHA256: "b", Rows: 9}, Found: true, WantError: ErrDowngrade},
		{Name: "AllowedDowngrade", Job: LoadJob{SHA256: "b", Rows: 9, AllowDowngrade: true}, Found: true, Want: StatusReplaced},
	}
	for _, tt := range tests {
		got, err := Decide(tt.Job, prev, tt.Found)
		if !errors.Is(err, tt.WantError) || (err == nil && got != tt.Want) {
			t.Errorf("%s: Decide = %v, %v; want %v, %v", tt.Name, got, err, tt.Want, tt.WantError)
		}
	}
}

func TestCheckRows(t *testing.T) {
	job := LoadJob{Rows: 10}
	if err := CheckRows(job, 8, 2); err != nil {
		t.Errorf("CheckRows(10 records, 8 inserted, 2 rejected) = %v", err)
	}
	for _, c := range [][2]int64{{9, 2}, {10, 2}, {10, 1}} {
		if err := CheckRows(job, c[0], c[1]); !errors.Is(err, ErrRowCount) {
			t.Errorf("CheckRows(10 records, %d inserted, %d rejected) = %v, want ErrRowCount", c[0], c[1], err)
		}
	}
}

func TestCheckJob(t *testing.T) {
	ok := LoadJob{Key: "k", SHA256: "s", Table: schema.Table{Name: "t", Columns: []schema.Column{{Name: "a"}}}}
	if err := CheckJob(ok); err != nil {
		t.Errorf("CheckJob(%+v) = %v", ok, err)
	}
	for _, mutate := range []func(*LoadJob){
		func(j *LoadJob) { j.Key = "" },
		func(j *LoadJob) { j.SHA256 = "" },
		func(j *LoadJob) { j.Table.Name = "" },
		func(j *LoadJob) { j.Table.Columns = nil },
	} {
		j := ok
		mutate(&j)
		if err := CheckJob(j); err == nil {
			t.Errorf("CheckJob(%+v) succeeded", j)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		Host string
		Want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"", false},
		{"db.example", false},
		{"localhost.example", false},
		{"10.0.0.1", false},
		{"::2", false},
		{"/run/postgresql", false},
	}
	for _, tt := range tests {
		if got := IsLoopback(tt.Host); got != tt.Want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.Host, got, tt.Want)
		}
	}
}
