package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteDocs(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	if err := WriteDocs(dir); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name string
		File string
		Want []string
	}{
		{Name: "Root", File: "man/man1/siftload.1", Want: []string{`.TH "SIFTLOAD" "1" "Nov 2023"`, "siftload-import(1)", "EXIT STATUS"}},
		{Name: "Import", File: "man/man1/siftload-import.1", Want: []string{".SH OPTIONS", `\fB--dry-run\fP`, "SECRETS AND TLS"}},
		{Name: "ConfigCheck", File: "man/man1/siftload-config-check.1", Want: []string{".TH"}},
		{Name: "Bash", File: "completions/siftload.bash", Want: []string{"__start_siftload", "complete -o default -F __start_siftload siftload"}},
		{Name: "Zsh", File: "completions/_siftload", Want: []string{"#compdef siftload"}},
		{Name: "Fish", File: "completions/siftload.fish", Want: []string{"complete -c siftload"}},
		{Name: "PowerShell", File: "completions/siftload.ps1", Want: []string{"Register-ArgumentCompleter"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.File)))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.Want {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %q", tt.File, w)
				}
			}
		})
	}
}
