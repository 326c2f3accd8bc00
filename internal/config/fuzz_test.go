package config

import (
	"testing"
)

// FuzzProfile feeds the profile parser arbitrary text: it must never
// panic, and a profile it accepts must come back with the same settings
// (and the same keys set) from what Marshal writes.
func FuzzProfile(f *testing.F) {
	for _, seed := range []string{
		"name: rgb\ninputs: [examples/site-rgb]\ndb: sqlite:rgb.db\n",
		"workers: 2\nsites:\n  - name: a\n    inputs: [x]\n  - name: b\n    no_header: true\n",
		"include: ['*.csv', \"*.txt\"]\nkey: '!/(?P<key>.*)'\ndelimiter: \"\\t\"\n",
		"password: x\n",
		"db: postgres://u:p@h/db\n",
		"a: &x {b: 1}\nc: *x\n",
		"inputs: [\"\\x41\\u00e9\\U0001F600\"]\n",
		"name: rgb\nmax_bad_rows: 9223372036854775807\n",
		"table: |\n  multi\n  line\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		q, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("Parse(%q) = ok, but its Marshal\n%s\ndoes not parse: %v", data, out, err)
		}
		if !sameSites(p, q) {
			t.Fatalf("Parse(%q):\n%+v\nafter Marshal\n%s\nparses to\n%+v", data, p.Sites, out, q.Sites)
		}
	})
}
