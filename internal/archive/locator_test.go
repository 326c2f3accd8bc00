package archive

import (
	"reflect"
	"strings"
	"testing"
)

func TestLocator(t *testing.T) {
	tests := []struct {
		Name  string
		Parts []string
		Want  string
	}{
		{Name: "Loose", Parts: []string{"site/x.csv.gz"}, Want: "site/x.csv.gz"},
		{Name: "Member", Parts: []string{"site-rgb/2023/2023-01-02_export.zip", "data/LINE01.csv"}, Want: "site-rgb/2023/2023-01-02_export.zip!/data/LINE01.csv"},
		{Name: "Nested", Parts: []string{"site/a.zip", "inner.tar.gz", "x/LINE02.csv"}, Want: "site/a.zip!/inner.tar.gz!/x/LINE02.csv"},
		{Name: "RawNames", Parts: []string{"a.zip", `..\x` + "\x00.csv"}, Want: `a.zip!/..\x` + "\x00.csv"},
		{Name: "BangAtEnd", Parts: []string{"a!", "/b"}, Want: "a!!//b"},
		{Name: "Empty", Parts: []string{""}, Want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got := JoinLocator(tt.Parts...)
			if got != tt.Want {
				t.Errorf("JoinLocator(%q) = %q, want %q", tt.Parts, got, tt.Want)
			}
			if back := splitLocator(got); !reflect.DeepEqual(back, tt.Parts) {
				t.Errorf("splitLocator(%q) = %q, want %q", got, back, tt.Parts)
			}
		})
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		Name      string
		Input     string
		Normal    string // NormalizeMember
		Key       string // DefaultKey
		Escapes   bool
		IsArchive bool
		IsData    bool // with DefaultIsData
	}{
		{Name: "Plain", Input: "data/LINE01.csv", Normal: "data/LINE01.csv", Key: "data/LINE01.csv", IsData: true},
		{Name: "DotSlash", Input: "./data/LINE01.csv", Normal: "data/LINE01.csv", Key: "data/LINE01.csv", IsData: true},
		{Name: "Slash", Input: "/data/LINE01.csv", Normal: "data/LINE01.csv", Key: "data/LINE01.csv", Escapes: true, IsData: true},
		{Name: "Backslashes", Input: `.\data\LINE01.csv`, Normal: "data/LINE01.csv", Key: "data/LINE01.csv", IsData: true},
		{Name: "Compressed", Input: "x.csv.gz", Normal: "x.csv.gz", Key: "x.csv", IsData: true},
		{Name: "CompressedUpper", Input: "X.CSV.ZST", Normal: "X.CSV.ZST", Key: "X.CSV", IsData: true},
		{Name: "CompressedOnce", Input: "x.csv.gz.bz2", Normal: "x.csv.gz.bz2", Key: "x.csv.gz"},
		{Name: "OnlySuffix", Input: "dir/.gz", Normal: "dir/.gz", Key: "dir/.gz"},
		{Name: "DotSuffix", Input: "dir/..xz", Normal: "dir/..xz", Key: "dir/..xz"},
		{Name: "Clean", Input: "a//b/./c/../LINE.tsv", Normal: "a/b/LINE.tsv", Key: "a/b/LINE.tsv", IsData: true},
		{Name: "Up", Input: "../evil.csv", Normal: "../evil.csv", Key: "../evil.csv", Escapes: true, IsData: true},
		{Name: "UpInside", Input: "a/../../evil.csv", Normal: "../evil.csv", Key: "../evil.csv", Escapes: true, IsData: true},
		{Name: "UpAndBack", Input: "a/../ok.csv", Normal: "ok.csv", Key: "ok.csv", IsData: true},
		{Name: "Drive", Input: `C:\data\x.csv`, Normal: "C:/data/x.csv", Key: "C:/data/x.csv", Escapes: true, IsData: true},
		{Name: "DriveRelative", Input: `c:x.csv`, Normal: "c:x.csv", Key: "c:x.csv", Escapes: true, IsData: true},
		{Name: "NUL", Input: "a\x00.csv", Normal: "a\x00.csv", Key: "a\x00.csv", IsData: true},
		{Name: "Dot", Input: ".", Normal: "", Key: ""},
		{Name: "Empty", Input: "", Normal: "", Key: ""},
		{Name: "Tgz", Input: "x.TGZ", Normal: "x.TGZ", Key: "x.TGZ", IsArchive: true},
		{Name: "TarZst", Input: "x.tar.zst", Normal: "x.tar.zst", Key: "x.tar", IsArchive: true},
		{Name: "ZipXz", Input: "x.zip.xz", Normal: "x.zip.xz", Key: "x.zip", IsArchive: true},
		{Name: "SevenZip", Input: "x.7Z", Normal: "x.7Z", Key: "x.7Z", IsArchive: true},
		{Name: "Rar", Input: "x.rar", Normal: "x.rar", Key: "x.rar", IsArchive: true},
		{Name: "Txt", Input: "notes.TXT", Normal: "notes.TXT", Key: "notes.TXT", IsData: true},
		{Name: "Other", Input: "readme.md", Normal: "readme.md", Key: "readme.md"},
		{Name: "CsvDir", Input: "x.csv/", Normal: "x.csv", Key: "x.csv", IsData: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := NormalizeMember(tt.Input); got != tt.Normal {
				t.Errorf("NormalizeMember(%q) = %q, want %q", tt.Input, got, tt.Normal)
			}
			if got := DefaultKey(tt.Input); got != tt.Key {
				t.Errorf("DefaultKey(%q) = %q, want %q", tt.Input, got, tt.Key)
			}
			if got := escapes(tt.Input); got != tt.Escapes {
				t.Errorf("escapes(%q) = %v, want %v", tt.Input, got, tt.Escapes)
			}
			c := classify(tt.Input, DefaultIsData)
			if got := c.kind.archive(); got != tt.IsArchive {
				t.Errorf("classify(%q) archive = %v, want %v", tt.Input, got, tt.IsArchive)
			}
			if got := c.kind == kindData; got != tt.IsData {
				t.Errorf("classify(%q) data = %v, want %v", tt.Input, got, tt.IsData)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		Name   string
		Filter Filter
		Key    string
		Want   bool
	}{
		{Name: "ZeroIsDefault", Key: "data/LINE01.CSV", Want: true},
		{Name: "ZeroRejectsOther", Key: "data/LINE01.json", Want: false},
		{Name: "IncludeBase", Filter: Filter{Include: []string{"LINE*.csv"}}, Key: "data/line01.CSV", Want: true},
		{Name: "IncludePath", Filter: Filter{Include: []string{"data/*.csv"}}, Key: "data/x.csv", Want: true},
		{Name: "IncludePathOtherDir", Filter: Filter{Include: []string{"data/*.csv"}}, Key: "old/x.csv", Want: false},
		{Name: "IncludeReplacesDefault", Filter: Filter{Include: []string{"*.dat"}}, Key: "x.csv", Want: false},
		{Name: "IncludeOther", Filter: Filter{Include: []string{"*.dat"}}, Key: "a/x.DAT", Want: true},
		{Name: "ExcludeWithDefault", Filter: Filter{Exclude: []string{"*.txt"}}, Key: "a/readme.txt", Want: false},
		{Name: "ExcludeKeepsOthers", Filter: Filter{Exclude: []string{"*.txt"}}, Key: "a/x.csv", Want: true},
		{Name: "ExcludeWins", Filter: Filter{Include: []string{"*"}, Exclude: []string{"tmp/*"}}, Key: "tmp/x.csv", Want: false},
		{Name: "BadPatternMatchesNothing", Filter: Filter{Include: []string{"["}}, Key: "[", Want: false},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := tt.Filter.Match(tt.Key); got != tt.Want {
				t.Errorf("%+v.Match(%q) = %v, want %v", tt.Filter, tt.Key, got, tt.Want)
			}
		})
	}
	if err := (Filter{Include: []string{"ok*"}, Exclude: []string{"a[b"}}).Validate(); err == nil || !strings.Contains(err.Error(), `"a[b"`) {
		t.Errorf("Validate error = %v, want one naming \"a[b\"", err)
	}
	if err := (Filter{Include: []string{"*.csv", "data/LINE??.csv"}}).Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// FuzzLocator checks that JoinLocator and splitLocator are inverse for
