package cli

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/queue"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/shard"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/all"
)

// boundSettings are a command's settings with its flags bound onto the
// fields of config.Settings: a flag sets its field directly, and the
// flag set says which flags were given (pflag's Changed), which is the
// origin of their values.
type boundSettings struct {
	config.Settings
	fs    *pflag.FlagSet
	flags map[string]string // key → the flag that sets it
	// dryRun is import's and run's --dry-run: no setting, but one
	// invocation's choice.
	dryRun bool
}

func newBoundSettings(fs *pflag.FlagSet) *boundSettings {
	return &boundSettings{fs: fs, flags: map[string]string{}}
}

// bind adds the flag of key (config.FlagName) with a default and a help
// line; the default's type is the field's.
func (b *boundSettings) bind(key, short string, def any, usage string) {
	b.bindAs(key, config.FlagName(key), short, def, usage)
}

// bindAs adds a flag named otherwise than its key: import's --plan (out)
// and --workers (load_workers), the only ones.
func (b *boundSettings) bindAs(key, name, short string, def any, usage string) {
	if b.fs.Lookup(name) != nil {
		return // bound by another part already (worker's --workers)
	}
	switch p := b.Settings.Pointer(key).(type) {
	case *string:
		if d, ok := def.(time.Duration); ok {
			*p = d.String()
			b.fs.VarP(durationText{p}, name, short, usage)
			break
		}
		b.fs.StringVarP(p, name, short, def.(string), usage)
	case *bool:
		b.fs.BoolVarP(p, name, short, def.(bool), usage)
	case *int:
		b.fs.IntVarP(p, name, short, def.(int), usage)
	case *int64:
		d, ok := def.(int64)
		if !ok {
			d = int64(def.(int)) // an untyped constant
		}
		b.fs.Int64VarP(p, name, short, d, usage)
	case *[]string:
		b.fs.StringArrayVarP(p, name, short, def.([]string), usage)
	}
	b.flags[key] = name
}

// durationText is a flag of a duration setting, which the settings keep
// as text (checked where it is used, so that an error names the value's
// origin): a string flag that help shows as a duration.
type durationText struct{ p *string }

func (d durationText) String() string {
	if d.p == nil {
		return ""
	}
	return *d.p
}

func (d durationText) Set(s string) error { *d.p = s; return nil }
func (d durationText) Type() string       { return "duration" }

// layers returns the command's defaults (every bound key, with its
// default value) and the flags given (the keys of the changed flags):
// the lowest and the highest layer of the settings.
func (b *boundSettings) layers() (defaults, flags config.Layer) {
	defaults = config.Layer{Settings: b.Settings, Origins: map[string]config.Origin{}}
	flags = config.Layer{Settings: b.Settings, Origins: map[string]config.Origin{}}
	for key, name := range b.flags {
		defaults.Origins[key] = config.Origin{Kind: config.FromDefault}
		if b.fs.Changed(name) {
			flags.Origins[key] = config.Origin{Kind: config.FromFlag, Name: "--" + name}
		}
	}
	return defaults, flags
}

