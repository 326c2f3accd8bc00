package queue

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
)

func TestDialOptions(t *testing.T) {
	caFile := writeCA(t)
	tests := []struct {
		Name       string
		Dial       Dial
		WantTLS    bool
		WantCAFile bool
		WantErr    string
	}{
		{Name: "Loopback", Dial: Dial{URL: "nats://127.0.0.1:4222"}},
		{Name: "Localhost", Dial: Dial{URL: "nats://localhost:4222"}},
		{Name: "LocalhostUpper", Dial: Dial{URL: "nats://LOCALHOST:4222"}},
		{Name: "IPv6Loopback", Dial: Dial{URL: "nats://[::1]:4222"}},
		{Name: "RemoteNeedsTLS", Dial: Dial{URL: "nats://nats.example:4222"}, WantTLS: true},
		{Name: "OneRemoteOfTwo", Dial: Dial{URL: "nats://127.0.0.1:4222,nats://10.0.0.5:4222"}, WantTLS: true},
		{Name: "RemoteInsecure", Dial: Dial{URL: "nats://nats.example:4222", InsecureNoTLS: true}},
		{Name: "TLSScheme", Dial: Dial{URL: "tls://127.0.0.1:4222"}, WantTLS: true},
		{Name: "CAFile", Dial: Dial{URL: "nats://127.0.0.1:4222", CAFile: caFile}, WantTLS: true, WantCAFile: true},
		{Name: "PasswordInURL", Dial: Dial{URL: "nats://loader:s3cret@127.0.0.1:4222"}, WantErr: "holds credentials"},
		{Name: "TokenInURL", Dial: Dial{URL: "nats://s3cret@127.0.0.1:4222"}, WantErr: "holds credentials"},
		{Name: "OtherScheme", Dial: Dial{URL: "http://127.0.0.1:4222"}, WantErr: "scheme \"http\""},
		{Name: "NoURL", Dial: Dial{}, WantErr: "no server URL"},
		{Name: "TwoAuths", Dial: Dial{URL: "nats://127.0.0.1:4222", Token: "t", User: "u", Password: "p"}, WantErr: "choose one way"},
		{Name: "UserWithoutPassword", Dial: Dial{URL: "nats://127.0.0.1:4222", User: "u"}, WantErr: "needs a password"},
		{Name: "CertWithoutKey", Dial: Dial{URL: "tls://127.0.0.1:4222", CertFile: "c.pem"}, WantErr: "both"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			opts, err := tt.Dial.Options()
			if tt.WantErr != "" {
				if err == nil || !errors.Is(err, ErrDial) || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("error = %v, want ErrDial with %q", err, tt.WantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := nats.GetDefaultOptions()
			for _, opt := range opts {
				// RootCAs reads its file only when connecting.
				if err := opt(&o); err != nil {
					t.Fatal(err)
				}
			}
			if o.Secure != tt.WantTLS {
				t.Errorf("Secure = %t, want %t", o.Secure, tt.WantTLS)
			}
			if o.Secure && (o.TLSConfig == nil || o.TLSConfig.InsecureSkipVerify) {
				t.Errorf("TLS config %+v does not verify the server", o.TLSConfig)
			}
			if got := o.RootCAsCB != nil; got != tt.WantCAFile {
				t.Errorf("root CAs from a file = %t, want %t", got, tt.WantCAFile)
			}
		})
	}
}

// writeCA writes a self-signed CA certificate and returns its path.
func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "siftload test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDialAuth(t *testing.T) {
	d := Dial{URL: "nats://127.0.0.1:4222", User: "loader", Password: "pw"}
	opts, err := d.Options()
	if err != nil {
		t.Fatal(err)
	}
	o := nats.GetDefaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.User != "loader" || o.Password != "pw" {
		t.Errorf("user %q password %q, want loader pw", o.User, o.Password)
	}
	d = Dial{URL: "nats://127.0.0.1:4222", Token: "tok"}
	opts, _ = d.Options()
	o = nats.GetDefaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.Token != "tok" {
		t.Errorf("token %q, want tok", o.Token)
	}
}

func TestNames(t *testing.T) {
	n, err := NewNames("site-rgb_1")
	if err != nil {
		t.Fatal(err)
	}
	if n.TaskStream() != "site-rgb_1_tasks" || n.TaskSubject("r") != "site-rgb_1.tasks.r" || n.Consumer() != "site-rgb_1_workers" {
		t.Errorf("names %s %s %s", n.TaskStream(), n.TaskSubject("r"), n.Consumer())
	}
	for _, bad := range []string{"", "a.b", "a b", "a*", "a>", strings.Repeat("x", 65)} {
		if _, err := NewNames(bad); err == nil {
			t.Errorf("NewNames(%q) did not fail", bad)
		}
	}
}

