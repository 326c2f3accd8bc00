// Package config resolves siftload's settings from four layers: the
// command line's flags, SIFTLOAD_* environment variables, a site profile
// (a YAML file) and the defaults, in that order of precedence.
//
// Every setting is one field of Settings and has one name, its profile key
// (snake_case, e.g. max_bad_rows). The same name gives its flag (kebab-case,
// --max-bad-rows: FlagName) and its environment variable
// (SIFTLOAD_MAX_BAD_ROWS: EnvName). The one flag that is named otherwise
// is import's: there --plan is out and --workers is load_workers, since
// import has no analysis of its own. A Layer holds the settings
// one source gave and remembers, per key, where each came from (Origin);
// Merge stacks layers, so that a value a lower layer set is kept unless a
// higher one sets the key too, even to a zero value.
//
// Secrets are not settings. The database password comes from the
// environment variable SIFTLOAD_DB_PASSWORD, from the file named by
// password_file (ReadPasswordFile) or from a prompt; a password written in a
// profile or in a database URL is refused (CheckURL) with an error that
// explains these ways and never repeats the password.
package config

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dustin/go-humanize"
)

// Settings are the settings of one site: what every command takes. It is
// the one model of siftload's settings: the cli package binds each flag
// to a field, and the profile key and environment variable come from the
// field's yaml tag. It is made of parts that match the work; each part's
// fields are promoted, so that s.Metric is s.Analysis.Metric. A zero value
// means the default, except where a Layer says the key was set.
//
// A new setting is a field in its part, its flag in the cli package, and
// the code that uses it; Keys, the environment, profiles and config check
// follow.
type Settings struct {
	Site       `yaml:",inline"`
	Analysis   `yaml:",inline"`
	Archive    `yaml:",inline"`
	Import     `yaml:",inline"`
	Connection `yaml:",inline"`
	Scale      `yaml:",inline"`
	Worker     `yaml:",inline"`

	Incremental `yaml:",inline"` // issue 17
}

// Site names a site and its inputs. Profile only: no flag or variable
// sets them (INPUT arguments replace the inputs).
type Site struct {
	// Name names the site in messages and gives its default plan path
	// (NAME.plan.csv).
	Name   string   `yaml:"name,omitempty"`
	Inputs []string `yaml:"inputs,omitempty"`
}

// Analysis are the settings of analyze (and of run's analysis): what is
// measured, how, and where the plan, problems and candidates go.
type Analysis struct {
	Include    []string `yaml:"include,omitempty"`
	Exclude    []string `yaml:"exclude,omitempty"`
	Key        string   `yaml:"key,omitempty"`
	Metric     string   `yaml:"metric,omitempty"`
	NoHeader   bool     `yaml:"no_header,omitempty"` // import too
	Workers    int      `yaml:"workers,omitempty"`
	MaxDepth   int      `yaml:"max_depth,omitempty"`
	TempDir    string   `yaml:"temp_dir,omitempty"`
	Out        string   `yaml:"out,omitempty"` // the plan (import's --plan)
	Problems   string   `yaml:"problems,omitempty"`
	Candidates string   `yaml:"candidates,omitempty"`

	// Decompression limits of the analysis (archive.Walker): a member's
	// compression ratio, and its size once decompressed, with units
	// ("64GiB"; ParseSize).
	MaxRatio      int    `yaml:"max_ratio,omitempty"`
	MaxMemberSize string `yaml:"max_member_size,omitempty"`

	// Coverage check of analyze, run and merge (package coverage): off,
	// warn or strict, and the memory for record hashes, with units
	// ("128MiB"; ParseSize).
	Coverage       string `yaml:"coverage,omitempty"`
	CoverageMemory string `yaml:"coverage_memory,omitempty"`

	// Review (issue 14): the HTML report written beside the plan ("":
	// none).
	Report string `yaml:"report,omitempty"`
}

