package cli

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/load"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/ui"
)

func newVerifyCommand(p *ui.Printer, d deps) *cobra.Command {
	var (
		b       *boundSettings
		prof    profileOptions
		jsonOut bool
		sources bool
	)
	cmd := &cobra.Command{
		Use:   "verify [flags]",
		Short: "Prove that the database holds what was loaded",
		Long: `Verify checks every key of the ledger siftload_ledger against its table: it
counts the key's rows (per key in one-table mode) and digests them again,
and compares both with what the load recorded. The digest is an
order-independent hash of every row's values in a canonical form, the same
on every database, computed from the converted values at load time.

A row updated, deleted or added by hand, or a table dropped, is a
difference: verify names the key and what differs, and exits 1. A key
loaded before siftload recorded digests has only its rows counted.

With --plan, the keys are the plan's: a key not loaded, or loaded from
another version than the plan's, is a difference too.

With --sources, verify also reads each key's source again (relative to
--base) and checks its sha256 against the ledger and the digest of its
records, converted to the table's types, against the ledger's.

With --json the keys and a summary are JSON Lines on standard output (see
the README); messages stay on standard error.
` + exitStatus + `

EXAMPLES
  siftload verify --db sqlite:site.db
  siftload verify --db postgres://loader@db.example:5432/site --plan plan.csv --sources
  siftload verify --db sqlite:site.db --json | jq 'select(.ok == false)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			withPlan := cmd.Flags().Changed("plan") || prof.Config != ""
			sites, err := resolveSites(importCommand, b, prof, nil, p, d.prompt)
			if err != nil {
				return err
			}
			out := newJSONLines(d.out(), jsonOut)
			return runSites(cmd.Context(), p, sites, 1, func(ctx context.Context, p *ui.Printer, s *siteRun) error {
				var entries []plan.Entry
				if withPlan {
					if entries, err = readPlanContext(ctx, s.imp.Out); err != nil {
						return err
					}
				}
				return runVerify(ctx, p, out, s.imp, verifyScope{plan: entries, hasPlan: withPlan, sources: sources})
			})
		},
	}
	b = newBoundSettings(cmd.Flags())
	b.verifyFlags()
	cmd.Flags().BoolVar(&sources, "sources", false, "also read every source again and check its sha256 and digest")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "write the keys and the summary as JSON Lines to standard output")
	prof.AddFlags(cmd.Flags())
	return cmd
}

// verifyFlags bind verify's settings: status's, and how sources are read
// again for --sources, as import reads them.
func (b *boundSettings) verifyFlags() {
	b.auditFlags()
	b.bind("one_table", "", "", "keys were appended into table `NAME` (also found from the ledger: a table of several keys)")
	b.bind("base", "", "", "with --sources: resolve relative sources against `DIR`")
	b.bind("no_header", "", false, "with --sources: files have no header record")
	b.bind("encoding", "", "auto", "with --sources: text encoding of the files")
	b.archiveFlags()
	b.dialectFlags()
}

// verifyScope is what verify checks.
type verifyScope struct {
	plan    []plan.Entry
	hasPlan bool
	sources bool
}

// verifyJSON is a key's --json object of verify.
type verifyJSON struct {
	Type        string   `json:"type"` // "key"
	Key         string   `json:"key"`
	Table       string   `json:"table,omitempty"`
	OK          bool     `json:"ok"`
	Rows        int64    `json:"rows"`                   // the ledger's
	TableRows   *int64   `json:"table_rows,omitempty"`   // counted
	Digest      string   `json:"digest,omitempty"`       // the ledger's
	TableDigest string   `json:"table_digest,omitempty"` // recomputed
	Differences []string `json:"differences,omitempty"`
}

// verifySummaryJSON is verify's --json summary object.
type verifySummaryJSON struct {
	Type     string `json:"type"`    // "summary"
	Command  string `json:"command"` // "verify"
	Keys     int    `json:"keys"`
	OK       int    `json:"ok"`
	Differ   int    `json:"differ"`
	NoDigest int    `json:"no_digest"` // keys whose rows were only counted
}

// runVerify checks the ledger of opts.DB against the tables (and the
// plan, the sources). It returns ErrProblems when a key differs.
func runVerify(ctx context.Context, p *ui.Printer, out *jsonLines, opts ImportOptions, scope verifyScope) error {
	pr, err := opts.parsedOrFlags()
	if err != nil {
		return err
	}
	var stat func(base, source string) error
	if scope.sources {
		// As import: no source outside --base, no device or pseudo file.
		if stat, err = confinedStat([]string{cmp.Or(opts.Base, ".")}); err != nil {
			return err
		}
	}
	s, shown, err := openSink(ctx, &opts)
	if err != nil {
		return err
	}
	defer s.Close()
	l, okL := s.(sink.Lister)
	dg, okD := s.(sink.Digester)
	if !okL || !okD {
		return fmt.Errorf("verify %s: the sink cannot read its ledger and tables back", shown)
	}
	ledger, err := l.LedgerEntries(ctx)
	if err != nil {
		return fmt.Errorf("verify %s: %w", shown, opts.Password.scrub(err))
	}
	keysOf := map[string]int{} // table → keys in the ledger
	for _, e := range ledger {
		keysOf[e.Table]++
	}
	rows := statusOf(scope.plan, ledger, scope.hasPlan)
	p.Printf("verify %s: %d keys", shown, len(rows))
	sum := verifySummaryJSON{Type: "summary", Command: "verify"}
	for _, r := range rows {
		if r.State == sink.StateExtra {
			continue // not the plan's
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		sum.Keys++
		j := verifyJSON{Type: "key", Key: r.Key}
		var diffs []string
		switch {
		case r.Ledger == nil && r.State == sink.StateLoaded:
			// An empty file, which an import skips.
		case r.Ledger == nil:
			diffs = append(diffs, "not loaded (not in the ledger)")
		case r.State == sink.StateOutdated || r.State == sink.StateDowngrade:
			diffs = append(diffs, fmt.Sprintf("the ledger holds another version than the plan's (sha256 %s from %s, the plan %s from %s)", r.Ledger.SHA256, r.Ledger.Source, r.Plan.SHA256, r.Plan.Source))
		}
		if e := r.Ledger; e != nil {
			j.Table, j.Rows, j.Digest = e.Table, e.Rows, e.Digest
			oneTable := keysOf[e.Table] > 1 || (opts.OneTable != "" && e.Table == opts.OneTable)
			n, d, exists, err := dg.DigestRows(ctx, e.Table, e.Key, oneTable)
			switch {
			case err != nil:
				diffs = append(diffs, "cannot read the table: "+opts.Password.scrub(err).Error())
			case !exists:
				diffs = append(diffs, fmt.Sprintf("table %s does not exist", e.Table))
			default:
				j.TableRows, j.TableDigest = &n, d
				if n != e.Rows {
					diffs = append(diffs, fmt.Sprintf("rows: the ledger has %d, table %s %d", e.Rows, e.Table, n))
				}
				if e.Digest == "" {
					sum.NoDigest++
				} else if d != e.Digest {
					diffs = append(diffs, fmt.Sprintf("content: the rows of table %s differ from those loaded (digest %s, the ledger %s)", e.Table, short(d), short(e.Digest)))
				}
			}
			if scope.sources {
				diffs = append(diffs, verifySource(ctx, s, pr, opts, stat, *e)...)
			}
		}
		j.OK, j.Differences = len(diffs) == 0, diffs
		if j.OK {
			sum.OK++
			p.Printf("ok       %s -> %s: %d rows", r.Key, j.Table, j.Rows)
		} else {
			sum.Differ++
			p.Errorf("DIFFERS  %s -> %s: %s", r.Key, cmp.Or(j.Table, "(no table)"), strings.Join(diffs, "; "))
		}
		out.write(j)
	}
	p.Printf("verify: %d keys: %d ok, %d differ", sum.Keys, sum.OK, sum.Differ)
	if sum.NoDigest > 0 {
		p.Printf("verify: %d keys were loaded before siftload recorded digests: only their rows were counted", sum.NoDigest)
	}
	out.write(sum)
	if err := out.Err(); err != nil {
		return err
	}
	if sum.Differ > 0 {
		return fmt.Errorf("verify: %d of %d keys differ: %w", sum.Differ, sum.Keys, ErrProblems)
	}
	return nil
}

// verifySource reads e's source again, when stat lets it (see
// confinedStat), and returns how it differs from the ledger.
func verifySource(ctx context.Context, s sink.Sink, pr *importParsed, opts ImportOptions, stat func(base, source string) error, e sink.LedgerEntry) []string {
	if err := stat(opts.Base, e.Source); err != nil {
		return []string{err.Error()} // "source X: why"
	}
	cols, ok, err := s.Columns(ctx, e.Table)
	if err != nil || !ok {
		return nil // the table's own difference says it
	}
	sc, err := load.CheckSource(ctx, pr.walker.Open, opts.Base, e.Source, cols, pr.record, sink.LimitsOf(s))
	if err != nil {
		return []string{"source: " + err.Error()}
	}
	var diffs []string
	if sc.SHA256 != e.SHA256 {
		diffs = append(diffs, fmt.Sprintf("source: sha256 %s, the ledger %s (the file changed since its load)", short(sc.SHA256), short(e.SHA256)))
	} else if e.Digest != "" && sc.Digest != e.Digest {
		diffs = append(diffs, fmt.Sprintf("source: its records digest to %s, the ledger %s", short(sc.Digest), short(e.Digest)))
	}
	return diffs
}

// short abbreviates a hex digest for messages.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
