package analysis

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/archive"
)

// TestFingerprintStable checks that Fingerprint gives the hashes that the
// cli's settingsFingerprint gave before the settings moved here (computed
// with that code), so that the candidates files of shards written by the
// earlier version still merge with new ones of the same settings.
func TestFingerprintStable(t *testing.T) {
	ins := []archive.Input{{Source: "site/2023-01-01.zip", Size: 1234}, {Source: "site/x.csv", Key: "x.csv", Size: 56}}
	tests := []struct {
		Name     string
		Settings Settings
		Inputs   []archive.Input
		Want     string
	}{{
		Name:     "Defaults",
		Settings: Settings{Metric: "rows", MaxDepth: 4, MaxRecordBytes: 64 << 20},
		Inputs:   ins,
		Want:     "3206c8babe170203911b5805115090d73ec6b0215c048c024c135deafc18c748",
	}, {
		Name:     "DefaultsSpelledOut",
		Settings: Settings{Metric: "rows", MaxDepth: 4, MaxRecordBytes: 64 << 20, MaxRatio: archive.DefaultMaxRatio, MaxMemberSize: archive.DefaultMaxMemberSize, MaxEntries: archive.DefaultMaxEntries},
		Inputs:   ins,
		Want:     "3206c8babe170203911b5805115090d73ec6b0215c048c024c135deafc18c748",
	}, {
		Name: "Everything",
		Settings: Settings{Metric: "max:ts", Include: []string{"b*.csv", "a*.csv", "a*.csv"}, Exclude: []string{"tmp/*"},
			Key: `(?P<key>[a-z]+)\.csv`, NoHeader: true, MaxDepth: 2, Delimiter: "tab", MaxRecordBytes: 100,
			MaxRatio: 2000, MaxMemberSize: 1 << 30, NameEncoding: "cp866", MaxEntries: -1},
		Inputs: ins,
		Want:   "27b191562e9846947acf5bc0837758e713246bd35b046032feb27565f9c01b1f",
	}, {
		Name:     "EntryLimitNoInputs",
		Settings: Settings{Metric: "bytes", MaxDepth: 4, Delimiter: ";", MaxEntries: 5},
		Want:     "76cbee18ffbad9a121a0052e387657774d528dccc2862413b05ad008ec2ec939",
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := tt.Settings.Fingerprint(tt.Inputs); got != tt.Want {
				t.Errorf("Fingerprint = %s, want %s", got, tt.Want)
			}
		})
	}
}

// TestSettingsOptions checks the conversion to analysis options, and that
// a wrong value is a *SettingError that names the setting by its key, not
// by a flag.
func TestSettingsOptions(t *testing.T) {
	ok := Settings{Metric: "rows", MaxDepth: 4}
	tests := []struct {
		Name    string
		Mod     func(*Settings)
		WantKey string // "" for no error
	}{
		{Name: "Valid"},
		{Name: "Metric", Mod: func(s *Settings) { s.Metric = "most" }, WantKey: "metric"},
		{Name: "Key", Mod: func(s *Settings) { s.Key = "(" }, WantKey: "key"},
		{Name: "Include", Mod: func(s *Settings) { s.Include = []string{"["} }, WantKey: "include"},
		{Name: "MaxDepth", Mod: func(s *Settings) { s.MaxDepth = 0 }, WantKey: "max_depth"},
		{Name: "Delimiter", Mod: func(s *Settings) { s.Delimiter = "::" }, WantKey: "delimiter"},
		{Name: "MaxRecordBytes", Mod: func(s *Settings) { s.MaxRecordBytes = -1 }, WantKey: "max_record_bytes"},
		{Name: "MaxRatio", Mod: func(s *Settings) { s.MaxRatio = -1 }, WantKey: "max_ratio"},
		{Name: "NameEncoding", Mod: func(s *Settings) { s.NameEncoding = "klingon" }, WantKey: "name_encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			s := ok
			if tt.Mod != nil {
				tt.Mod(&s)
			}
			_, err := s.Options()
			var se *SettingError
			switch {
			case tt.WantKey == "" && err != nil:
				t.Fatalf("Options: %v", err)
			case tt.WantKey != "" && (!errors.As(err, &se) || se.Key != tt.WantKey):
				t.Fatalf("Options error %v, want a SettingError for %s", err, tt.WantKey)
			}
		})
	}
	s := Settings{Metric: "rows", MaxDepth: 3, Include: []string{"*.dat"}, Delimiter: "tab", MaxRatio: 7, MaxMemberSize: 99, MaxEntries: -1, NoHeader: true}
	o, err := s.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.Metric.Name() != "rows" || o.Delimiter != '\t' || !o.NoHeader || o.Walker.MaxDepth != 3 || o.Walker.MaxRatio != 7 ||
		o.Walker.MaxMemberSize != 99 || o.Walker.MaxEntries != -1 || !o.Walker.IsData("a.dat") || o.Walker.IsData("a.csv") {
		t.Errorf("Options of %+v = %+v", s, o)
	}
}

// TestSettingsWire checks the JSON names a queue task gives the settings:
// they are those of the task format 1, so that the wire does not change.
func TestSettingsWire(t *testing.T) {
	s := Settings{Metric: "rows", Include: []string{"*.csv"}, Exclude: []string{"x"}, Key: "k", NoHeader: true, MaxDepth: 4,
		Delimiter: ";", MaxRecordBytes: 5, MaxRatio: 6, MaxMemberSize: 7, NameEncoding: "cp437", MaxEntries: 8}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"metric":"rows","include":["*.csv"],"exclude":["x"],"key":"k","no_header":true,"max_depth":4,"delimiter":";","max_record_bytes":5,"max_ratio":6,"max_member_size":7,"name_encoding":"cp437","max_entries":8}`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
}

// TestKeyMismatchNamesNoFlag: the problem of a source that the key
// expression does not match names the setting's value, not a flag (the
// expression may come from a profile or a queue task).
func TestKeyMismatchNamesNoFlag(t *testing.T) {
	opts, err := Settings{Metric: "rows", MaxDepth: 4, Key: `^nomatch$`}.Options()
	if err != nil {
		t.Fatal(err)
	}
	e := archive.Entry{Source: "site/a.csv", Key: "a.csv", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("h\n1\n")), nil
	}}
	_, _, err = measure(t.Context(), e, opts)
	if err == nil || strings.Contains(err.Error(), "--") || !strings.Contains(err.Error(), `key expression "^nomatch$"`) {
		t.Errorf("measure = %v, want a problem naming the key expression and no flag", err)
	}
}