// Archive are how archives and CSV files are read, by analysis and import
// alike: import must find the members analysis found, by the same names,
// and count their records as analysis did.
type Archive struct {
	NameEncoding string `yaml:"name_encoding,omitempty"`
	MaxEntries   int64  `yaml:"max_entries,omitempty"` // 0: no limit
	// The CSV dialect.
	Delimiter      string `yaml:"delimiter,omitempty"`
	MaxRecordBytes int64  `yaml:"max_record_bytes,omitempty"`
}

// Import are the settings of import (and of run's import).
type Import struct {
	DB             string `yaml:"db,omitempty"` // a URL without a password
	Base           string `yaml:"base,omitempty"`
	Table          string `yaml:"table,omitempty"`
	OneTable       string `yaml:"one_table,omitempty"`
	AllText        bool   `yaml:"all_text,omitempty"`
	MaxBadRows     int64  `yaml:"max_bad_rows,omitempty"`
	Rejects        string `yaml:"rejects,omitempty"`
	Encoding       string `yaml:"encoding,omitempty"`
	AllowDowngrade bool   `yaml:"allow_downgrade,omitempty"`
	LoadWorkers    int    `yaml:"load_workers,omitempty"` // import's --workers
	KeepGoing      bool   `yaml:"keep_going,omitempty"`   // run only
}

// Connection are how the database is reached. PasswordFile names a file
// that holds the password; it is no secret itself.
type Connection struct {
	PasswordFile  string `yaml:"password_file,omitempty"`
	CAFile        string `yaml:"ca_file,omitempty"`
	CertFile      string `yaml:"cert_file,omitempty"`
	KeyFile       string `yaml:"key_file,omitempty"`
	InsecureNoTLS bool   `yaml:"insecure_no_tls,omitempty"`

	// Passwords (import and run): NoPassword never asks for one, even
	// when the server does.
	NoPassword bool `yaml:"no_password,omitempty"`

	// Lock waits (import and run): how long a load waits for another
	// load's lock, a Go duration such as 10m. Checked by the cli package.
	LockTimeout string `yaml:"lock_timeout,omitempty"`
	// Timeouts (import and run), Go durations such as 15s or 10m: how
	// long connecting may take, and how long a load may go without
	// progress. Checked by the cli package.
	ConnectTimeout   string `yaml:"connect_timeout,omitempty"`
	StatementTimeout string `yaml:"statement_timeout,omitempty"`
}

// Scale spread an analysis over many processes (analyze only): a static
// shard, or a NATS JetStream work queue that workers serve. The NATS
// secrets are no settings: they come from SIFTLOAD_NATS_TOKEN, or
// SIFTLOAD_NATS_USER and SIFTLOAD_NATS_PASSWORD, or the files NATSCreds
// and NATSNKey name.
type Scale struct {
	Shard   string `yaml:"shard,omitempty"`    // I/N or auto
	ShardBy string `yaml:"shard_by,omitempty"` // size or hash

	Queue     string `yaml:"queue,omitempty"` // the NATS server's URL
	QueueName string `yaml:"queue_name,omitempty"`
	AckWait   string `yaml:"ack_wait,omitempty"` // a Go duration
	NATSCreds string `yaml:"nats_creds,omitempty"`
	NATSNKey  string `yaml:"nats_nkey,omitempty"`
	NATSCA    string `yaml:"nats_ca,omitempty"`
	NATSCert  string `yaml:"nats_cert,omitempty"`
	NATSKey   string `yaml:"nats_key,omitempty"`
	// NATSInsecureNoTLS allows plain text to a server not on loopback.
	NATSInsecureNoTLS bool `yaml:"nats_insecure_no_tls,omitempty"`
}

// Worker are the settings of worker, beyond the queue's (Scale) and
// workers and temp_dir (Analysis).
type Worker struct {
	PathMap  []string `yaml:"path_map,omitempty"` // FROM=TO
	Root     []string `yaml:"root,omitempty"`
	IdleExit string   `yaml:"idle_exit,omitempty"` // a Go duration
}

