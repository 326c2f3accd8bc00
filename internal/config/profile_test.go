package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Want  []Settings // nil when an error is wanted
		// WantErr are substrings of the error; NotErr must not be in it.
		WantErr []string
		NotErr  []string
	}{{
		Name:  "Single",
		Input: "name: rgb\ninputs: [site/rgb]\nworkers: 3\nno_header: true\ndb: sqlite:rgb.db\ninclude:\n  - '*.csv'\n",
		Want: []Settings{{Site: Site{Name: "rgb", Inputs: []string{"site/rgb"}}, Analysis: Analysis{Workers: 3, NoHeader: true,
			Include: []string{"*.csv"}, Out: "rgb.plan.csv"}, Import: Import{DB: "sqlite:rgb.db"}}},
	}, {
		Name:  "Unnamed",
		Input: "inputs: [a]\nout: x.csv\n",
		Want:  []Settings{{Site: Site{Inputs: []string{"a"}}, Analysis: Analysis{Out: "x.csv"}}},
	}, {
		Name:  "SitesWithSharedSettings",
		Input: "workers: 2\nno_header: true\nsites:\n  - name: a\n    inputs: [x]\n  - name: b\n    workers: 5\n    no_header: false\n    out: b.csv\n",
		Want: []Settings{
			{Site: Site{Name: "a", Inputs: []string{"x"}}, Analysis: Analysis{Workers: 2, NoHeader: true, Out: "a.plan.csv"}},
			{Site: Site{Name: "b"}, Analysis: Analysis{Workers: 5, NoHeader: false, Out: "b.csv"}},
		},
	}, {
		Name:  "NullIsUnset",
		Input: "workers:\nmetric: rows\n",
		Want:  []Settings{{Analysis: Analysis{Metric: "rows"}}},
	}, {
		Name:    "UnknownKey",
		Input:   "name: rgb\ninputs: [a]\nwrokers: 4\n",
		WantErr: []string{"p.yaml:3:1:", `unknown key "wrokers"`, `did you mean "workers"`},
	}, {
		Name:    "UnknownKeyInSite",
		Input:   "sites:\n  - name: a\n    maxdepth: 2\n",
		WantErr: []string{"p.yaml:3:5:", `unknown key "maxdepth"`, `"max_depth"`},
	}, {
		Name:    "WrongType",
		Input:   "workers: many\n",
		WantErr: []string{"p.yaml:1:10: workers: want a whole number"},
	}, {
		Name:    "BoolType",
		Input:   "no_header: yes please\n",
		WantErr: []string{"p.yaml:1:12: no_header: want true or false"},
	}, {
		Name:    "ListType",
		Input:   "inputs: site\n",
		WantErr: []string{"p.yaml:1:9: inputs: want a list"},
	}, {
		Name:    "Negative",
		Input:   "max_bad_rows: -1\n",
		WantErr: []string{"p.yaml:1:1: max_bad_rows: must not be negative"},
	}, {
		Name:    "Duplicate",
		Input:   "workers: 1\nworkers: 2\n",
		WantErr: []string{"p.yaml:2:1:", `"workers" already defined`},
	}, {
		Name:    "TwoDocuments",
		Input:   "workers: 1\n---\nworkers: 2\n",
		WantErr: []string{"p.yaml:3:", "one YAML document"},
	}, {
		Name:    "Empty",
		Input:   "# nothing\n",
		WantErr: []string{"p.yaml: the profile is empty"},
	}, {
		Name:    "NotAMapping",
		Input:   "- a\n- b\n",
		WantErr: []string{"p.yaml:1:1:"},
	}, {
		Name:    "Syntax",
		Input:   "inputs: [a\n",
		WantErr: []string{"p.yaml:1:"},
	}, {
		Name:    "NotUTF8",
		Input:   "name: \xff\n",
		WantErr: []string{"not UTF-8"},
	}, {
		Name:    "BadName",
		Input:   "name: ../x\n",
		WantErr: []string{"p.yaml:1:1: name:", "no valid site name"},
	}, {
		Name:    "SiteWithoutName",
		Input:   "sites:\n  - name: a\n  - inputs: [x]\n",
		WantErr: []string{"p.yaml:3:", "site 2 of the list has no name"},
	}, {
		Name:    "DuplicateSiteNames",
		Input:   "sites:\n  - name: a\n  - name: a\n",
		WantErr: []string{"p.yaml:3:5:", `two sites are named "a"`},
	}, {
		Name:    "NameBesideSites",
		Input:   "name: x\nsites:\n  - name: a\n",
		WantErr: []string{"p.yaml:1:1: name:", "each site has its own name"},
	}, {
		Name:    "EmptySites",
		Input:   "sites: []\n",
		WantErr: []string{"p.yaml:1:1: sites:"},
	}, {
		// Made the YAML library panic (found by FuzzProfile).
		Name:    "Tag",
		Input:   "include: ! \n",
		WantErr: []string{"p.yaml:1:10:", "no YAML tags"},
	}, {
		Name:    "PasswordKey",
		Input:   "name: rgb\npassword: SeCr3t-xyz\n",
		WantErr: []string{"p.yaml:2:1:", "a password does not belong in a profile", PasswordEnv, "password_file", "prompt"},
		NotErr:  []string{"SeCr3t"},
	}, {
		Name:    "PasswordKeyInSite",
		Input:   "sites:\n  - name: a\n    db_password: SeCr3t-xyz\n",
		WantErr: []string{"p.yaml:3:5:", `"db_password"`},
		NotErr:  []string{"SeCr3t"},
	}, {
		Name:    "PasswordInURL",
		Input:   "db: postgres://loader:SeCr3t-xyz@db.example:5432/mes\n",
		WantErr: []string{"p.yaml:1:1: db: the database URL holds a password", PasswordEnv, "password_file", "prompt"},
		NotErr:  []string{"SeCr3t"},
	}, {
		Name:    "PasswordParamInURL",
		Input:   "sites:\n  - name: a\n    db: oracle://loader@db:1521/svc?password=SeCr3t-xyz\n",
		WantErr: []string{"p.yaml:3:5: db: the database URL holds a password"},
		NotErr:  []string{"SeCr3t"},
	}, {
		// In double quotes a backslash starts an escape: \e is ESC and \r
		// is CR, where a Windows path was meant.
		Name:    "BackslashEscapesInDoubleQuotes",
		Input:   "name: rgb\ninputs: [\"D:\\exports\\rgb\"]\n",
		WantErr: []string{"p.yaml:2:1: inputs:", "U+001B", "single quotes", "forward slashes"},
	}, {
		Name:    "BackslashNewlineInSite",
		Input:   "sites:\n  - name: a\n    out: \"D:\\new\\a.csv\"\n",
		WantErr: []string{"p.yaml:3:5: out:", "U+000A"},
	}, {
		Name:    "ControlCharacterInURL",
		Input:   "db: \"sqlite:C:\\runs\\x.db\"\n",
		WantErr: []string{"p.yaml:1:1: db:", "U+000D"},
	}, {
		Name:  "BackslashesInSingleQuotes",
		Input: "inputs: ['D:\\exports\\rgb']\ndb: 'sqlite:C:\\runs\\x.db'\n",
		Want:  []Settings{{Site: Site{Inputs: []string{`D:\exports\rgb`}}, Import: Import{DB: `sqlite:C:\runs\x.db`}}},
	}, {
		Name:  "TabDelimiter",
		Input: "delimiter: \"\\t\"\n",
		Want:  []Settings{{Archive: Archive{Delimiter: "\t"}}},
	}, {
		// The YAML library quotes the lines around an error; a secret on
		// a line near a mistake must not be repeated.
		Name:    "ErrorQuotesNoSource",
		Input:   "table: SeCr3t-xyz\nworkers: x\n",
		WantErr: []string{"p.yaml:2:10: workers: want a whole number"},
		NotErr:  []string{"SeCr3t", "table"},
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tt.Input))
			if tt.Want == nil {
				if err == nil {
					t.Fatalf("Parse(%q) = %+v, want an error", tt.Input, p.Sites)
				}
				var ce *Error
				if !errors.As(err, &ce) {
					t.Errorf("error %T is no *config.Error", err)
				}
				for _, w := range tt.WantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				for _, n := range tt.NotErr {
					if strings.Contains(err.Error(), n) {
						t.Errorf("error %q holds %q", err, n)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.Input, err)
			}
			var got []Settings
			for _, s := range p.Sites {
				got = append(got, s.Settings)
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("Parse(%q):\n got %+v\nwant %+v", tt.Input, got, tt.Want)
			}
		})
	}
}

