package archive

import (
	"path"
	"strconv"
	"strings"
)

// Sep separates the levels of a locator: the outermost file, then the
// member path inside each archive, as in "site/a.zip!/inner.tar.gz!/x.csv".
const Sep = "!/"

// compressionSuffixes are the single-stream compression suffixes that
// TrimCompression strips, lowercase.
var compressionSuffixes = []string{".gz", ".bz2", ".xz", ".zst"}

// JoinLocator joins the levels of a locator with Sep. Parts are kept as
// they are (a member name with a backslash, "..", or a NUL byte stays in
// the locator as data). For parts that do not contain Sep, splitting the
// result at every Sep returns parts again (for at least one part). A member
// whose own name contains Sep makes that split ambiguous; Walker.Open
// resolves it by matching member names, never by splitting.
func JoinLocator(parts ...string) string {
	return strings.Join(parts, Sep)
}

// MemberLevel returns the level of a locator that names the n-th member
// (counting from 1, in archive order) whose name is name: the name with
// every '#' doubled, and for n > 1 a '#' and n. So "x.csv" is the first
// member of that name, "x.csv#2" the second, and a member really named
// "x#2.csv" is "x##2.csv": a level never names two members.
func MemberLevel(name string, n int) string {
	l := strings.ReplaceAll(name, "#", "##")
	if n > 1 {
		l += "#" + strconv.Itoa(n)
	}
	return l
}

// ParseMemberLevel is the inverse of MemberLevel: it returns the member
// name and occurrence (1 for none) that level names, and false when level
// is no MemberLevel result (a lone '#' not followed by a count of 2 or
// more, without leading zeros, at its end).
func ParseMemberLevel(level string) (name string, n int, ok bool) {
	var b strings.Builder
	n = 1
	for i := 0; i < len(level); i++ {
		c := level[i]
		if c != '#' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(level) && level[i+1] == '#' {
			b.WriteByte('#')
			i++
			continue
		}
		digits := level[i+1:]
		k, err := strconv.Atoi(digits)
		if err != nil || k < 2 || digits[0] == '0' || strconv.Itoa(k) != digits {
			return "", 0, false
		}
		return b.String(), k, true
	}
	return b.String(), 1, true
}

// NormalizeMember turns a member name into a clean slash path for keys:
// backslashes (Windows zips) become '/', the path is cleaned ("a//b/./c"
// is "a/b/c"), and leading "/" and "./" are dropped. "." becomes "".
// A name that climbs out of its archive keeps its "../" prefix (a walk
// reports such a member as a problem); the result never starts with "/"
// or "./" and has no backslash.
func NormalizeMember(name string) string {
	n := strings.ReplaceAll(name, `\`, "/")
	n = path.Clean(n)
	n = strings.TrimLeft(n, "/")
	if n == "." {
		return ""
	}
	return n
}

// TrimCompression strips one single-stream compression suffix (.gz, .bz2,
// .xz, .zst, in any letter case) from name: "x.csv.GZ" is "x.csv". A name
// whose last element would become empty, "." or ".." is returned
// unchanged.
func TrimCompression(name string) string {
	s := compressionSuffix(name)
	if s == "" {
		return name
	}
	t := name[:len(name)-len(s)]
	switch t[strings.LastIndex(t, "/")+1:] {
	case "", ".", "..":
		return name
	}
	return t
}

// compressionSuffix returns the compression suffix of name as written in
// name ("" when it has none).
func compressionSuffix(name string) string {
	for _, s := range compressionSuffixes {
		if len(name) > len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
			return name[len(name)-len(s):]
		}
	}
	return ""
}

// DefaultKey returns the default key (logical file name) for a member
// path inside its innermost archive, or for a loose file's path relative
// to its INPUT: NormalizeMember, then TrimCompression. "./data\LINE01.csv.gz"
// has the key "data/LINE01.csv". A key never starts with "/" or "./" and
// has no backslash.
func DefaultKey(name string) string {
	return TrimCompression(NormalizeMember(name))
}

// escapes reports whether a member name points outside its archive when
// read as a path: absolute ("/x", "\x"), with a drive letter ("C:x"), or
// climbing up ("../x", "a/../../x"). Such members are never data.
func escapes(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") {
		return true
	}
	if len(n) >= 2 && n[1] == ':' && isASCIILetter(n[0]) {
		return true
	}
	c := path.Clean(n)
	return c == ".." || strings.HasPrefix(c, "../")
}

func isASCIILetter(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}