// Incremental are the settings of the incremental analysis cache
// (analyze and run, local analyses only): Cache is the directory of its
// entries, "" for none (a site of run --config defaults to NAME.cache);
// NoCache turns it off for once, RebuildCache reads no entry and writes
// them all anew.
type Incremental struct {
	Cache        string `yaml:"cache,omitempty"`
	NoCache      bool   `yaml:"no_cache,omitempty"`
	RebuildCache bool   `yaml:"rebuild_cache,omitempty"`
}

// Keys of the settings that no environment variable sets: they describe a
// site of a profile, not a machine.
const (
	KeyName   = "name"
	KeyInputs = "inputs"
)

// PasswordEnv is the environment variable that holds the database
// password.
const PasswordEnv = "SIFTLOAD_DB_PASSWORD"

// EnvPrefix starts every environment variable of a setting.
const EnvPrefix = "SIFTLOAD_"

// Environment variables that hold NATS secrets (see Scale); no flag and
// no profile key does.
const (
	NATSTokenEnv    = "SIFTLOAD_NATS_TOKEN"
	NATSUserEnv     = "SIFTLOAD_NATS_USER"
	NATSPasswordEnv = "SIFTLOAD_NATS_PASSWORD"
)

// field is one setting, found by reflection on Settings.
type field struct {
	key   string
	name  string       // the Go field's name
	index []int        // the path of the field in Settings, through its part
	kind  reflect.Kind // String, Bool, Int, Int64 or Slice (of string)
}

var fields = sync.OnceValue(func() []field {
	var fs []field
	var walk func(t reflect.Type, path []int)
	walk = func(t reflect.Type, path []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			index := append(slices.Clone(path), i)
			if f.Anonymous {
				walk(f.Type, index)
				continue
			}
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			fs = append(fs, field{key: key, name: f.Name, index: index, kind: f.Type.Kind()})
		}
	}
	walk(reflect.TypeFor[Settings](), nil)
	return fs
})

