package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/metric"
)

// Settings are the settings that change the candidates of an analysis,
// and only those: two analyses of the same inputs with equal Settings find
// the same candidates, whatever their workers, temp directory or machine.
// They are defined here once: a shard's candidates file hashes them
// (Fingerprint), a queue task carries them (as JSON, with these names) and
// a worker analyzes with them (Options).
//
// A new setting that changes candidates is a field here, a line in
// Fingerprint and one in Options.
type Settings struct {
	// Metric names what "fullest" means (metric.Lookup).
	Metric string `json:"metric"`
	// Include and Exclude are the globs of data files (archive.Filter).
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
	// Key, when set, is a regular expression that derives each key from
	// the source (KeyFromSource).
	Key string `json:"key,omitempty"`
	// NoHeader counts every record, not the records after the first.
	NoHeader bool `json:"no_header,omitempty"`
	// MaxDepth is how deep archives nest and are opened; at least 1.
	MaxDepth int `json:"max_depth"`

	// The CSV dialect, so that counting reads files as import does:
	// Delimiter is "", ",", ";", "|" or "tab" ("" sniffs it per file);
	// MaxRecordBytes is Options.MaxRecordBytes.
	Delimiter      string `json:"delimiter,omitempty"`
	MaxRecordBytes int64  `json:"max_record_bytes,omitempty"`

	// Decompression limits (archive.Walker.MaxRatio and MaxMemberSize,
	// bytes); 0 means the default.
	MaxRatio      int   `json:"max_ratio,omitempty"`
	MaxMemberSize int64 `json:"max_member_size,omitempty"`

	// Archive reading (archive.Walker.NameEncoding and MaxEntries):
	// MaxEntries 0 is archive.DefaultMaxEntries, a negative value no
	// limit.
	NameEncoding string `json:"name_encoding,omitempty"`
	MaxEntries   int64  `json:"max_entries,omitempty"`
}

// SettingError is a setting whose value is wrong. Key is the setting's
// name (its profile key, e.g. "max_depth"); the caller, which knows where
// the value came from, words the message with it.
type SettingError struct {
	Key string
	Err error
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

// Options checks s and returns the options of an analysis with them. The
// caller sets what does not change candidates: Workers, Progress,
// Walker.TempDir and the names of the limit settings. An error is a
// *SettingError.
func (s Settings) Options() (Options, error) {
	fail := func(key string, err error) (Options, error) {
		return Options{}, &SettingError{Key: key, Err: err}
	}
	m, err := metric.Lookup(s.Metric)
	if err != nil {
		return fail("metric", err)
	}
	var keyRe *regexp.Regexp
	if s.Key != "" {
		if keyRe, err = regexp.Compile(s.Key); err != nil {
			return fail("key", err)
		}
	}
	filter := archive.Filter{Include: s.Include, Exclude: s.Exclude}
	if err := filter.Validate(); err != nil {
		return fail("include", err)
	}
	if s.MaxDepth < 1 {
		return fail("max_depth", errors.New("must be at least 1"))
	}
	delim, ok := ParseDelimiter(s.Delimiter)
	if !ok {
		return fail("delimiter", fmt.Errorf("%q: want one of , ; tab |", s.Delimiter))
	}
	if s.MaxRecordBytes < 0 {
		return fail("max_record_bytes", errors.New("must not be negative"))
	}
	if s.MaxRatio < 0 {
		return fail("max_ratio", errors.New("must be at least 1"))
	}
	if s.MaxMemberSize < 0 {
		return fail("max_member_size", errors.New("must not be negative"))
	}
	enc, err := archive.ParseNameEncoding(s.NameEncoding)
	if err != nil {
		return fail("name_encoding", err)
	}
	ratio, size := s.limits()
	return Options{
		Metric:         m,
		NoHeader:       s.NoHeader,
		KeyRegex:       keyRe,
		Delimiter:      delim,
		MaxRecordBytes: s.MaxRecordBytes,
		Walker: archive.Walker{
			MaxDepth:      s.MaxDepth,
			IsData:        filter.Match,
			MaxRatio:      ratio,
			MaxMemberSize: size,
			NameEncoding:  enc,
			MaxEntries:    s.MaxEntries,
		},
	}, nil
}

// limits returns the decompression limits with the defaults resolved.
func (s Settings) limits() (ratio int, size int64) {
	ratio, size = s.MaxRatio, s.MaxMemberSize
	if ratio == 0 {
		ratio = archive.DefaultMaxRatio
	}
	if size == 0 {
		size = archive.DefaultMaxMemberSize
	}
	return ratio, size
}

// ParseDelimiter turns a delimiter setting into a byte, 0 for sniffing:
// "" sniffs, "tab" (or `\t`, or a tab) is a tab, and ",", ";" and "|" are
// themselves. ok is false for anything else.
func ParseDelimiter(s string) (delim byte, ok bool) {
	switch s {
	case "":
		return 0, true
	case "tab", `\t`, "\t":
		return '\t', true
	case ",", ";", "|":
		return s[0], true
	}
	return 0, false
}

// Fingerprint hashes s and the inputs (every input's source, key and
// size), so that the candidates files of shards made with other settings,
// or on a machine that saw another set of archives, do not merge. Globs
// are hashed as sets, limits with their defaults resolved, and the archive
// reading settings only when not the defaults, so that fingerprints made
// before they existed hold.
func (s Settings) Fingerprint(inputs []archive.Input) string {
	set := func(s []string) []string {
		c := slices.Clone(s)
		slices.Sort(c)
		return slices.Compact(c)
	}
	name := s.Metric
	if m, err := metric.Lookup(name); err == nil {
		name = m.Name()
	}
	ratio, size := s.limits()
	h := sha256.New()
	fmt.Fprintf(h, "siftload analysis settings 3\nmetric %q\ninclude %q\nexclude %q\nkey %q\nno-header %t\nmax-depth %d\nmax-ratio %d\nmax-member-size %d\ninputs %d\n",
		name, set(s.Include), set(s.Exclude), s.Key, s.NoHeader, s.MaxDepth, ratio, size, len(inputs))
	fmt.Fprintf(h, "delimiter %q\nmax-record-bytes %d\n", s.Delimiter, s.MaxRecordBytes)
	// Archive reading, in the form of version 3 (0: no entry limit).
	entries := s.MaxEntries
	switch {
	case entries == 0:
		entries = archive.DefaultMaxEntries
	case entries < 0:
		entries = 0
	}
	if s.NameEncoding != "" || entries != archive.DefaultMaxEntries {
		fmt.Fprintf(h, "name-encoding %q\nmax-entries %d\n", s.NameEncoding, entries)
	}
	for _, in := range inputs {
		fmt.Fprintf(h, "%q %q %d\n", in.Source, in.Key, in.Size)
	}
	return hex.EncodeToString(h.Sum(nil))
}
