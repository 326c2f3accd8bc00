package load

import (
	"runtime"
	"time"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/schema"
	"github.com/siftload/siftload/internal/sink"
)

// Importer imports the versions a plan chose into one sink. Make it with
// NewImporter, once per sink, and call Run. Its settings are fixed once it
// is made.
type Importer struct {
	sink   sink.Sink
	limits schema.Limits // the sink's (sink.LimitsOf)
	tables Tables
	parse  Parsing
	policy Policy
	conc   Concurrency
	files  Files
	hooks  Hooks
	// setting names a setting in messages (Config.Setting).
	setting func(key string) string
}

// Config is what an Importer is made of, grouped by concern.
type Config struct {
	Tables      Tables
	Parsing     Parsing
	Policy      Policy
	Concurrency Concurrency
	Files       Files
	Hooks       Hooks
	// Setting names a setting in the messages of errors that changing it
	// fixes, given its profile key ("table", "one_table",
	// "statement_timeout"): a command names the flag, variable or profile
	// key that set the value. nil names a setting by its key.
	Setting func(key string) string
}

// Tables say how keys are named as tables.
type Tables struct {
	// Template names each key's table (see schema.ApplyTemplate); ""
	// for the default name (schema.TableName of the key).
	Template string
	// One, when set, is the one table every key is appended to, with a
	// sink.SourceKeyColumn; "" for one table per key.
	One string
}

// Parsing says how files are read and typed.
type Parsing struct {
	Record     record.Options
	AllText    bool  // create every column as text
	MaxBadRows int64 // records per file that may go to the reject file
}

// Policy says what an import may change.
type Policy struct {
	// AllowDowngrade lets a version with fewer rows replace the
	// ledger's (see sink.Decide).
	AllowDowngrade bool
	// DryRun reports what would happen and writes nothing.
	DryRun bool
	// Version is the program version recorded in the ledger.
	Version string
}

// Concurrency says how many keys load at once and how long one may stall.
type Concurrency struct {
	// Workers is the number of keys loaded at once, each over its own
	// connection; < 1 is the default (Importer.workers).
	Workers int
	// StallTimeout fails a key whose load makes no progress for this long
	// (no record taken by the sink, no database call returning); the key
	// rolls back and the others go on. 0: no limit.
	StallTimeout time.Duration
}

// Files say where the plan's sources are and how they are read.
type Files struct {
	Base string // directory relative sources resolve against
	Open OpenFunc
	// Stat checks that a source's outermost file exists and may be read
	// (the CLI confines sources to the plan's inputs); Run calls it for
	// every key before it reads or writes anything. nil: no check.
	Stat func(base, source string) error
}

// Hooks are told of an import's results; each may be nil.
type Hooks struct {
	// Rejects receives the rejected records of each committed file.
	Rejects func([]plan.Reject) error
	// Progress is told how many more rows were handed to the sink, a
	// batch at a time; with Workers > 1 it is called from several
	// goroutines at once. A load that reads its file again (see
	// onepass.go) first takes back the rows of the read it abandons, as
	// a negative count.
	Progress func(rows int64)
	// Start is told that the load of a key begins: the ledger said it
	// must load, and its file is about to be read. Report follows.
	Start func(plan.Entry)
	// KeyProgress is told of rows more rows of key handed to the sink
	// and bytes more bytes of its file read by the load; with Workers > 1
	// from several goroutines at once. Both are negative when a load
	// takes back an abandoned read, as for Progress.
	KeyProgress func(key string, rows, bytes int64)
	// Report is called once per key with its outcome, from one goroutine
	// at a time.
	Report func(Outcome)
}

// NewImporter returns an Importer into s with the settings of c.
func NewImporter(s sink.Sink, c Config) *Importer {
	return &Importer{
		sink:    s,
		limits:  sink.LimitsOf(s),
		tables:  c.Tables,
		parse:   c.Parsing,
		policy:  c.Policy,
		conc:    c.Concurrency,
		files:   c.Files,
		hooks:   c.Hooks,
		setting: c.Setting,
	}
}

// name names the setting of key in a message (Config.Setting).
func (im *Importer) name(key string) string {
	if im.setting == nil {
		return key
	}
	return im.setting(key)
}

// DefaultWorkers is the most keys an import loads at once by default into
// a database server (Concurrency.Workers < 1): one per CPU, up to this.
// On the benchmark's 40 winners, two PostgreSQL loads at once took 0.72–
// 0.75 s against 0.91–0.93 s for one (2 CPUs, alternated runs): a load
// keeps a CPU busy with reading, converting and the digest while the
// server works on another's rows, and its per-key steps (table creation,
// the commit) overlap another's COPY.
const DefaultWorkers = 4

// workers returns the keys loaded at once: Concurrency.Workers when set.
// By default it is one for a sink with a single writer (sink.SingleWriter:
// SQLite) and for --one-table, whose loads would only queue on the
// table's lock (and could wait past --lock-timeout), and else one per
// CPU up to DefaultWorkers.
func (im *Importer) workers() int {
	if im.conc.Workers > 0 {
		return im.conc.Workers
	}
	if im.tables.One != "" || sink.IsSingleWriter(im.sink) {
		return 1
	}
	return min(runtime.NumCPU(), DefaultWorkers)
}
