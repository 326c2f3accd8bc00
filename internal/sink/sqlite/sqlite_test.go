package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

var _ sinktest.Inspector = (*Sink)(nil)

func TestSinktest(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	sinktest.Run(t, Factory{}, dsn, sink.Options{})
}

func TestParseDSN(t *testing.T) {
	sinktest.RunDSNCases(t, ParseDSN, []sinktest.DSNCase[Config]{
		{Name: "Relative", Input: "sqlite:data/x.db", Want: Config{Path: "data/x.db", BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		{Name: "SlashSlash", Input: "sqlite://x.db", Want: Config{Path: "x.db", BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		{Name: "Absolute", Input: "sqlite:///var/lib/x.db", Want: Config{Path: "/var/lib/x.db", BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		{Name: "AbsoluteOneSlash", Input: "sqlite:/var/lib/x.db", Want: Config{Path: "/var/lib/x.db", BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		{Name: "Params", Input: "sqlite:x.db?busy_timeout=30s&synchronous=full", Want: Config{Path: "x.db", BusyTimeout: 30 * time.Second, Synchronous: "FULL"}},
		{Name: "UpperScheme", Input: "SQLite:x.db", Want: Config{Path: "x.db", BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		// Paths are taken as written: no %-decoding, no fragment.
		{Name: "Spaces", Input: "sqlite:C:/Program Files/site rgb/x.db", Want: Config{Path: "C:/Program Files/site rgb/x.db", BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		{Name: "Percent", Input: "sqlite:runs/50%25 done%.db", Want: Config{Path: "runs/50%25 done%.db", BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		{Name: "Hash", Input: "sqlite:runs/#1.db?busy_timeout=1s", Want: Config{Path: "runs/#1.db", BusyTimeout: time.Second, Synchronous: "NORMAL"}},
		{Name: "WindowsLongPath", Input: `sqlite:\\?\C:\runs\x.db`, Want: Config{Path: `\\?\C:\runs\x.db`, BusyTimeout: 10 * time.Minute, Synchronous: "NORMAL"}},
		{Name: "WindowsLongPathParams", Input: `sqlite:\\?\UNC\srv\share\x.db?synchronous=full`, Want: Config{Path: `\\?\UNC\srv\share\x.db`, BusyTimeout: 10 * time.Minute, Synchronous: "FULL"}},
		{Name: "NoPath", Input: "sqlite:", WantErr: true},
		{Name: "NoPathParams", Input: "sqlite://?synchronous=full", WantErr: true},
		{Name: "Memory", Input: "sqlite::memory:", WantErr: true},
		{Name: "URI", Input: "sqlite:file:x.db", WantErr: true},
		{Name: "OtherScheme", Input: "postgres://x", WantErr: true},
		{Name: "UnknownParam", Input: "sqlite:x.db?_pragma=foo", WantErr: true},
		{Name: "BadTimeout", Input: "sqlite:x.db?busy_timeout=5", WantErr: true},
		{Name: "BadSync", Input: "sqlite:x.db?synchronous=off", WantErr: true},
	})
	if runtime.GOOS == "windows" {
		got, err := ParseDSN("sqlite:///C:/data/x.db")
		if err != nil || got.Path != "C:/data/x.db" {
			t.Errorf("ParseDSN(windows path) = %+v, %v", got, err)
		}
	}
}

func TestDriverPath(t *testing.T) {
	tests := []struct{ Name, Input, Want string }{
		{Name: "Plain", Input: "runs/x.db", Want: "runs/x.db"},
		{Name: "Drive", Input: `C:\runs\x.db`, Want: `C:\runs\x.db`},
		{Name: "LongDrive", Input: `\\?\C:\runs\x.db`, Want: `C:\runs\x.db`},
		{Name: "LongUNC", Input: `\\?\UNC\srv\share\x.db`, Want: `\\srv\share\x.db`},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := driverPath(tt.Input); got != tt.Want {
				t.Errorf("driverPath(%q) = %q, want %q", tt.Input, got, tt.Want)
			}
		})
	}
}

// TestOpenOddPath opens databases whose paths hold a space, "%" and "#":
// the file is created under exactly that name.
func TestOpenOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site rgb 50% #1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "run %20 #2.db")
	s, err := Factory{}.Open(context.Background(), "sqlite:"+path, sink.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at its path: %v", err)
	}
}

func TestBatchRows(t *testing.T) {
	for _, tt := range []struct{ cols, want int }{{1, 100}, {4, 100}, {8, 100}, {65, 15}, {100, 10}, {1001, 1}, {40000, 1}} {
		if got := batchRows(tt.cols); got != tt.want {
			t.Errorf("batchRows(%d) = %d, want %d", tt.cols, got, tt.want)
		}
	}
}

func TestTypeOf(t *testing.T) {
	for decl, want := range map[string]schema.Type{
		"INTEGER": schema.Integer, "bigint": schema.Integer, "NUMERIC": schema.Decimal, "DECIMAL(10,2)": schema.Decimal,
		"DECIMAL_TEXT": schema.Decimal, "decimal_text": schema.Decimal, "DATE": schema.Date, "TIMESTAMPTZ": schema.TimestampTZ,
		"TIMESTAMP WITH TIME ZONE": schema.TimestampTZ,
		"REAL":                     schema.Decimal, "TIMESTAMP": schema.Timestamp, "DATETIME": schema.Timestamp, "TEXT": schema.Text,
		"VARCHAR(10)": schema.Text, "": schema.Text, "BLOB": schema.Text,
	} {
		if got := typeOf(decl); got != want {
			t.Errorf("typeOf(%q) = %v, want %v", decl, got, want)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	dsn := "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
	sinktest.Bench(b, Factory{}, dsn, sink.Options{}, 100_000)
}