func TestParseOrigins(t *testing.T) {
	p, err := Parse("p.yaml", []byte("workers: 2\nsites:\n  - name: a\n    metric: bytes\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Sites[0]
	for key, want := range map[string]string{"workers": "p.yaml:1:1", "metric": "p.yaml:4:5", "name": "p.yaml:3:5", "out": "p.yaml:3:5"} {
		if got := s.Origins[key].String(); got != want {
			t.Errorf("origin of %s = %s, want %s", key, got, want)
		}
	}
	if s.Has("db") || s.Has("no_header") {
		t.Errorf("keys the profile does not name are set: %v", s.Origins)
	}
}

func TestMergePrecedence(t *testing.T) {
	layer := func(kind OriginKind, kv ...string) Layer {
		var l Layer
		for i := 0; i < len(kv); i += 2 {
			if err := l.Set(kv[i], kv[i+1], Origin{Kind: kind, Name: kv[i]}); err != nil {
				t.Fatal(err)
			}
		}
		return l
	}
	defaults := layer(FromDefault, "workers", "8", "metric", "rows", "no_header", "false", "out", "plan.csv", "max_bad_rows", "0")
	file := layer(FromFile, "workers", "3", "metric", "bytes", "no_header", "true", "out", "file.csv", "max_bad_rows", "5", "include", "*.csv")
	env := layer(FromEnv, "metric", "max:ts", "no_header", "false", "out", "env.csv")
	flags := layer(FromFlag, "out", "flag.csv", "max_bad_rows", "0")
	got := Merge(defaults, file, env, flags)
	want := Settings{Analysis: Analysis{Workers: 3, Metric: "max:ts", NoHeader: false, Out: "flag.csv", Include: []string{"*.csv"}}, Import: Import{MaxBadRows: 0}}
	if !reflect.DeepEqual(got.Settings, want) {
		t.Errorf("Merge:\n got %+v\nwant %+v", got.Settings, want)
	}
	for key, kind := range map[string]OriginKind{"workers": FromFile, "metric": FromEnv, "no_header": FromEnv, "out": FromFlag, "max_bad_rows": FromFlag, "include": FromFile} {
		if got.Origins[key].Kind != kind {
			t.Errorf("origin of %s = %v, want %v", key, got.Origins[key].Kind, kind)
		}
	}
}

func TestFromEnvironment(t *testing.T) {
	env := map[string]string{
		"SIFTLOAD_WORKERS":         "6",
		"SIFTLOAD_NO_HEADER":       "false",
		"SIFTLOAD_INCLUDE":         "*.csv, data/*.txt",
		"SIFTLOAD_DB":              "postgres://loader@db.example/mes",
		"SIFTLOAD_MAX_BAD_ROWS":    "",
		"SIFTLOAD_DB_PASSWORD":     "SeCr3t-xyz",
		"SIFTLOAD_INSECURE_NO_TLS": "1",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	l, err := FromEnvironment(lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Analysis: Analysis{Workers: 6, Include: []string{"*.csv", "data/*.txt"}}, Import: Import{DB: "postgres://loader@db.example/mes"}, Connection: Connection{InsecureNoTLS: true}}
	if !reflect.DeepEqual(l.Settings, want) {
		t.Errorf("got %+v\nwant %+v", l.Settings, want)
	}
	if !l.Has("no_header") || l.Has("max_bad_rows") || l.Origins["workers"].String() != "SIFTLOAD_WORKERS" {
		t.Errorf("origins: %v", l.Origins)
	}

	env = map[string]string{"SIFTLOAD_WORKERS": "lots"}
	if _, err := FromEnvironment(lookup); err == nil || err.Error() != `SIFTLOAD_WORKERS: want a whole number, got "lots"` {
		t.Errorf("bad number: %v", err)
	}
	env = map[string]string{"SIFTLOAD_DB": "postgres://loader:SeCr3t-xyz@db/mes"}
	_, err = FromEnvironment(lookup)
	if err == nil || !strings.HasPrefix(err.Error(), "SIFTLOAD_DB: the database URL holds a password") || strings.Contains(err.Error(), "SeCr3t") {
		t.Errorf("password in SIFTLOAD_DB: %v", err)
	}
}

func TestUnknownEnv(t *testing.T) {
	got := UnknownEnv([]string{"SIFTLOAD_WORKERS=1", "SIFTLOAD_WROKERS=2", "SIFTLOAD_DB_PASSWORD=x", "SIFTLOAD_TEST_POSTGRES_URL=x", "HOME=/root", "SIFTLOAD_PASSWORD=x"})
	if want := []string{"SIFTLOAD_PASSWORD", "SIFTLOAD_WROKERS"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UnknownEnv = %v, want %v", got, want)
	}
}

func TestKeysAndEnvNames(t *testing.T) {
	keys := Keys()
	if len(keys) != reflectFields() || keys[0] != "name" {
		t.Errorf("keys: %v", keys)
	}
	for _, k := range keys {
		if k != strings.ToLower(k) || strings.ContainsAny(k, "- ") {
			t.Errorf("key %q is not snake_case", k)
		}
	}
	if EnvName("max_bad_rows") != "SIFTLOAD_MAX_BAD_ROWS" || EnvName("name") != "" || EnvName("inputs") != "" {
		t.Errorf("EnvName")
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	in := "workers: 2\nsites:\n  - name: a\n    inputs: [\"x y\", 'z: #1']\n    table: \"{dir}_{base}\"\n    no_header: false\n  - name: b\n    key: '!/(?P<key>[a-z]+)\\.'\n    delimiter: \"\\t\"\n"
	p, err := Parse("p.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Parse("q.yaml", out)
	if err != nil {
		t.Fatalf("re-parse %s: %v", out, err)
	}
	if !sameSites(p, q) {
		t.Errorf("round trip differs:\n%s", out)
	}
}

// reflectFields counts the fields of Settings' parts.
func reflectFields() int {
	n := 0
	t := reflect.TypeFor[Settings]()
	for i := range t.NumField() {
		n += t.Field(i).Type.NumField()
	}
	return n
}

// sameSites reports whether two profiles hold the same settings and set
// the same keys.
func sameSites(a, b *Profile) bool {
	if len(a.Sites) != len(b.Sites) {
		return false
	}
	for i := range a.Sites {
		if !reflect.DeepEqual(a.Sites[i].Settings, b.Sites[i].Settings) {
			return false
		}
		for _, k := range Keys() {
			if a.Sites[i].Has(k) != b.Sites[i].Has(k) {
				return false
			}
		}
	}
	return true
}