func TestMapPath(t *testing.T) {
	maps := []PathMap{}
	for _, s := range []string{"/mnt/site=/data/site", "/mnt/site/old=/archive/old", `C:\exports=/srv/exports`, "/root=/"} {
		m, err := ParsePathMap(s)
		if err != nil {
			t.Fatal(err)
		}
		maps = append(maps, m)
	}
	tests := []struct{ In, Want string }{
		{"/mnt/site/2023/a.zip", "/data/site/2023/a.zip"},
		{"/mnt/site/old/b.tar.gz", "/archive/old/b.tar.gz"}, // the longest FROM wins
		{"/mnt/sitex/a.zip", "/mnt/sitex/a.zip"},            // whole elements only
		{"/mnt/site", "/data/site"},
		{"C:/exports/x.zip", "/srv/exports/x.zip"},
		{"/root/a.zip", "/a.zip"},
		{"/elsewhere/a.zip", "/elsewhere/a.zip"},
	}
	for _, tt := range tests {
		if got := MapPath(maps, tt.In); got != filepath.FromSlash(tt.Want) {
			t.Errorf("MapPath(%q) = %q, want %q", tt.In, got, tt.Want)
		}
	}
	for _, bad := range []string{"", "/a", "=/b", "/a="} {
		if _, err := ParsePathMap(bad); err == nil {
			t.Errorf("ParsePathMap(%q) did not fail", bad)
		}
	}
}

func wireCands(n int, source string) []plan.Candidate {
	var out []plan.Candidate
	for i := range n {
		c := plan.Candidate{Key: fmt.Sprintf("data/K%03d.csv", i), Source: fmt.Sprintf("%s!/data/K%03d.csv", source, i),
			Rows: int64(i), Bytes: int64(10 * i), SHA256: strings.Repeat("0", 64), Value: fmt.Sprint(i)}
		if i%3 == 1 {
			c.Warnings = []string{plan.WarnFieldCount(int64(i), 2), plan.WarnMixedLineEndings}
		}
		out = append(out, c)
	}
	return out
}

// results decodes chunk messages.
func results(t *testing.T, msgs [][]byte) []*Result {
	t.Helper()
	var out []*Result
	for _, m := range msgs {
		var r Result
		if err := json.Unmarshal(m, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, &r)
	}
	return out
}

func TestChunkResultsRespectsLimit(t *testing.T) {
	cands := wireCands(300, "site/a.zip")
	probs := []*problem.Error{problem.New("site/a.zip!/bad.csv", 3, errors.New("decode text: bad"))}
	base := Result{Format: Format, Run: "r", Index: 0, Source: "site/a.zip", Attempt: "w-1", Worker: "w", Delivery: 1}
	const limit = 4096
	msgs, err := chunkResults(base, cands, probs, Stats{DataFiles: 300}, limit)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 5 {
		t.Fatalf("%d chunks for 300 candidates under %d bytes, want several", len(msgs), limit)
	}
	for i, m := range msgs {
		if len(m) > limit {
			t.Errorf("chunk %d has %d bytes, over %d", i, len(m), limit)
		}
	}
	rs := results(t, msgs)
	var got []plan.Candidate
	for i, r := range rs {
		if r.Chunk != i || r.Chunks != len(msgs) {
			t.Errorf("chunk %d says %d of %d", i, r.Chunk, r.Chunks)
		}
		if (r.Stats != nil) != (i == len(rs)-1) {
			t.Errorf("chunk %d: stats %v, want them in the last chunk only", i, r.Stats)
		}
		for _, c := range r.Candidates {
			got = append(got, c.plan())
		}
	}
	if !reflect.DeepEqual(got, cands) {
		t.Error("the chunks do not hold the candidates in order")
	}
	if _, err := chunkResults(base, wireCands(1, strings.Repeat("x", limit)), nil, Stats{}, limit); err == nil {
		t.Error("a candidate over the limit did not fail")
	}
}