// parts without Sep, and that splitting then joining gives the string back.
func FuzzLocator(f *testing.F) {
	f.Add("site/a.zip", "inner.tar.gz", "x/LINE02.csv")
	f.Add("a!", "/b", "")
	f.Add(`C:\x`, "../y", "\x00")
	f.Add("a!/b", "c", "d")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, s := range []string{a, b, c} {
			if got := JoinLocator(splitLocator(s)...); got != s {
				t.Fatalf("JoinLocator(splitLocator(%q)) = %q", s, got)
			}
		}
		parts := []string{a, b, c}
		for _, p := range parts {
			if strings.Contains(p, Sep) {
				return
			}
		}
		if got := splitLocator(JoinLocator(parts...)); !reflect.DeepEqual(got, parts) {
			t.Fatalf("splitLocator(JoinLocator(%q)) = %q", parts, got)
		}
	})
}

// FuzzMemberLevel checks that a locator level names one member: the n-th
// of its name, for any name and n, and no other pair.
func FuzzMemberLevel(f *testing.F) {
	f.Add("data/LINE01.csv", 1, "data/LINE01.csv#2", 1)
	f.Add("x.csv", 2, "x.csv#2", 1)
	f.Add("#", 3, "##3", 1)
	f.Add("a#", 1, "a", 2)
	f.Add("", 2, "#2", 1)
	f.Fuzz(func(t *testing.T, a string, n int, b string, m int) {
		n, m = 1+abs(n)%1000, 1+abs(m)%1000
		la, lb := MemberLevel(a, n), MemberLevel(b, m)
		if name, k, ok := ParseMemberLevel(la); !ok || name != a || k != n {
			t.Fatalf("ParseMemberLevel(MemberLevel(%q, %d) = %q) = %q, %d, %t", a, n, la, name, k, ok)
		}
		if la == lb && (a != b || n != m) {
			t.Fatalf("MemberLevel(%q, %d) = MemberLevel(%q, %d) = %q", a, n, b, m, la)
		}
		if name, k, ok := ParseMemberLevel(a); ok && MemberLevel(name, k) != a {
			t.Fatalf("ParseMemberLevel(%q) = %q, %d, but MemberLevel of it is %q", a, name, k, MemberLevel(name, k))
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}

// FuzzKey checks the properties of keys and member names.
func FuzzKey(f *testing.F) {
	for _, s := range []string{"data/LINE01.csv", `.\a\b.CSV.GZ`, "/../x", "a/../../b", "C:x", "..gz", "x.tar.zst", "\x00", "//", ".", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n := NormalizeMember(name)
		if again := NormalizeMember(n); again != n {
			t.Errorf("NormalizeMember not idempotent: %q -> %q -> %q", name, n, again)
		}
		k := DefaultKey(name)
		for _, s := range []string{n, k} {
			if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "./") || strings.Contains(s, `\`) {
				t.Errorf("key %q of %q starts with / or ./ or has a backslash", s, name)
			}
		}
		if !escapes(name) && (k == ".." || strings.HasPrefix(k, "../")) {
			t.Errorf("%q does not escape but its key %q climbs up", name, k)
		}
		if k != n && TrimCompression(n) != k {
			t.Errorf("DefaultKey(%q) = %q, NormalizeMember = %q", name, k, n)
		}
		classify(name, DefaultIsData)
		(Filter{Include: []string{name}, Exclude: []string{k}}).Match(k)
	})
}

// splitLocator splits a locator at every Sep: the inverse of JoinLocator
// for parts that do not contain Sep (see FuzzLocator).
func splitLocator(s string) []string {
	return strings.Split(s, Sep)
}
