package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/sink/all"
	"github.com/siftload/siftload/internal/ui"
)

// profileOptions are the flags that read a site profile.
type profileOptions struct {
	Config        string
	ParallelSites int
}

// AddFlags binds the options to fs.
func (o *profileOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Config, "config", "c", "", "read the settings from the site profile `FILE` (YAML; SIFTLOAD_* variables and flags override it)")
	fs.IntVar(&o.ParallelSites, "parallel-sites", 1, "run up to `N` sites of the profile at once")
}

// commandKind is the command whose settings are resolved.
type commandKind int

const (
	analyzeCommand commandKind = iota
	importCommand
	runCommand
)

// flagWhere names a setting by its flag, for messages about the command
// line.
func flagWhere(key string) string {
	return "--" + config.FlagName(key)
}

// siteRun is one site's effective settings, checked and parsed once,
// ready to run.
type siteRun struct {
	name   string       // "" for a command line or a profile without a name
	eff    config.Layer // the effective settings and their origins
	inputs []string
	// analyze is the site's analysis (analyze and run).
	analyze *analyzeJob
	// imp is the site's import (import and run); its password is set by
	// resolveConnections.
	imp ImportOptions
	// pwFrom says where the password comes from, for config check.
	pwFrom string
}

// where names a setting of the site by its origin: "--metric",
// "SIFTLOAD_METRIC" or "site.yaml:5:1: metric".
func (s *siteRun) where(key string) string {
	o, ok := s.eff.Origins[key]
	switch {
	case !ok || o.Kind == config.FromDefault:
		return flagWhere(key)
	case o.Kind == config.FromFile:
		return o.String() + ": " + key
	default:
		return o.Name
	}
}

// setting names a setting of the site for a problem, which says what
// to change: "--max-ratio", "SIFTLOAD_MAX_RATIO" or "max_ratio
// (site.yaml:5:1)".
func (s *siteRun) setting(key string) string {
	o, ok := s.eff.Origins[key]
	switch {
	case !ok || o.Kind == config.FromDefault:
		return flagWhere(key)
	case o.Kind == config.FromFile:
		return key + " (" + o.String() + ")"
	default:
		return o.Name
	}
}

// wrap prefixes err with the site's name when it has one.
func (s *siteRun) wrap(err error) error {
	if s.name == "" || err == nil {
		return err
	}
	return fmt.Errorf("site %s: %w", s.name, err)
}

// resolveSites returns the sites a command runs: one per site of the
// --config profile (one without a profile), each with the profile's
// settings under the environment's under the flags given (b). It checks every site before any runs, refuses sites that would
// write the same file or load into the same database, and resolves each
// database's password (asking prompt, which may be nil for analyze) and
// TLS settings.
func resolveSites(kind commandKind, b *boundSettings, prof profileOptions, args []string, p *ui.Printer, prompt func(string) (string, bool, error)) ([]*siteRun, error) {
	sites, err := resolveSettings(kind, b, prof, args, p)
	if err != nil {
		return nil, err
	}
	if kind != importCommand {
		for _, s := range sites {
			if len(s.inputs) == 0 {
				return nil, s.wrap(usagef("no INPUT: name them as arguments, or as inputs: in the profile"))
			}
		}
	}
	if err := checkCollisions(kind, sites); err != nil {
		return nil, err
	}
	if kind != analyzeCommand {
		if err := resolveConnections(p, sites, prompt); err != nil {
			return nil, err
		}
	}
	return sites, nil
}

