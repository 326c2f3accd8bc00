package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/report"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/ui"
)

// reportOptions are the files of siftload report.
type reportOptions struct {
	Plan, Candidates, Problems, Out string
	// db reads the load state of every key from a database's ledger;
	// nil for none.
	db func(ctx context.Context, entries []plan.Entry) (map[string]string, error)
}

func newReportCommand(p *ui.Printer, d deps) *cobra.Command {
	var (
		o reportOptions
		b *boundSettings
	)
	cmd := &cobra.Command{
		Use:   "report --plan PLAN [--candidates FILE] --out report.html",
		Short: "Write a plan's review report as one self-contained HTML file",
		Long: `Report writes one HTML file that shows a plan for review: a summary (inputs,
keys, versions measured, problems, warnings, bytes and time), a table of every
key that sorts by any column and filters by text and by kind (warnings, ties,
newest source not chosen, problems), per key a chart of the rows of every
version over the snapshots, and the problems with their locators.

The file holds its styles, script, data and charts inline and makes no
network request: it opens from a file share on a machine without a network.

The charts need every version measured: the candidates file, which analyze
and run write beside the plan (PLAN.candidates.csv) when given --report, or
any --candidates file. The problems come from PLAN.problems.csv and the
summary's times, inputs and settings from PLAN.meta.json when they are there.

With --db the table shows each key's load state in that database's ledger:
loaded (the ledger holds the plan's version), outdated (another version is
loaded, which the plan's would replace), downgrade (the loaded version has
more rows than the plan's) or pending (not loaded). The password comes as
for import (SIFTLOAD_DB_PASSWORD, --password-file or a prompt).
` + exitStatus + `

EXAMPLES
  siftload analyze site-rgb/ --out plan.csv --report report.html
  siftload report --plan plan.csv --candidates plan.candidates.csv --out report.html
  siftload report --plan plan.csv --db sqlite:site.db --out report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := b.withEnvironment()
			if err != nil {
				return err
			}
			if s.DB != "" {
				o.db = func(ctx context.Context, entries []plan.Entry) (map[string]string, error) {
					return reportLedgerStates(ctx, p, d, s, entries)
				}
			}
			return runReport(cmd.Context(), p, o)
		},
	}
	f := cmd.Flags()
	b = newBoundSettings(f)
	b.bind("db", "", "", "show the load state of every key in the database at `URL` (its ledger)")
	b.connectionFlags()
	f.StringVar(&o.Plan, "plan", "plan.csv", "the plan `FILE`")
	f.StringVar(&o.Candidates, "candidates", "", "every version measured, for the charts (default: PLAN.candidates.csv when it exists)")
	f.StringVar(&o.Problems, "problems", "", "the problems `FILE` (default: PLAN.problems.csv when it exists)")
	f.StringVarP(&o.Out, "out", "o", "report.html", "write the report to `FILE`")
	return cmd
}

// besidePlan returns the plan's name without its extension, then suffix.
func besidePlan(planPath, suffix string) string {
	return strings.TrimSuffix(planPath, filepath.Ext(planPath)) + suffix
}

// runReport reads the plan and the files beside it and writes the report.
// A file named explicitly must exist; one found by default may be absent.
func runReport(ctx context.Context, p *ui.Printer, o reportOptions) error {
	entries, err := readPlanContext(ctx, o.Plan)
	if err != nil {
		return err
	}
	in := report.Input{Title: "siftload report: " + filepath.Base(o.Plan), Entries: entries, Generated: time.Now()}
	in.Metric = planMetric(o.Plan)
	candPath, explicit := o.Candidates, o.Candidates != ""
	if !explicit {
		candPath = besidePlan(o.Plan, ".candidates.csv")
	}
	if f, err := os.Open(candPath); err == nil {
		cands, m, err := plan.ReadCandidates(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("read candidates %s: %w", candPath, err)
		}
		in.Candidates = cands
		if in.Metric == "" {
			in.Metric = m
		}
	} else if explicit || !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read candidates: %w", err)
	} else {
		p.Printf("no candidates file (%s): the report has no charts; analyze --report, or --candidates FILE, writes one", candPath)
	}
	probPath, explicit := o.Problems, o.Problems != ""
	if !explicit {
		probPath = besidePlan(o.Plan, ".problems.csv")
	}
	if f, err := os.Open(probPath); err == nil {
		in.Problems, err = plan.ReadProblems(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("read problems %s: %w", probPath, err)
		}
	} else if explicit || !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read problems: %w", err)
	}
	m, why, err := readMetaFor(o.Plan)
	if err != nil {
		return err
	}
	if why != "" {
		p.Printf("%s", why)
	}
	in.Meta = m
	if o.db != nil {
		if in.States, err = o.db(ctx, entries); err != nil {
			return err
		}
	}
	return writeReport(p, o.Out, in)
}

// planMetric returns the metric column of the plan's first row, or "".
func planMetric(path string) string {
	f, err := openRegular(path, MaxPlanBytes)
	if err != nil {
		return ""
	}
	defer f.Close()
	cr := csv.NewReader(io.LimitReader(f, plan.MaxPlanRecord*2))
	head, err := cr.Read()
	if err != nil {
		return ""
	}
	row, err := cr.Read()
	if err != nil {
		return ""
	}
	if i := slices.Index(head, "metric"); i >= 0 {
		return row[i]
	}
	return ""
}

// writeReport writes the report of in to path, atomically.
func writeReport(p *ui.Printer, path string, in report.Input) error {
	if err := writeFileAtomic(path, func(f *os.File) error {
		return report.Write(f, in)
	}); err != nil {
		return err
	}
	p.Printf("report of %d keys written to %s", len(in.Entries), path)
	return nil
}

// analysisReport writes the report of an analysis that wrote its plan
// and its candidates file (analyze and run --report): the versions are
// read back from that file, which holds every one of them however the
// analysis kept them.
func analysisReport(p *ui.Printer, path, planPath, candPath, metric string, entries []plan.Entry, probs []*problem.Error, meta *plan.Meta) error {
	f, err := os.Open(candPath)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	cands, _, err := plan.ReadCandidates(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("report: read candidates %s: %w", candPath, err)
	}
	if cands == nil {
		cands = []plan.Candidate{}
	}
	return writeReport(p, path, report.Input{Title: "siftload report: " + filepath.Base(planPath), Metric: metric, Entries: entries,
		Candidates: cands, Problems: probs, Meta: meta, Generated: time.Now()})
}

// reportLedgerStates opens the database of s, with its password resolved
// as import does, and returns the load state of every key of entries.
func reportLedgerStates(ctx context.Context, p *ui.Printer, d deps, s config.Settings, entries []plan.Entry) (map[string]string, error) {
	site := &siteRun{imp: ImportOptions{Settings: s}}
	if err := resolveConnections(p, []*siteRun{site}, d.prompt); err != nil {
		return nil, err
	}
	db, shown, err := openSink(ctx, &site.imp)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	states, err := ledgerStates(ctx, db, entries)
	if err != nil {
		return nil, fmt.Errorf("read the ledger of %s: %w", shown, site.imp.Password.scrub(err))
	}
	return states, nil
}

// ledgerStates returns the load state of every key of entries in the
// ledger of db, by status's rule (statusOf, sink.KeyState): loaded,
// outdated, downgrade or pending.
func ledgerStates(ctx context.Context, db sink.Sink, entries []plan.Entry) (map[string]string, error) {
	var ledger []sink.LedgerEntry
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		le, ok, err := db.Ledger(ctx, e.Key)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", e.Key, err)
		}
		if ok {
			le.Key = e.Key
			ledger = append(ledger, le)
		}
	}
	states := make(map[string]string, len(entries))
	for _, ks := range statusOf(entries, ledger, true) {
		if ks.Plan != nil {
			states[ks.Key] = string(ks.State)
		}
	}
	return states, nil
}