// fieldByName returns the setting of a Go field's name.
func fieldByName(name string) (field, bool) {
	for _, f := range fields() {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// Pointer returns a pointer to the field of key in s (*string, *bool,
// *int, *int64 or *[]string), for binding a flag to it; it panics on an
// unknown key, which is a programming error.
func (s *Settings) Pointer(key string) any {
	f, ok := lookupField(key)
	if !ok {
		panic(fmt.Sprintf("config: no setting %q", key))
	}
	return reflect.ValueOf(s).Elem().FieldByIndex(f.index).Addr().Interface()
}

// FlagName returns the flag of key: the key in kebab-case
// (max_bad_rows is max-bad-rows).
func FlagName(key string) string {
	return strings.ReplaceAll(key, "_", "-")
}

// KeyOfFlag returns the key of a flag's name, the inverse of FlagName.
func KeyOfFlag(flag string) string {
	return strings.ReplaceAll(flag, "-", "_")
}

func lookupField(key string) (field, bool) {
	for _, f := range fields() {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// Keys returns every key, in the order of Settings.
func Keys() []string {
	keys := make([]string, len(fields()))
	for i, f := range fields() {
		keys[i] = f.key
	}
	return keys
}

// EnvName returns the environment variable of key ("SIFTLOAD_MAX_BAD_ROWS"),
// or "" for the keys without one (name, inputs).
func EnvName(key string) string {
	if key == KeyName || key == KeyInputs {
		return ""
	}
	return EnvPrefix + strings.ToUpper(key)
}

// Value returns the value of key in s as a string, as a flag or an
// environment variable would give it (lists joined by commas), and false
// for an unknown key.
func (s Settings) Value(key string) (string, bool) {
	f, ok := lookupField(key)
	if !ok {
		return "", false
	}
	v := reflect.ValueOf(s).FieldByIndex(f.index)
	switch f.kind {
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), true
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), true
	default:
		return strings.Join(v.Interface().([]string), ","), true
	}
}

// OriginKind says which layer set a value.
type OriginKind int

// The layers, from the lowest precedence to the highest.
const (
	FromDefault OriginKind = iota
	FromFile
	FromEnv
	FromFlag // a flag or an INPUT argument
)

// Origin says where a value came from.
type Origin struct {
	Kind OriginKind
	// Name is the flag ("--workers"), the environment variable
	// ("SIFTLOAD_WORKERS") or the profile's file name.
	Name string
	// Line and Column locate a profile's value (1-based; 0 if unknown).
	Line, Column int
}

// String returns "--workers", "SIFTLOAD_WORKERS", "site.yaml:7:3" or
// "default".
func (o Origin) String() string {
	switch {
	case o.Kind == FromDefault:
		return "default"
	case o.Kind == FromFile && o.Line > 0:
		return fmt.Sprintf("%s:%d:%d", o.Name, o.Line, o.Column)
	default:
		return o.Name
	}
}

// A Layer is the settings one source gave. Origins has an entry for each
// key the source set, and only for those: a key without one is not set by
// this layer, whatever its value in Settings.
type Layer struct {
	Settings
	Origins map[string]Origin
}

// Has reports whether the layer set key.
func (l Layer) Has(key string) bool {
	_, ok := l.Origins[key]
	return ok
}

// Set sets key to the string form of a value (as Value gives it, lists
// split at commas) and records origin. It is how flags and the
// environment enter a Layer.
func (l *Layer) Set(key, value string, origin Origin) error {
	f, ok := lookupField(key)
	if !ok {
		return fmt.Errorf("unknown setting %q", key)
	}
	v := reflect.ValueOf(&l.Settings).Elem().FieldByIndex(f.index)
	switch f.kind {
	case reflect.String:
		v.SetString(value)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("want true or false, got %q", value)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", value)
		}
		v.SetInt(n)
	default:
		var list []string
		for _, s := range strings.Split(value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		v.Set(reflect.ValueOf(list))
	}
	if l.Origins == nil {
		l.Origins = make(map[string]Origin)
	}
	l.Origins[key] = origin
	return nil
}

// Merge stacks layers, the last one highest: each key takes the value and
// origin of the last layer that set it. Lists are replaced, not joined.
func Merge(layers ...Layer) Layer {
	out := Layer{Origins: make(map[string]Origin)}
	dst := reflect.ValueOf(&out.Settings).Elem()
	for _, l := range layers {
		src := reflect.ValueOf(l.Settings)
		for _, f := range fields() {
			o, ok := l.Origins[f.key]
			if !ok {
				continue
			}
			v := src.FieldByIndex(f.index)
			if f.kind == reflect.Slice {
				v = reflect.ValueOf(slices.Clone(v.Interface().([]string)))
			}
			dst.FieldByIndex(f.index).Set(v)
			out.Origins[f.key] = o
		}
	}
	return out
}

// FromEnvironment returns the layer of the SIFTLOAD_* variables that
// lookup (os.LookupEnv) finds set and not empty. Lists are comma-separated
// (SIFTLOAD_INCLUDE="*.csv,*.txt"). A value that does not parse is an
// *Error naming the variable.
func FromEnvironment(lookup func(string) (string, bool)) (Layer, error) {
	var l Layer
	for _, f := range fields() {
		name := EnvName(f.key)
		if name == "" {
			continue
		}
		v, ok := lookup(name)
		if !ok || v == "" {
			continue
		}
		origin := Origin{Kind: FromEnv, Name: name}
		if err := l.Set(f.key, v, origin); err != nil {
			if f.key == "db" {
				// Never repeat a URL that may hold a password.
				err = fmt.Errorf("cannot read the value")
			}
			return Layer{}, &Error{Origin: origin, Key: f.key, Msg: err.Error()}
		}
	}
	if err := l.Validate(); err != nil {
		return Layer{}, err
	}
	return l, nil
}

// UnknownEnv returns the names of the SIFTLOAD_* variables in environ
// (os.Environ) that are no setting, sorted: most likely typing mistakes.
// The secrets (SIFTLOAD_DB_PASSWORD, SIFTLOAD_NATS_*) and the test
// variables (SIFTLOAD_TEST_*) are known.
func UnknownEnv(environ []string) []string {
	known := map[string]bool{PasswordEnv: true, NATSTokenEnv: true, NATSUserEnv: true, NATSPasswordEnv: true}
	for _, k := range Keys() {
		known[EnvName(k)] = true
	}
	var unknown []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, EnvPrefix) && !strings.HasPrefix(name, EnvPrefix+"TEST_") && !known[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// Error is a setting that is wrong, with where it came from.
type Error struct {
	Origin Origin
	Key    string // the setting, "" for the profile as a whole
	Msg    string
}

// Error returns e.g. `site.yaml:7:3: workers: want a whole number` or
// `SIFTLOAD_WORKERS: want a whole number`.
func (e *Error) Error() string {
	if e.Key != "" && (e.Origin.Kind == FromFile || e.Origin.Kind == FromDefault) {
		return fmt.Sprintf("%s: %s: %s", e.Origin, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Origin, e.Msg)
}

// Validate checks the values the layer set that need no other package:
// the name, that numbers are not negative and that the database URL holds
// no password. The first problem is returned as an *Error. It checks each
// value alone, so it suits any layer; how values go together (a client
// certificate and its key) is for the caller to check on the merged
// settings.
func (l Layer) Validate() error {
	fail := func(key, format string, args ...any) error {
		return &Error{Origin: l.Origins[key], Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	s := l.Settings
	if l.Has(KeyName) && !validName(s.Name) {
		return fail(KeyName, "%q is no valid site name: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)", s.Name)
	}
	for _, f := range fields() {
		if (f.kind == reflect.Int || f.kind == reflect.Int64) && l.Has(f.key) && reflect.ValueOf(s).FieldByIndex(f.index).Int() < 0 {
			return fail(f.key, "must not be negative")
		}
	}
	// Control characters (control.go).
	if err := l.checkControl(); err != nil {
		return err
	}
	if l.Has("db") {
		if err := CheckURL(s.DB); err != nil {
			return fail("db", "%v", err)
		}
	}
	// Decompression limits.
	if l.Has("max_ratio") && s.MaxRatio < 1 {
		return fail("max_ratio", "must be at least 1")
	}
	if l.Has("max_member_size") {
		if _, err := ParseSize(s.MaxMemberSize); err != nil {
			return fail("max_member_size", "%v", err)
		}
	}
	// Coverage check.
	if l.Has("coverage") && s.Coverage != "off" && s.Coverage != "warn" && s.Coverage != "strict" {
		return fail("coverage", "%q: want off, warn or strict", s.Coverage)
	}
	if l.Has("coverage_memory") {
		if _, err := ParseSize(s.CoverageMemory); err != nil {
			return fail("coverage_memory", "%v", err)
		}
	}
	return nil
}

// ParseSize reads a size in bytes with an optional unit, as
// max_member_size takes it: "64GiB", "500 MB", "1e9", "4096". The units
// are those of github.com/dustin/go-humanize (KB = 1000, KiB = 1024). ""
// is 0, for "not set"; a set size must be at least one byte.
func ParseSize(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(s)
	if err != nil || n == 0 || n > math.MaxInt64 {
		return 0, fmt.Errorf("want a size of at least one byte such as 64GiB or 500MB, got %q", s)
	}
	return int64(n), nil
}

// validName reports whether name can name a site and its files.
func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i, r := range name {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return true
}
