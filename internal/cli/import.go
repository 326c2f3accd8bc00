package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/load"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/all"
	"github.com/siftload/siftload/internal/ui"
)

// DefaultDB is the embedded default database.
const DefaultDB = "sqlite:siftload.db"

// ImportOptions are an import: its settings (the plan is Out, the
// workers LoadWorkers) and what no setting holds.
type ImportOptions struct {
	config.Settings
	DryRun bool

	// roots are where sources may lie: run's INPUTs; empty for import,
	// whose root is Base (default: the current directory).
	roots []string
	// waiting is told when a load waits for another program's lock.
	waiting func(what string)
	// parsed are the settings parsed by resolveSettings; nil for options
	// built otherwise (see parsedOrFlags).
	parsed *importParsed
	// setting names a setting in the import's messages ("--table", or
	// "table (site.yaml:4:1)" from a profile); nil names it by its flag.
	setting func(key string) string

	// json receives every key's outcome and the summary (--json); nil
	// for none.
	json *jsonLines

	// Password is resolved from the environment or PasswordFile before
	// the import starts, or from a prompt when the server asks for one
	// (never from a flag); it prints as [redacted], also inside a printed
	// ImportOptions.
	Password secret
	// ask asks for the password when the server wants one and none was
	// given; nil: never (no terminal, --no-password, a source given).
	ask *passwordPrompt
	// pwFrom says where the password came from, for -v (never the
	// password itself).
	pwFrom string
}

// The default timeouts of import.
const (
	DefaultConnectTimeout   = 15 * time.Second
	DefaultStatementTimeout = 10 * time.Minute
)

// importTimeouts are the parsed timeouts of an import.
type importTimeouts struct {
	Connect, Statement time.Duration
}

// timeouts parses the timeout settings; an empty one is its default.
// where names a setting for the usage error.
func (o *ImportOptions) timeouts(where func(key string) string) (importTimeouts, error) {
	t := importTimeouts{Connect: DefaultConnectTimeout, Statement: DefaultStatementTimeout}
	for _, s := range []struct {
		key, value string
		to         *time.Duration
	}{{"connect_timeout", o.ConnectTimeout, &t.Connect}, {"statement_timeout", o.StatementTimeout, &t.Statement}} {
		if s.value == "" {
			continue
		}
		d, err := time.ParseDuration(s.value)
		if err != nil || d <= 0 {
			return t, usagef("%s %q: want a duration above zero, such as 15s or 10m", where(s.key), s.value)
		}
		*s.to = d
	}
	return t, nil
}

// lockTimeout returns the --lock-timeout duration; where names the
// setting in messages.
func (o *ImportOptions) lockTimeout(where func(string) string) (time.Duration, error) {
	if o.LockTimeout == "" {
		return sink.DefaultLockTimeout, nil
	}
	d, err := time.ParseDuration(o.LockTimeout)
	if err != nil || d <= 0 {
		return 0, usagef("%s: %q is no positive duration (like 30s or 10m)", where("lock_timeout"), o.LockTimeout)
	}
	return d, nil
}

