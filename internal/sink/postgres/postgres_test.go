package postgres

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
	"github.com/siftload/siftload/internal/testenv"
)

var _ sinktest.Inspector = (*Sink)(nil)

// testDSN returns the DSN of the test server from SIFTLOAD_TEST_POSTGRES_URL
// (the password, if any, from SIFTLOAD_TEST_POSTGRES_PASSWORD). Without it
// the test skips, or fails when SIFTLOAD_TEST_DISALLOW_SKIP is set (CI).
func testDSN(tb testing.TB) (string, sink.Options) {
	tb.Helper()
	dsn := os.Getenv("SIFTLOAD_TEST_POSTGRES_URL")
	if dsn == "" {
		const msg = "SIFTLOAD_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"
		testenv.Skip(tb, "skipping PostgreSQL tests: "+msg)
	}
	return dsn, sink.Options{Password: os.Getenv("SIFTLOAD_TEST_POSTGRES_PASSWORD")}
}

func TestSinktest(t *testing.T) {
	dsn, opts := testDSN(t)
	sinktest.Run(t, Factory{}, dsn, opts)
}

func BenchmarkLoad(b *testing.B) {
	dsn, opts := testDSN(b)
	sinktest.Bench(b, Factory{}, dsn, opts, 100_000)
}

// BenchmarkLoadSmallParallel loads many small keys from 8 goroutines at
// once into one table (one-table mode), as import --load-workers 8 does:
// what it measures beyond the database is taking and giving back
// connections.
func BenchmarkLoadSmallParallel(b *testing.B) {
	dsn, opts := testDSN(b)
	s, err := Factory{}.Open(b.Context(), dsn, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const rows = 10
	recs := sinktest.Synthetic(rows)
	table := fmt.Sprintf("sbp_%d", time.Now().UnixNano())
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4) // 8 goroutines on 2 CPUs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			j := sink.LoadJob{
				Key:      fmt.Sprintf("%s/%d.csv", table, i),
				Source:   "bench",
				SHA256:   fmt.Sprintf("%064x", i),
				Rows:     rows,
				Table:    schema.Table{Name: table, Columns: sinktest.SyntheticColumns},
				OneTable: true,
			}
			if _, err := s.Load(context.Background(), j, sinktest.NewSource(recs...)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "loads/s")
}

