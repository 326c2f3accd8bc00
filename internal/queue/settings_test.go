package queue

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/analysis"
)

// TestWorkerUsesTaskSettings: a worker analyzes with the task's settings
// (no callback into the command line) and names a crossed limit by the
// name the task gives, which the analyzing side took from where the value
// came from.
func TestWorkerUsesTaskSettings(t *testing.T) {
	nc, names := testNATS(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("a;b\n" + strings.Repeat("1;2\n", 100)))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		Name        string
		Settings    analysis.Settings
		Names       SettingNames
		WantProblem string // "" for a candidate
		WantRows    int64
	}{
		{Name: "Candidate", Settings: analysis.Settings{Metric: "rows", MaxDepth: 4, Delimiter: ";"}, WantRows: 100},
		{Name: "NoHeader", Settings: analysis.Settings{Metric: "rows", MaxDepth: 4, NoHeader: true}, WantRows: 101},
		{Name: "LimitNamed", Settings: analysis.Settings{Metric: "rows", MaxDepth: 4, MaxMemberSize: 16},
			Names: SettingNames{MemberSize: "max_member_size (site.yaml:3:1)"}, WantProblem: "raise max_member_size (site.yaml:3:1) to allow it"},
		{Name: "LimitUnnamed", Settings: analysis.Settings{Metric: "rows", MaxDepth: 4, MaxMemberSize: 16}, WantProblem: "file larger than 16 B limit"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			w := &Worker{Conn: nc, Names: names, ID: "w"}
			task := &Task{Format: Format, Path: filepath.ToSlash(path), Source: "site/big.csv.gz", Key: "big.csv", Size: int64(gz.Len()),
				Settings: tt.Settings, SettingNames: tt.Names}
			msgs, _, err := w.analyze(t.Context(), task, 1)
			if err != nil {
				t.Fatal(err)
			}
			var res Result
			if err := json.Unmarshal(msgs[0], &res); err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.WantProblem == "" && (len(res.Candidates) != 1 || res.Candidates[0].Rows != tt.WantRows):
				t.Errorf("candidates %+v problems %+v, want one of %d rows", res.Candidates, res.Problems, tt.WantRows)
			case tt.WantProblem != "" && (len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, tt.WantProblem) ||
				tt.Names.MemberSize == "" && strings.Contains(res.Problems[0].Reason, "raise")):
				t.Errorf("problems %+v, want one with %q", res.Problems, tt.WantProblem)
			}
		})
	}
}
