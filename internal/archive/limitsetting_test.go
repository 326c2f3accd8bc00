package archive

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siftload/siftload/internal/problem"
)

// TestWalkLimitSettingNamed checks that the problem of a crossed limit
// names the setting that changes it, when the caller gave its name.
func TestWalkLimitSettingNamed(t *testing.T) {
	const gib = 1 << 30
	tests := []walkTest{{
		Name: "RatioNamed",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/bomb.csv.gz", Data: zeroGzip(tb, nil, gib, nil)}}
		},
		Walker:       Walker{MaxMemberSizeSetting: "--max-member-size", MaxRatioSetting: "--max-ratio"},
		WantProblems: []wantProblem{{"site/bomb.csv.gz", "compression ratio above 1000:1: possible decompression bomb (raise --max-ratio to allow it)"}},
	}, {
		Name: "SizeNamed",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "big.csv", Data: bigCSV}, zf{Name: "big.csv.gz", Data: string(compress(tb, ".gz", []byte(bigCSV)))})}}
		},
		Walker: Walker{MaxMemberSize: 64 << 10, MaxMemberSizeSetting: "--max-member-size", MaxRatioSetting: "--max-ratio"},
		WantProblems: []wantProblem{
			{"site/a.zip!/big.csv", "member larger than 64 KiB limit (its header says 76 KiB; raise --max-member-size to allow it)"},
			{"site/a.zip!/big.csv.gz", "member larger than 64 KiB limit (raise --max-member-size to allow it)"},
		},
	}, {
		Name: "Unnamed",
		Files: func(tb testing.TB) []file {
			return []file{{Path: "site/a.zip", Data: zipOf(tb, zf{Name: "big.csv", Data: bigCSV})}}
		},
		Walker:       Walker{MaxMemberSize: 64 << 10},
		WantProblems: []wantProblem{{"site/a.zip!/big.csv", "member larger than 64 KiB limit (its header says 76 KiB)"}},
	}}
	for _, tt := range tests {
		tt.WantSkipped = -1
		t.Run(tt.Name, func(t *testing.T) { runWalkTest(t, tt) })
	}
}

// TestWalkSettingNamedOnlyAsTold: the problems that a setting would fix
// (an entry limit, a name in an unknown code page) name the setting as the
// caller names it, and no flag without one: a library knows no flags.
func TestWalkSettingNamedOnlyAsTold(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.tar")
	data := tarOf(t, tf{Name: "donn\xe9es.csv", Data: "h\n1\n"}, tf{Name: "b.csv", Data: "h\n1\n"}, tf{Name: "c.csv", Data: "h\n1\n"})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		Name   string
		Walker Walker
		Want   []string
	}{
		{Name: "Unnamed", Walker: Walker{MaxEntries: 2},
			Want: []string{"member name is not valid UTF-8", "more than 2 entries in this input: over the limit of 2 entries per input"}},
		{Name: "Named", Walker: Walker{MaxEntries: 2, MaxEntriesSetting: "SIFTLOAD_MAX_ENTRIES", NameEncodingSetting: "name_encoding (site.yaml:3:1)"},
			Want: []string{"member name is not valid UTF-8 (set name_encoding (site.yaml:3:1) to its code page)",
				"more than 2 entries in this input: over the limit of 2 entries per input (SIFTLOAD_MAX_ENTRIES)"}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			w := tt.Walker
			var got []string
			w.Problem = func(p *problem.Error) { got = append(got, p.Err.Error()) }
			ins, err := Expand(t.Context(), []string{path})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range ins {
				if err := w.WalkInput(t.Context(), in, func(context.Context, Entry) error { return nil }); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(got, tt.Want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.Want)
			}
		})
	}
}