// resolveSettings merges the layers of every site, validates them, and
// keeps the parsed settings of the site's analysis and import.
func resolveSettings(kind commandKind, b *boundSettings, prof profileOptions, args []string, p *ui.Printer) ([]*siteRun, error) {
	if prof.ParallelSites < 1 {
		return nil, usagef("--parallel-sites must be at least 1")
	}
	defaults, flags := b.layers()
	if len(args) > 0 {
		// cmd.exe and PowerShell leave D:\exports\*.zip to the program.
		inputs, err := expandArgs(args)
		if err != nil {
			return nil, err
		}
		flags.Inputs = inputs
		flags.Origins[config.KeyInputs] = config.Origin{Kind: config.FromFlag, Name: "INPUT arguments"}
	}
	env, err := config.FromEnvironment(os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	for _, name := range config.UnknownEnv(os.Environ()) {
		p.Errorf("warning: %s is no siftload setting and is ignored (settings: SIFTLOAD_ and a profile key in upper case)", name)
	}
	files := []config.Layer{{}}
	if prof.Config != "" {
		profile, err := config.Load(prof.Config)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		files = profile.Sites
		if len(args) > 0 && len(files) > 1 {
			return nil, usagef("INPUT arguments with a profile of %d sites: name each site's inputs in the profile", len(files))
		}
	}
	var sites []*siteRun
	for _, f := range files {
		eff := config.Merge(defaults, f, env, flags)
		if kind == runCommand && prof.Config != "" {
			defaultCache(&eff) // issue 17: run --config sites keep a cache
		}
		s := &siteRun{name: eff.Name, eff: eff, inputs: eff.Inputs}
		if err := eff.Validate(); err != nil {
			return nil, s.wrap(fmt.Errorf("%w: %w", ErrUsage, err))
		}
		if kind != importCommand {
			if s.analyze, err = newAnalyzeJob(eff.Settings, s.where, s.setting, kind == analyzeCommand); err != nil {
				return nil, s.wrap(err)
			}
			if kind == runCommand && eff.Shard != "" {
				p.Errorf("warning: %s is ignored: run analyzes every input (shards are analyze's; run takes --queue)", s.where("shard"))
			}
		}
		if kind != analyzeCommand {
			s.imp = ImportOptions{Settings: eff.Settings, DryRun: b.dryRun, setting: s.setting}
			if s.imp.parsed, err = s.imp.parse(s.where); err != nil {
				return nil, s.wrap(err)
			}
			if _, err := all.Registry().Lookup(s.imp.DB); err != nil {
				return nil, s.wrap(usagef("%s: %v", s.where("db"), err))
			}
		}
		sites = append(sites, s)
	}
	return sites, nil
}

// checkCollisions refuses sites that would write the same file, or load
// into the same database: the ledger knows a file by its key alone, so one
// site's data/LINE01.csv would replace another's.
func checkCollisions(kind commandKind, sites []*siteRun) error {
	if len(sites) < 2 {
		return nil
	}
	type claim struct{ site, what string }
	files := map[string]claim{}
	take := func(s *siteRun, what, path string) error {
		if path == "" {
			return nil
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = filepath.Clean(path)
		}
		if c, ok := files[abs]; ok {
			return usagef("sites %s and %s both write %s (as %s and %s): give each site its own (a named site's default is NAME.plan.csv and files named after it)", c.site, s.name, path, c.what, what)
		}
		files[abs] = claim{s.name, what}
		return nil
	}
	dbs := map[string]string{}
	for _, s := range sites {
		if kind != importCommand {
			a := s.eff.Settings
			if err := errors.Join(take(s, "out", a.Out), take(s, "problems", problemsPath(a)), take(s, "candidates", a.Candidates), take(s, "cache", a.Cache),
				take(s, "report", a.Report)); err != nil { // report: review (issue 14)
				return err
			}
		}
		if kind == analyzeCommand {
			continue
		}
		if err := take(s, "rejects", s.imp.rejectsPath()); err != nil {
			return err
		}
		id := dbIdentity(s.imp.DB)
		if other, ok := dbs[id]; ok {
			return usagef("sites %s and %s both load into %s: the ledger (%s) knows files by key alone, so one site's keys would replace the other's; give each site its own database, or on PostgreSQL its own schema (add ?options=-csearch_path%%3D%s to the URL)",
				other, s.name, all.Registry().Redact(s.imp.DB), "siftload_ledger", s.name)
		}
		dbs[id] = s.name
	}
	return nil
}

// dbIdentity returns a name that two URLs of one database share (see
// sink.Factory.Identity), or dsn itself for an unknown database.
func dbIdentity(dsn string) string {
	f, err := all.Registry().Lookup(dsn)
	if err != nil {
		return dsn
	}
	return f.Identity(dsn)
}

// runSites runs fn for every site: one after another, or up to parallel at
// once. With several sites every line is prefixed with the site's name, a
// site that fails does not stop the others, and the error says how many
// had problems (each was reported as it happened).
func runSites(ctx context.Context, p *ui.Printer, sites []*siteRun, parallel int, fn func(context.Context, *ui.Printer, *siteRun) error) error {
	if len(sites) == 1 {
		return fn(ctx, p, sites[0])
	}
	errs := make([]error, len(sites))
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, s := range sites {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return nil
			}
			sp := p.Prefixed("[" + s.name + "] ")
			sp.Printf("site %s", s.name)
			errs[i] = fn(ctx, sp, s)
			if err := errs[i]; err != nil && !errors.Is(err, ErrProblems) && ctx.Err() == nil {
				sp.Errorf("site %s failed: %v", s.name, err)
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines keep their errors in errs
	if err := ctx.Err(); err != nil {
		return err
	}
	var problems, failed []string
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, ErrProblems):
			problems = append(problems, sites[i].name)
		default:
			failed = append(failed, sites[i].name)
		}
	}
	p.Printf("sites: %d done, %d with problems (%s), %d failed (%s)",
		len(sites)-len(problems)-len(failed), len(problems), strings.Join(problems, ", "), len(failed), strings.Join(failed, ", "))
	if len(problems)+len(failed) > 0 {
		return fmt.Errorf("%d of %d sites had problems or failed: %w", len(problems)+len(failed), len(sites), ErrProblems)
	}
	return nil
}