func TestRedact(t *testing.T) {
	tests := []struct{ Name, Input, Want string }{
		{"NoPassword", "postgres://u@h:5432/db?sslmode=require", "postgres://u@h:5432/db?sslmode=require"},
		{"UserInfo", "postgres://u:secret@h/db", "postgres://u@h/db"},
		{"Param", "postgresql://u@h/db?password=secret&sslmode=disable", "postgresql://u@h/db?sslmode=disable"},
		{"NoURL", "host=h password=secret", "postgres://REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got := Factory{}.Redact(tt.Input)
			if got != tt.Want {
				t.Errorf("Redact(%q) = %q, want %q", tt.Input, got, tt.Want)
			}
			if strings.Contains(got, "secret") {
				t.Errorf("Redact(%q) shows the password", tt.Input)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	type attempt struct {
		Host   string
		TLS    bool
		Verify bool // the certificate and the host name are checked
	}
	// attempts lists what cfg will try, in order.
	attempts := func(cfg *pgx.ConnConfig) []attempt {
		one := func(host string, tc *tls.Config) attempt {
			return attempt{Host: host, TLS: tc != nil, Verify: tc != nil && !tc.InsecureSkipVerify && tc.ServerName == host}
		}
		out := []attempt{one(cfg.Host, cfg.TLSConfig)}
		for _, fb := range cfg.Fallbacks {
			out = append(out, one(fb.Host, fb.TLSConfig))
		}
		return out
	}
	caFile := sinktest.NewCA(t, "test CA").WriteCert(t, t.TempDir(), "ca.crt")
	verified := []attempt{{"db.example.com", true, true}}
	tests := []struct {
		Name    string
		DSN     string
		Opts    sink.Options
		WantErr string
		Want    []attempt // checked when not nil
	}{
		{Name: "PasswordInURL", DSN: "postgres://u:pw@127.0.0.1/db", WantErr: "password"},
		{Name: "PasswordParam", DSN: "postgres://u@127.0.0.1/db?password=pw", WantErr: "password"},
		{Name: "OtherScheme", DSN: "mysql://u@h/db", WantErr: "scheme"},
		{Name: "PlainRemote", DSN: "postgres://u@db.example.com/db?sslmode=disable", WantErr: "plain-text"},
		{Name: "PlainRemoteAllowed", DSN: "postgres://u@db.example.com/db?sslmode=disable", Opts: sink.Options{InsecureNoTLS: true},
			Want: []attempt{{"db.example.com", false, false}}},
		{Name: "PlainLoopback", DSN: "postgres://u@127.0.0.1/db?sslmode=disable", Want: []attempt{{"127.0.0.1", false, false}}},
		{Name: "PlainLocalhost", DSN: "postgres://u@localhost/db?sslmode=disable", Want: []attempt{{"localhost", false, false}}},
		{Name: "PlainLocalhostUpper", DSN: "postgres://u@LocalHost/db?sslmode=disable", Want: []attempt{{"LocalHost", false, false}}},
		{Name: "PlainIPv6Loopback", DSN: "postgres://u@[::1]/db?sslmode=disable", Want: []attempt{{"::1", false, false}}},
		{Name: "PlainUnixSocket", DSN: "postgres://u@/db?host=/run/postgresql&sslmode=disable", Want: []attempt{{"/run/postgresql", false, false}}},
		{Name: "PlainSecondHostRemoteDropped", DSN: "postgres://u@127.0.0.1,db.example.com/db?sslmode=disable",
			Want: []attempt{{"127.0.0.1", false, false}}},
		{Name: "DefaultRemoteIsVerifyFull", DSN: "postgres://u@db.example.com/db", Want: verified},
		{Name: "DefaultSecondHostRemote", DSN: "postgres://u@127.0.0.1,db.example.com/db",
			Want: []attempt{{"127.0.0.1", true, true}, {"db.example.com", true, true}}},
		{Name: "DefaultRemoteAllowedPlain", DSN: "postgres://u@db.example.com/db", Opts: sink.Options{InsecureNoTLS: true},
			Want: []attempt{{"db.example.com", true, false}, {"db.example.com", false, false}}},
		{Name: "DefaultLoopbackPrefers", DSN: "postgres://u@127.0.0.1/db",
			Want: []attempt{{"127.0.0.1", true, false}, {"127.0.0.1", false, false}}},
		{Name: "CAFileIsVerifyFull", DSN: "postgres://u@127.0.0.1/db", Opts: sink.Options{CAFile: caFile},
			Want: []attempt{{"127.0.0.1", true, true}}},
		{Name: "PreferRemoteLosesFallback", DSN: "postgres://u@db.example.com/db?sslmode=prefer",
			Want: []attempt{{"db.example.com", true, false}}},
		{Name: "RequireRemoteKept", DSN: "postgres://u@db.example.com/db?sslmode=require",
			Want: []attempt{{"db.example.com", true, false}}},
		{Name: "VerifyFullRemote", DSN: "postgres://u@db.example.com/db?sslmode=verify-full", Want: verified},
		{Name: "MissingCAFile", DSN: "postgres://u@db.example.com/db", Opts: sink.Options{CAFile: "/nonexistent/ca.crt"}, WantErr: "CA file"},
		{Name: "CertWithoutKey", DSN: "postgres://u@db.example.com/db", Opts: sink.Options{CertFile: caFile}, WantErr: "sslkey"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			opts := tt.Opts
			opts.Password = "from-options"
			cfg, err := Config(tt.DSN, opts)
			if tt.WantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("Config(%q) error = %v, want one about %q", tt.DSN, err, tt.WantErr)
				}
				if strings.Contains(err.Error(), "from-options") || strings.Contains(err.Error(), "pw") && strings.Contains(tt.DSN, "pw") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Config(%q): %v", tt.DSN, err)
			}
			if cfg.Password != "from-options" {
				t.Errorf("password = %q, want the one from Options", cfg.Password)
			}
			if got := attempts(cfg); tt.Want != nil && !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("Config(%q) attempts\ngot  %+v\nwant %+v", tt.DSN, got, tt.Want)
			}
		})
	}
}