// withEnvironment returns the settings of a command without a profile
// (merge, worker): the SIFTLOAD_* variables over the defaults, the flags
// given over both.
func (b *boundSettings) withEnvironment() (config.Settings, error) {
	defaults, flags := b.layers()
	env, err := config.FromEnvironment(os.LookupEnv)
	if err != nil {
		return config.Settings{}, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return config.Merge(defaults, env, flags).Settings, nil
}

// The flags of each part of config.Settings. A new setting is a line
// here and a field in its part.

func (b *boundSettings) analysisFlags() {
	b.bind("out", "o", "plan.csv", "write the plan to `FILE`")
	b.bind("problems", "", "", "write problems to `FILE` (default: the plan's name with .problems.csv)")
	b.bind("candidates", "", "", "also write every candidate with its measures to `FILE`")
	b.bind("include", "", []string(nil), "data files are members matching `GLOB` (repeatable; default *.csv, *.tsv, *.txt)")
	b.bind("exclude", "", []string(nil), "skip members matching `GLOB` (repeatable)")
	b.bind("key", "", "", "derive the key from the source with `REGEX` (named group \"key\", or the whole match)")
	b.bind("metric", "", metric.Default, "what fullest means: "+strings.Join(metric.Names, ", "))
	b.bind("no_header", "", false, "files have no header record: count every record")
	b.bind("workers", "w", runtime.NumCPU(), "inputs analyzed at once")
	b.bind("max_depth", "", 4, "open archives nested up to `N` levels deep")
	b.bind("temp_dir", "", "", "spool nested zip/7z archives in `DIR` (default: the system's)")
	// Decompression limits.
	b.bind("max_ratio", "", archive.DefaultMaxRatio, "a member whose data decompresses to more than `N` times its compressed bytes (past 16 MiB) is a problem")
	b.bind("max_member_size", "", strings.ReplaceAll(humanize.IBytes(uint64(archive.DefaultMaxMemberSize)), " ", ""), "a member larger than `SIZE` once decompressed is a problem (units: KiB, MiB, GiB, MB, GB...)")
	b.archiveFlags()
	b.dialectFlags()
	// Coverage check.
	b.coverageFlags()
	// Review (issue 14).
	b.bind("report", "", "", "also write the plan's review report to `FILE` (one self-contained HTML file; the candidates go beside the plan, PLAN.candidates.csv, unless --candidates says where)")
	b.cacheFlags()
}

// cacheFlags bind the incremental analysis cache's settings (analyze and
// run).
func (b *boundSettings) cacheFlags() {
	b.bind("cache", "", "", "keep each input's candidates in `DIR` and read only new or changed inputs next time (default for run --config: NAME.cache)")
	b.bind("no_cache", "", false, "use no cache, whatever the profile says")
	b.bind("rebuild_cache", "", false, "read every input and write the cache anew")
}

// archiveFlags bind how archives are read: analysis and import alike.
func (b *boundSettings) archiveFlags() {
	b.bind("name_encoding", "", "", "decode member names not marked UTF-8 as `CODEPAGE` (zip default: cp437; e.g. cp866, cp932, cp1252)")
	b.bind("max_entries", "", archive.DefaultMaxEntries, "refuse archives that take one input past `N` entries (0: no limit)")
}

// dialectFlags bind the CSV dialect, which analysis and import share: the
// count must read files as the import does.
func (b *boundSettings) dialectFlags() {
	b.bind("delimiter", "", "", "field delimiter: , ; tab | (default: sniffed per file)")
	b.bind("max_record_bytes", "", record.DefaultMaxRecordBytes, "a record longer than `N` bytes is a problem")
}

// loadWorkersHelp is the help of import's --workers and run's
// --load-workers.
const loadWorkersHelp = "keys loaded at once, each over its own connection (default 0: 1 for SQLite, which has one writer, and for --one-table; else one per CPU, up to 4)"

// importFlags bind import's settings. In run, the plan, header, worker,
// archive and dialect flags are analysis's, so forRun leaves them out or
// renames them.
func (b *boundSettings) importFlags(forRun bool) {
	if !forRun {
		b.bindAs("out", "plan", "", "plan.csv", "import the plan in `FILE` (- for standard input)")
		b.bind("no_header", "", false, "files have no header record: columns are col_1, col_2, ...")
		b.bindAs("load_workers", "workers", "w", 0, loadWorkersHelp)
		b.archiveFlags()
	} else {
		b.bind("load_workers", "", 0, loadWorkersHelp)
	}
	b.bind("db", "", DefaultDB, "load into the database at `URL` ("+strings.Join(all.Registry().Names(), ", ")+")")
	b.bind("base", "", "", "resolve relative sources of the plan against `DIR`, and read no file outside it (default: the current directory)")
	b.bind("table", "", "", "name tables by `TEMPLATE`: {name} (data_line01), {base} (line01), {dir} (data)")
	b.bind("one_table", "", "", "append every key into table `NAME`, with a source_key column")
	b.bind("all_text", "", false, "create every column as text instead of inferring types")
	b.bind("max_bad_rows", "", int64(0), "set aside up to `N` bad records per file in the reject file and load the rest")
	b.bind("rejects", "", "", "write set-aside records to `FILE` (default: the plan's name with .rejects.csv)")
	b.bind("encoding", "", "auto", "text encoding of the files: auto (UTF-8, or UTF-16 with a BOM), windows-1252, iso-8859-1, ...")
	if !forRun {
		b.dialectFlags()
	}
	b.bind("allow_downgrade", "", false, "replace a loaded version even when it has more rows than the plan's")
	b.fs.BoolVar(&b.dryRun, "dry-run", false, "show what would be loaded, replaced or skipped, and write nothing")
	b.connectionFlags()
	if !forRun {
		b.importPathMapFlags()
	}
}

// importPathMapFlags bind import's --path-map: a plan made on another
// machine (issue 18). The key is the worker's, in the same form.
func (b *boundSettings) importPathMapFlags() {
	b.bind("path_map", "", []string(nil), "read the plan's sources under `FROM=TO` from TO here, a plan made on another machine (repeatable; the longest FROM wins; reads only under TO or --base), e.g. Z:/site=/data/site")
}

func (b *boundSettings) connectionFlags() {
	b.bind("password_file", "", "", "read the database password from `FILE` (others may not read it; default: $"+config.PasswordEnv+", else a prompt on a terminal)")
	// Passwords.
	b.bind("no_password", "", false, "never ask for a password, even when the server asks for one (default: ask on a terminal when it does)")
	b.bind("ca_file", "", "", "verify the database server's certificate with the CA certificates in `FILE` (PEM)")
	b.bind("cert_file", "", "", "present the client certificate in `FILE` (PEM; with --key-file)")
	b.bind("key_file", "", "", "the client certificate's private key in `FILE` (PEM)")
	b.bind("insecure_no_tls", "", false, "allow a plain-text database connection to a host that is not loopback (INSECURE: the password and data cross the network readable)")
	// Lock waits.
	b.bind("lock_timeout", "", sink.DefaultLockTimeout.String(), "wait at most `DURATION` for another load's lock on a key or table, then fail the key (Oracle)")
	// Timeouts.
	b.bind("connect_timeout", "", DefaultConnectTimeout.String(), "give up connecting to the database after `DURATION` (PostgreSQL: connect_timeout in the URL wins)")
	b.bind("statement_timeout", "", DefaultStatementTimeout.String(), "fail a key whose load makes no progress for `DURATION` (a stalled server, a lock held elsewhere)")
}

// scaleFlags bind the settings that spread an analysis over processes:
// analyze's shard and queue flags.
func (b *boundSettings) scaleFlags() {
	b.bind("shard", "", "", "analyze only shard `I/N` of the inputs (I from 0), or auto: I and N from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, JOB_COMPLETIONS) or a Slurm array (SLURM_ARRAY_TASK_ID of SHARDS when set, else of SLURM_ARRAY_TASK_COUNT); writes --candidates instead of a plan, for siftload merge")
	b.bind("shard_by", "", string(shard.BySize), "partition the inputs for --shard by `METHOD`: size (balanced bytes) or hash (an archive's shard never moves)")
	b.bind("queue", "", "", "have siftload workers analyze the inputs through the NATS JetStream server at `URL` (nats://HOST:4222, tls://HOST:4222; see siftload worker --help)")
	b.bind("ack_wait", "", queue.DefaultAckWait, "with --queue: give a task to another worker when its worker has not been heard of for `DURATION`")
	b.queueFlags()
}

// queueFlags bind how the NATS JetStream work queue is reached: analyze
// --queue and worker.
func (b *boundSettings) queueFlags() {
	b.bind("queue_name", "", "siftload", "with --queue: the queue's `NAME` (streams NAME_tasks and NAME_results)")
	b.bind("nats_creds", "", "", "with --queue: authenticate with the NATS credentials `FILE` (user JWT and NKEY seed)")
	b.bind("nats_nkey", "", "", "with --queue: authenticate with the NKEY seed `FILE`")
	b.bind("nats_ca", "", "", "with --queue: verify the NATS server's certificate with the PEM roots in `FILE` (default: the system's)")
	b.bind("nats_cert", "", "", "with --queue: client certificate `FILE` for mutual TLS")
	b.bind("nats_key", "", "", "with --queue: client key `FILE` for mutual TLS")
	b.bind("nats_insecure_no_tls", "", false, "with --queue: allow a plain-text connection to a NATS server that is not on this machine")
}

// workerFlags bind worker's settings.
func (b *boundSettings) workerFlags() {
	b.bind("queue", "", "", "take tasks from the NATS JetStream server at `URL` (nats://HOST:4222, tls://HOST:4222)")
	b.queueFlags()
	b.bind("path_map", "", []string(nil), "read the analyzing machine's paths under `FROM=TO` from TO here (repeatable; the longest FROM wins), e.g. /mnt/site=S:/site")
	b.bind("root", "", []string(nil), "read only archives under `DIR` (repeatable; after --path-map; default: wherever the tasks say)")
	b.bind("workers", "w", runtime.NumCPU(), "tasks (outermost archives) analyzed at once")
	b.bind("temp_dir", "", "", "spool nested zip/7z archives in `DIR` (default: the system's)")
	b.bind("idle_exit", "", "", "stop after `DURATION` without a task (default: run until interrupted)")
}

// runFlags bind run's settings: an analysis, then an import.
func (b *boundSettings) runFlags() {
	b.analysisFlags()
	b.importFlags(true)
	b.bind("keep_going", "", false, "import even when the analysis had problems")
	b.runQueueFlags()
}

// runQueueFlags bind run's --queue: the analysis through the NATS work
// queue, then the import here (issue 18). Shards stay analyze's.
func (b *boundSettings) runQueueFlags() {
	b.bind("queue", "", "", "have siftload workers analyze the inputs through the NATS JetStream server at `URL` (nats://HOST:4222, tls://HOST:4222; see siftload worker --help), then import here")
	b.bind("ack_wait", "", queue.DefaultAckWait, "with --queue: give a task to another worker when its worker has not been heard of for `DURATION`")
	b.queueFlags()
}