func TestCollectorKeepsFirstCompleteAttempt(t *testing.T) {
	inputs := []archive.Input{{Source: "site/a.zip", Size: 10}, {Source: "site/b.zip", Size: 20}}
	c := newCollector("run1", inputs)
	chunks := func(attempt string, index int, cands []plan.Candidate, delivery uint64) []*Result {
		base := Result{Format: Format, Run: "run1", Index: index, Source: inputs[index].Source, Attempt: attempt, Worker: attempt, Delivery: delivery}
		msgs, err := chunkResults(base, cands, nil, Stats{DataFiles: int64(len(cands))}, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return results(t, msgs)
	}
	a := wireCands(40, "site/a.zip")
	// A worker killed while publishing: only its first chunk arrives.
	killed := chunks("killed", 0, a, 1)
	if len(killed) < 3 {
		t.Fatalf("want several chunks, got %d", len(killed))
	}
	if i, _ := c.add(killed[0]); i != -1 {
		t.Fatal("an incomplete attempt completed the input")
	}
	// The redelivery, chunks out of order; then the rest of the killed
	// attempt, and a third attempt with other (wrong) content: ignored.
	second := chunks("second", 0, a, 2)
	for j := len(second) - 1; j >= 1; j-- {
		if i, _ := c.add(second[j]); i != -1 {
			t.Fatal("completed before its first chunk")
		}
	}
	i, note := c.add(second[0])
	if i != 0 || !strings.Contains(note, "delivery 2") {
		t.Fatalf("add = %d %q, want input 0 done on delivery 2", i, note)
	}
	for _, r := range append(killed[1:], chunks("third", 0, wireCands(3, "site/a.zip"), 3)...) {
		if i, _ := c.add(r); i != -1 {
			t.Fatal("a late attempt completed input 0 again")
		}
	}
	// Another run's result, or a result naming another source: ignored.
	stray := chunks("x", 1, wireCands(1, "site/b.zip"), 1)[0]
	stray.Run = "run0"
	if i, _ := c.add(stray); i != -1 {
		t.Fatal("another run's result counted")
	}
	wrong := chunks("y", 1, wireCands(1, "site/b.zip"), 1)[0]
	wrong.Source = "site/c.zip"
	if i, _ := c.add(wrong); i != -1 {
		t.Fatal("a result for an unknown source counted")
	}
	// Input 1 fails on its last delivery.
	if i, _ := c.add(&Result{Format: Format, Run: "run1", Index: 1, Source: "site/b.zip", Attempt: "z", Worker: "w9", Delivery: 3, Chunks: 1, Failed: "stat: no such file"}); i != 1 {
		t.Fatal("a failed result did not finish its input")
	}
	if c.fail(1, errors.New("advisory")) {
		t.Error("the advisory after the failed result counted again")
	}
	res := c.result(0)
	if !reflect.DeepEqual(res.Candidates, a) {
		t.Errorf("candidates are not exactly the second attempt's (%d of them)", len(res.Candidates))
	}
	if len(res.Problems) != 1 || res.Problems[0].Source != "site/b.zip" || !strings.Contains(res.Problems[0].Error(), "failed on 3 deliveries") {
		t.Errorf("problems = %v", res.Problems)
	}
	if res.Stats.DataFiles != 40 || res.Stats.InputBytes != 30 {
		t.Errorf("stats = %+v", res.Stats)
	}
}

func TestWorkerReadsOnlyUnderRoots(t *testing.T) {
	site, other := t.TempDir(), t.TempDir()
	inSite := filepath.Join(site, "a.csv")
	outside := filepath.Join(other, "secret.csv")
	escape := filepath.Join(site, "link.csv") // a link out of the site
	for _, p := range []string{inSite, outside} {
		if err := os.WriteFile(p, []byte("a\n1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, escape); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Path    string
		Roots   []string
		WantErr bool
	}{
		{Path: inSite, Roots: nil},
		{Path: outside, Roots: nil},
		{Path: inSite, Roots: []string{site}},
		{Path: outside, Roots: []string{site}, WantErr: true},
		{Path: escape, Roots: []string{site}, WantErr: true},
		// Not filepath.Join, which would clean the ".." away.
		{Path: site + string(filepath.Separator) + filepath.Join("..", filepath.Base(other), "secret.csv"), Roots: []string{site}, WantErr: true},
		{Path: outside, Roots: []string{site, other}},
	}
	for _, tt := range tests {
		w := &Worker{Roots: tt.Roots} // the task has no settings: an error past the root check
		_, _, err := w.analyze(t.Context(), &Task{Format: Format, Path: filepath.ToSlash(tt.Path), Size: 4}, 1)
		outside := err != nil && strings.Contains(err.Error(), "outside the directories")
		if outside != tt.WantErr {
			t.Errorf("task %s with roots %v: %v, want refused=%t", tt.Path, tt.Roots, err, tt.WantErr)
		}
	}
}
