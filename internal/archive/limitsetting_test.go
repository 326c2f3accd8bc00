package archive

import "testing"

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