// TestOpenRefusesPlainRemote checks that Open refuses plain text to a host
// that is not local before it dials: the host does not exist.
func TestOpenRefusesPlainRemote(t *testing.T) {
	_, err := Factory{}.Open(t.Context(), "postgres://u@db.invalid/db?sslmode=disable", sink.Options{Password: "S3cr3t-pw-xyz"})
	if err == nil || !strings.Contains(err.Error(), "plain-text connection to db.invalid refused") {
		t.Fatalf("Open error = %v, want a refused plain-text connection", err)
	}
	if strings.Contains(err.Error(), "S3cr3t-pw-xyz") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestTypeOf(t *testing.T) {
	for dt, want := range map[string]schema.Type{
		"bigint": schema.Integer, "integer": schema.Integer, "numeric": schema.Decimal, "double precision": schema.Decimal,
		"timestamp without time zone": schema.Timestamp, "timestamp with time zone": schema.TimestampTZ, "date": schema.Date,
		"text": schema.Text, "character varying": schema.Text, "jsonb": schema.Text,
	} {
		if got := typeOf(dt); got != want {
			t.Errorf("typeOf(%q) = %v, want %v", dt, got, want)
		}
	}
}

func TestAppendNumeric(t *testing.T) {
	tests := []struct{ Input, Want string }{
		{"12.50", "12.50"},
		{"-0.001", "-0.001"},
		{"0", "0"},
		{"0.00", "0"}, // dscale 2 is written, but pgx reads no scale for zero
		{"-0", "0"},
		{"7", "7"},
		{"10000", "10000"},
		{"100000000", "100000000"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"},
		{"0.00000001", "0.00000001"},
		{"1.0001", "1.0001"},
		{"99990000.00009999", "99990000.00009999"},
		{"007.5", "7.5"},
		{"+5", "5"},
		{".5", "0.5"},
		{"5.", "5"},
	}
	m := pgtype.NewMap()
	for _, tt := range tests {
		t.Run(tt.Input, func(t *testing.T) {
			b, err := appendNumeric([]byte{0xff}, tt.Input)
			if err != nil {
				t.Fatalf("appendNumeric(%q): %v", tt.Input, err)
			}
			if b[0] != 0xff {
				t.Fatalf("appendNumeric overwrote the buffer")
			}
			v, err := pgtype.NumericCodec{}.DecodeValue(m, pgtype.NumericOID, pgtype.BinaryFormatCode, b[1:])
			if err != nil {
				t.Fatalf("decode %q: %v", tt.Input, err)
			}
			got, err := v.(pgtype.Numeric).Value()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.Want {
				t.Errorf("appendNumeric(%q) decodes as %v, want %s", tt.Input, got, tt.Want)
			}
			// pgx's own encoder, from pgx's own parse, gives the same.
			n, err := decimalText(tt.Input).NumericValue()
			if err != nil {
				t.Fatal(err)
			}
			pb, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, n, nil)
			if err != nil {
				t.Fatal(err)
			}
			pv, err := pgtype.NumericCodec{}.DecodeValue(m, pgtype.NumericOID, pgtype.BinaryFormatCode, pb)
			if err != nil {
				t.Fatal(err)
			}
			// (pgx writes zero with a digit and reads back its scale.)
			if want, _ := pv.(pgtype.Numeric).Value(); got != want && got != "0" {
				t.Errorf("appendNumeric(%q) decodes as %v, pgx's encoding as %v", tt.Input, got, want)
			}
		})
	}
	for _, bad := range []string{"", "-", ".", "1e5", "12,5", "1.2.3", " 1", "NaN"} {
		if _, err := appendNumeric(nil, bad); err == nil {
			t.Errorf("appendNumeric(%q) succeeded", bad)
		}
	}
}

// TestNumericLive copies decimals into a numeric column and reads them back
// as PostgreSQL prints them: value and scale are kept exactly.
func TestNumericLive(t *testing.T) {
	dsn, opts := testDSN(t)
	ctx := context.Background()
	f, err := Factory{}.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.(*Sink)
	c, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if _, err := c.Exec(ctx, "CREATE TEMP TABLE nums (i int, d numeric, t text, f double precision)"); err != nil {
		t.Fatal(err)
	}
	defer c.Exec(ctx, "DROP TABLE nums")
	in := []string{"12.50", "-0.001", "0", "0.00", "-9223372036854775808.5", "123456789012345678901234567890.123456789", "0.00000001", "99990000.00009999"}
	rows := make([][]any, len(in))
	for i, d := range in {
		rows[i] = []any{i, decimalText(d), decimalText(d), decimalText(d)}
	}
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"nums"}, []string{"i", "d", "t", "f"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	r, err := c.Query(ctx, "SELECT d::text, t FROM nums ORDER BY i")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(r, func(row pgx.CollectableRow) ([2]string, error) {
		var p [2]string
		err := row.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range got {
		if p[0] != in[i] || p[1] != in[i] {
			t.Errorf("decimal %q reads back as numeric %q, text %q", in[i], p[0], p[1])
		}
	}
}

func BenchmarkAppendNumeric(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf, _ = appendNumeric(buf[:0], "-123456.78")
	}
}