func newImportCommand(p *ui.Printer, d deps) *cobra.Command {
	var (
		b       *boundSettings
		prof    profileOptions
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "import [flags]",
		Short: "Load the versions a plan chose into a database",
		Long: `Import loads the version of every key that the plan names, each file in one
transaction together with its row in the ledger table siftload_ledger. A key
whose version (sha256) is in the ledger already is skipped, so running import
again never duplicates a row; another version replaces the key's rows.

Every file is verified while it streams: its sha256 must match the plan (an
archive changed since analysis is an error) and the rows inserted must match
the plan's count before the transaction commits. A bad record fails its file
and nothing of it is committed, unless --max-bad-rows lets it go to the
reject file. One failed file does not stop the others.

A new table gets column types inferred from every value of its file
(integer, decimal, timestamp, text); an existing table is used as it is.

DATABASES
` + databasesHelp() + `
` + secretsHelp + `
Settings may come from a site profile (--config; see "siftload run --help")
and SIFTLOAD_* environment variables; flags override both. With a profile
the plan is the profile's out (NAME.plan.csv for a named site).
` + exitStatus + `

EXAMPLES
  siftload import --plan plan.csv --db sqlite:site.db
  SIFTLOAD_DB_PASSWORD=... siftload import --plan plan.csv --db postgres://loader@db.example:5432/site
  siftload import --plan plan.csv --db postgres://loader@db.example/site --password-file /run/secrets/db --ca-file ca.pem
  siftload import --plan plan.csv --db sqlite:site.db --dry-run
  siftload import --config site-rgb.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sites, err := resolveSites(importCommand, b, prof, nil, p, d.prompt)
			if err != nil {
				return err
			}
			out := newJSONLines(d.out(), jsonOut)
			return runSites(cmd.Context(), p, sites, prof.ParallelSites, func(ctx context.Context, p *ui.Printer, s *siteRun) error {
				entries, err := readPlanContext(ctx, s.imp.Out)
				if err != nil {
					return err
				}
				if err := s.imp.mapSources(p, entries); err != nil {
					return err
				}
				if s.imp.Base == "" { // the plan's sidecar may know where its sources lie
					if s.imp.Base, err = recordedBase(p, s.imp.Out, entries); err != nil {
						return err
					}
				}
				s.imp.json = out
				return runImport(ctx, p, d, s.imp, entries)
			})
		},
	}
	b = newBoundSettings(cmd.Flags())
	b.importFlags(false)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "write every key's outcome and the summary as JSON Lines to standard output")
	prof.AddFlags(cmd.Flags())
	return cmd
}

func databasesHelp() string {
	var b strings.Builder
	r := all.Registry()
	dflt, _ := r.Lookup(DefaultDB)
	for _, n := range r.Names() {
		f, _ := r.Lookup(n + ":")
		dsn, about := f.Usage()
		if f == dflt {
			about += ", the default (" + DefaultDB + ")"
		}
		fmt.Fprintf(&b, "  %-40s %s\n", dsn, about)
	}
	return b.String()
}

// MaxPlanBytes caps the size of a plan file: a million keys take about
// 300 MB.
const MaxPlanBytes = 512 << 20

// readPlanFile reads the plan in path; see readPlanContext.
func readPlanFile(path string) ([]plan.Entry, error) {
	return readPlanContext(context.Background(), path)
}

// readPlanContext reads the plan in path, or from standard input when
// path is "-". Only a regular file is read (a device, a FIFO or a
// directory is refused before it is opened), at most MaxPlanBytes of it
// and records up to plan.MaxPlanRecord, and a cancelled ctx ends the
// read, standard input's too.
func readPlanContext(ctx context.Context, path string) ([]plan.Entry, error) {
	var r io.Reader
	if path == "-" {
		pr := interruptible(ctx, os.Stdin)
		defer pr.Close()
		r = pr
		path = "from standard input"
	} else {
		f, err := openRegular(path, MaxPlanBytes)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// The first import of a newcomer.
				return nil, fmt.Errorf("read plan: %w (no plan yet? write one with: siftload analyze INPUT... --out %s, or analyze and import in one go with: siftload run INPUT... --db URL)", err, path)
			}
			return nil, fmt.Errorf("read plan: %w", err)
		}
		defer f.Close()
		r = f
	}
	entries, err := plan.ReadPlan(&boundedReader{ctx: ctx, r: r, left: MaxPlanBytes})
	if err != nil {
		return nil, fmt.Errorf("read plan %s: %w", path, err)
	}
	return entries, nil
}

// openRegular opens path when it is a regular file of at most max bytes;
// anything else is refused without opening it (opening a FIFO waits for
// a writer).
func openRegular(path string, max int64) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s): give a file, or - for standard input", path, fi.Mode().Type())
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s has %d bytes, more than the %d a plan may have", path, fi.Size(), max)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return f, nil
}

// boundedReader reads r while ctx lasts, and fails after left bytes.
type boundedReader struct {
	ctx  context.Context
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.left <= 0 {
		return 0, fmt.Errorf("more than %d bytes", MaxPlanBytes)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// interruptible returns a reader of r that ends with ctx's error once ctx
// is done, even while a read of r blocks (a terminal or a pipe that never
// writes): the copying goroutine is then left to the process's exit.
// Close releases it otherwise.
func interruptible(ctx context.Context, r io.Reader) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	return readCloser{pr, func() error { stop(); return pr.Close() }}
}

type readCloser struct {
	io.Reader
	close func() error
}

func (rc readCloser) Close() error { return rc.close() }

func (o *ImportOptions) recordOptions(where func(key string) string) (record.Options, error) {
	ro := record.Options{Encoding: o.Encoding, NoHeader: o.NoHeader, MaxRecordBytes: o.MaxRecordBytes}
	d, ok := analysis.ParseDelimiter(o.Delimiter)
	if !ok {
		return ro, usagef("%s %q: want one of , ; tab |", where("delimiter"), o.Delimiter)
	}
	ro.Delimiter = d
	if o.MaxRecordBytes < 0 {
		return ro, usagef("%s must not be negative", where("max_record_bytes"))
	}
	if err := record.CheckEncoding(o.Encoding); err != nil {
		return ro, usagef("%s: %v", where("encoding"), err)
	}
	return ro, nil
}

// settingName names a setting of the import in a message: by what set it
// when resolveSettings made the options, else by its flag.
func (o *ImportOptions) settingName(key string) string {
	if o.setting == nil {
		return flagWhere(key)
	}
	return o.setting(key)
}

func (o *ImportOptions) rejectsPath() string {
	if o.Rejects != "" {
		return o.Rejects
	}
	plan := o.Out
	if plan == "" {
		plan = "plan.csv"
	}
	return strings.TrimSuffix(plan, filepath.Ext(plan)) + ".rejects.csv"
}

// openSink opens the database of opts with its password and TLS
// settings. It returns the redacted URL for messages. When the server
// asks for a password and none was given, it asks opts.ask for one (a
// prompt), sets opts.Password and opens again.
func openSink(ctx context.Context, opts *ImportOptions) (sink.Sink, string, error) {
	f, err := all.Registry().Lookup(opts.DB)
	if err != nil {
		return nil, "", usagef("--db: %v", err)
	}
	shown := f.Redact(opts.DB)
	if err := config.CheckURL(opts.DB); err != nil {
		return nil, shown, usagef("--db: %v", err)
	}
	s, err := f.Open(ctx, opts.DB, opts.sinkOptions())
	if errors.Is(err, sink.ErrPasswordRequired) && opts.Password == "" && opts.ask != nil {
		_, key := f.Account(opts.DB)
		pw, ok, perr := opts.ask.password(key, shown)
		if perr != nil {
			return nil, shown, perr
		}
		if ok {
			opts.Password = pw
			opts.pwFrom = "the prompt (the server asked for one)"
			s, err = f.Open(ctx, opts.DB, opts.sinkOptions())
		}
	}
	if err != nil {
		err = opts.Password.scrub(err)
		if !strings.Contains(err.Error(), shown) { // said once
			err = fmt.Errorf("open %s: %w", shown, err)
		}
		if errors.Is(err, sink.ErrPasswordRequired) && opts.Password == "" {
			err = fmt.Errorf("%w\n(no password was given: %s)", err, config.PasswordHelp)
		}
		return nil, shown, err
	}
	return s, shown, nil
}

// sinkOptions are the settings the sink takes beyond the URL. The
// timeouts were checked before (runImport, resolveSites).
func (o *ImportOptions) sinkOptions() sink.Options {
	var t importTimeouts
	var lockTimeout time.Duration
	if pr, err := o.parsedOrFlags(); err == nil { // checked before
		t, lockTimeout = pr.timeouts, pr.lock
	}
	return sink.Options{
		Password:       string(o.Password),
		CAFile:         o.CAFile,
		CertFile:       o.CertFile,
		KeyFile:        o.KeyFile,
		InsecureNoTLS:  o.InsecureNoTLS,
		ConnectTimeout: t.Connect,
		LockTimeout:    lockTimeout,
		ReadOnly:       o.DryRun,
		Waiting:        o.waiting,
	}
}

// runImport loads entries. It returns ErrProblems when some key failed.
func runImport(ctx context.Context, p *ui.Printer, d deps, opts ImportOptions, entries []plan.Entry) error {
	pr, err := opts.parsedOrFlags()
	if err != nil {
		return err
	}
	ro, timeouts := pr.record, pr.timeouts
	roots := opts.roots
	if len(roots) == 0 {
		roots = []string{cmp.Or(opts.Base, ".")}
	}
	stat, err := confinedStat(roots)
	if err != nil {
		return err
	}
	// A lock another program holds is waited for, up to --lock-timeout:
	// say so, rather than wait in silence.
	opts.waiting = func(what string) { p.Printf("waiting for %s", what) }
	s, shown, err := openSink(ctx, &opts)
	if err != nil {
		return err
	}
	defer s.Close()

	walker := pr.walker
	var (
		rejMu  sync.Mutex
		rejW   *plan.RejectWriter
		rejF   *os.File
		rejErr error
	)
	defer func() {
		if rejF != nil {
			rejF.Close()
		}
	}()
	writeRejects := func(rs []plan.Reject) error {
		rejMu.Lock()
		defer rejMu.Unlock()
		if rejW == nil && rejErr == nil {
			rejF, rejErr = os.Create(opts.rejectsPath())
			if rejErr == nil {
				rejW, rejErr = plan.NewRejectWriter(rejF)
			}
		}
		if rejErr != nil {
			return fmt.Errorf("reject file: %w", rejErr)
		}
		return rejW.Write(rs)
	}

	verb := "import"
	if opts.DryRun {
		verb = "dry run"
	}
	p.Printf("%s: %d keys into %s", verb, len(entries), shown)
	if opts.pwFrom != "" {
		p.Verbosef("password: %s", opts.pwFrom)
	}
	if a, ok := s.(sink.Absence); ok && a.Absent() {
		p.Printf("%s: %s: database does not exist yet (nothing was created): every key would be new", verb, shown)
	}
	// Progress and the summary table (not for a dry run, which loads
	// nothing and lists every key).
	var (
		done     outcomes
		progress *ui.LoadProgress
		planRows = make(map[string]int64, len(entries))
		total    int64
	)
	for _, e := range entries {
		planRows[e.Key] = e.Rows
		total += e.Rows
	}
	hooks := load.Hooks{
		Rejects:  writeRejects,
		Progress: d.importProgress,
		Report: func(o load.Outcome) {
			o.Err = opts.Password.scrub(o.Err)
			printOutcome(p, o)
			printDetail(p, o)
			writeOutcomeJSON(opts.json, o)
			if progress != nil {
				progress.Finish(o.Key, planRows[o.Key])
			}
			done.add(o)
		},
	}
	if !opts.DryRun {
		progress = p.NewLoadProgress(ctx, len(entries), total)
		defer progress.Done()
		hooks.Start = func(e plan.Entry) { progress.Start(e.Key, e.Rows) }
		hooks.KeyProgress = progress.Add
	}
	imp := load.NewImporter(s, load.Config{
		Tables:      load.Tables{Template: opts.Table, One: opts.OneTable},
		Parsing:     load.Parsing{Record: ro, AllText: opts.AllText, MaxBadRows: opts.MaxBadRows},
		Policy:      load.Policy{AllowDowngrade: opts.AllowDowngrade, DryRun: opts.DryRun, Version: Version()},
		Concurrency: load.Concurrency{Workers: opts.LoadWorkers, StallTimeout: timeouts.Statement},
		Files:       load.Files{Base: opts.Base, Open: walker.Open, Stat: stat},
		Setting:     opts.settingName,
		Hooks:       hooks,
	})
	sum, err := imp.Run(ctx, entries)
	if progress != nil {
		progress.Done()
		printSummary(p, done.list, sum.Elapsed)
	}
	if opts.DryRun {
		printDryRun(p, sum)
	} else if sum.Loaded+sum.Replaced+sum.Skipped+sum.Failed > 0 {
		rate := float64(sum.Rows) / sum.Elapsed.Seconds()
		p.Printf("%s: %d loaded, %d replaced, %d skipped, %d failed; %d rows (%d rejected) in %s, %.0f rows/s",
			verb, sum.Loaded, sum.Replaced, sum.Skipped, sum.Failed, sum.Rows, sum.Rejected, sum.Elapsed.Round(1e6), rate)
	}
	if rejW != nil {
		p.Printf("rejected records written to %s", opts.rejectsPath())
	}
	if ctx.Err() != nil && !opts.DryRun {
		// Interrupted: say what is in the database and what is not.
		p.Errorf("%s interrupted: %d keys committed (reported above, in the ledger)", verb, sum.Loaded+sum.Replaced)
		for _, k := range sum.RolledBack {
			p.Errorf("rolled back %s: none of its rows is in the database", k)
		}
		if sum.NotStarted > 0 {
			p.Errorf("%d keys not started", sum.NotStarted)
		}
		p.Errorf("run the same import again to resume: committed keys are skipped")
	}
	printFailures(p, done.list)
	err = opts.Password.scrub(err)
	writeImportSummaryJSON(opts.json, sum, opts.DryRun, err)
	if jerr := opts.json.Err(); jerr != nil && err == nil {
		err = jerr
	}
	if errors.Is(err, load.ErrFailed) {
		return fmt.Errorf("import: %w: %w", err, ErrProblems)
	}
	return err
}

// printDryRun prints a dry run's counts: every key of the plan is in
// one of them (or failed: its ledger could not be read).
func printDryRun(p *ui.Printer, sum load.Summary) {
	p.Printf("dry run: would load %d keys (%d rows), replace %d (%d rows), skip %d (%d rows already loaded), refuse %d (%d rows); %d failed; nothing was written",
		sum.WouldLoad.Keys, sum.WouldLoad.Rows, sum.WouldReplace.Keys, sum.WouldReplace.Rows,
		sum.WouldSkip.Keys, sum.WouldSkip.Rows, sum.WouldRefuse.Keys, sum.WouldRefuse.Rows, sum.Failed)
}

// printDetail prints, with -v, a key's chosen source and its table's
// columns (inferred or the existing table's).
func printDetail(p *ui.Printer, o load.Outcome) {
	p.Verbosef("  %s: source %s", o.Key, o.Source)
	if len(o.Columns) > 0 {
		cols := make([]string, len(o.Columns))
		for i, c := range o.Columns {
			cols[i] = c.Name + " " + c.Type.String()
		}
		how := "columns of the existing table"
		if o.NewTable {
			how = "inferred columns"
		}
		p.Verbosef("  %s: %s %s: %s", o.Key, how, o.Table, strings.Join(cols, ", "))
	}
}

func printOutcome(p *ui.Printer, o load.Outcome) {
	switch o.Action {
	case load.Failed:
		p.Errorf("failed   %s -> %s: %v", o.Key, o.Table, o.Err)
	case load.Skipped, load.WouldSkip:
		p.Printf("%-8s %s -> %s: %s", o.Action, o.Key, o.Table, o.Note)
	case load.WouldLoad:
		p.Printf("%-8s %s -> %s: %d rows from %s", o.Action, o.Key, o.Table, o.Rows, o.Source)
	case load.WouldRefuse:
		p.Errorf("%-8s %s -> %s: %v", o.Action, o.Key, o.Table, o.Err)
	case load.WouldReplace:
		p.Printf("%-8s %s -> %s: %d rows -> %d rows from %s", o.Action, o.Key, o.Table, o.PrevRows, o.Rows, o.Source)
	default:
		extra := ""
		if o.Action == load.Replaced {
			extra = fmt.Sprintf(" (was %d)", o.PrevRows)
		}
		if o.Rejected > 0 {
			extra += fmt.Sprintf(", %d rejected", o.Rejected)
		}
		if o.Note != "" {
			extra += ", " + o.Note
		}
		p.Printf("%-8s %s -> %s: %d rows%s in %s", o.Action, o.Key, o.Table, o.Rows, extra, o.Elapsed.Round(1e6))
	}
}
