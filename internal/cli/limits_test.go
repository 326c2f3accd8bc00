package cli

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
)

// writeZerosGzip writes a gzip of n zero bytes (about 1030:1) at path.
func writeZerosGzip(t testing.TB, path string, n int) {
	t.Helper()
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if r := float64(n) / float64(b.Len()); r < 1010 {
		t.Fatalf("zeros compress %.0f:1, want over 1010:1", r)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDecompressionLimitSettings checks that --max-ratio and
// --max-member-size reach the walk from a flag, an environment variable
// and a profile, and that the problem of a crossed limit names what set
// the limit: the flag (or, for a default, the flag that changes it), the
// variable, or the profile's key and line.
func TestDecompressionLimitSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	writeZerosGzip(t, "site/z.csv.gz", 24<<20) // past the 16 MiB grace
	ratioProblem := "compression ratio above 1000:1: possible decompression bomb (raise --max-ratio to allow it)"
	sizeProblem := "file larger than 1.0 MiB limit (raise --max-member-size to allow it)"
	tests := []struct {
		Name        string
		Args        []string
		Env         map[string]string
		Profile     string // profile text; inputs: [site] is added
		WantProblem string // "" for none
	}{
		{Name: "Default", WantProblem: ratioProblem},
		{Name: "RatioFlag", Args: []string{"--max-ratio", "5000"}},
		{Name: "RatioEnv", Env: map[string]string{"SIFTLOAD_MAX_RATIO": "5000"}},
		{Name: "RatioProfile", Profile: "max_ratio: 5000\n"},
		{Name: "RatioFlagOverEnv", Args: []string{"--max-ratio", "1000"}, Env: map[string]string{"SIFTLOAD_MAX_RATIO": "5000"}, WantProblem: ratioProblem},
		{Name: "SizeFlag", Args: []string{"--max-ratio", "5000", "--max-member-size", "1MiB"}, WantProblem: sizeProblem},
		{Name: "SizeEnv", Args: []string{"--max-ratio", "5000"}, Env: map[string]string{"SIFTLOAD_MAX_MEMBER_SIZE": "1 MiB"},
			WantProblem: "file larger than 1.0 MiB limit (raise SIFTLOAD_MAX_MEMBER_SIZE to allow it)"},
		{Name: "SizeProfile", Profile: "max_ratio: 5000\nmax_member_size: 1048576\n",
			WantProblem: "file larger than 1.0 MiB limit (raise max_member_size (p.yaml:2:1) to allow it)"},
		{Name: "RatioProfileCrossed", Profile: "max_ratio: 1000\n",
			WantProblem: "compression ratio above 1000:1: possible decompression bomb (raise max_ratio (p.yaml:1:1) to allow it)"},
		{Name: "SizeLargeEnough", Args: []string{"--max-ratio", "5000", "--max-member-size", "26MB"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			for k, v := range tt.Env {
				t.Setenv(k, v)
			}
			args := append([]string{"analyze", "--out", "plan.csv"}, tt.Args...)
			if tt.Profile != "" {
				args = append(args, "--config", writeProfile(t, "p.yaml", tt.Profile+"inputs: [site]\n"))
			} else {
				args = append(args, "site")
			}
			p, out := quiet(t)
			err := execute(t.Context(), p, args)
			problems := readFile(t, "plan.problems.csv")
			switch {
			case tt.WantProblem == "" && err != nil:
				t.Errorf("%q: %v\n%s", args, err, out)
			case tt.WantProblem != "" && !errors.Is(err, ErrProblems):
				t.Errorf("%q: %v, want problems\n%s", args, err, out)
			case tt.WantProblem != "" && (!strings.Contains(problems, "site/z.csv.gz") || !strings.Contains(problems, tt.WantProblem)):
				t.Errorf("%q: problems file\n%s\nwant site/z.csv.gz: ...%s...", args, problems, tt.WantProblem)
			}
		})
	}
}

func TestDecompressionLimitUsageErrors(t *testing.T) {
	tests := []struct {
		Name string
		Args []string
		Env  map[string]string
		Want string
	}{
		{Name: "RatioZero", Args: []string{"--max-ratio", "0"}, Want: "--max-ratio: must be at least 1"},
		{Name: "RatioNegative", Args: []string{"--max-ratio", "-5"}, Want: "must not be negative"},
		{Name: "SizeUnit", Args: []string{"--max-member-size", "12XB"}, Want: `want a size of at least one byte such as 64GiB or 500MB, got "12XB"`},
		{Name: "SizeZero", Args: []string{"--max-member-size", "0"}, Want: "want a size of at least one byte"},
		{Name: "SizeEnv", Env: map[string]string{"SIFTLOAD_MAX_MEMBER_SIZE": "lots"}, Want: "SIFTLOAD_MAX_MEMBER_SIZE"},
		{Name: "RatioEnv", Env: map[string]string{"SIFTLOAD_MAX_RATIO": "0"}, Want: "SIFTLOAD_MAX_RATIO"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			for k, v := range tt.Env {
				t.Setenv(k, v)
			}
			p, _ := quiet(t)
			args := append(append([]string{"analyze"}, tt.Args...), "x")
			err := execute(t.Context(), p, args)
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.Want) {
				t.Errorf("execute(%q) = %v, want a usage error ...%s...", args, err, tt.Want)
			}
		})
	}
}

// TestDecompressionLimitsTravel checks that the limits are part of a
// shard's settings fingerprint (they change candidates) and of a queue
// task's settings, effective values compared.
func TestDecompressionLimitsTravel(t *testing.T) {
	t.Parallel()
	fp := func(o config.Analysis) string {
		as, err := analysisSettings(config.Settings{Analysis: o}, flagWhere)
		if err != nil {
			t.Fatal(err)
		}
		return as.Fingerprint(nil)
	}
	base := config.Analysis{Metric: "rows", MaxDepth: 4}
	same := []config.Analysis{base, {Metric: "rows", MaxDepth: 4, MaxRatio: archive.DefaultMaxRatio, MaxMemberSize: "64GiB"}, {Metric: "rows", MaxDepth: 4, MaxMemberSize: "68719476736"}}
	for _, o := range same {
		if fp(o) != fp(base) {
			t.Errorf("fingerprint of %+v differs from the defaults'", o)
		}
	}
	for _, o := range []config.Analysis{{Metric: "rows", MaxDepth: 4, MaxRatio: 2000}, {Metric: "rows", MaxDepth: 4, MaxMemberSize: "1GiB"}} {
		if fp(o) == fp(base) {
			t.Errorf("fingerprint of %+v is the defaults'", o)
		}
	}

	for _, tt := range []struct {
		In        analysis.Settings
		WantRatio int
		WantSize  int64
	}{
		{analysis.Settings{Metric: "rows", MaxDepth: 4}, archive.DefaultMaxRatio, archive.DefaultMaxMemberSize},
		{analysis.Settings{Metric: "rows", MaxDepth: 4, MaxRatio: 5000, MaxMemberSize: 1 << 20}, 5000, 1 << 20},
	} {
		cfg, err := tt.In.Options()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Walker.MaxRatio != tt.WantRatio || cfg.Walker.MaxMemberSize != tt.WantSize {
			t.Errorf("worker settings of %+v: ratio %d size %d (%q), want %d %d", tt.In, cfg.Walker.MaxRatio, cfg.Walker.MaxMemberSize, cfg.Walker.MaxRatioSetting, tt.WantRatio, tt.WantSize)
		}
	}
}
