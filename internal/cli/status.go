package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/ui"
)

func newStatusCommand(p *ui.Printer, d deps) *cobra.Command {
	var (
		b        *boundSettings
		prof     profileOptions
		jsonOut  bool
		withPlan bool
	)
	cmd := &cobra.Command{
		Use:   "status [flags]",
		Short: "List what the database's ledger holds, and with a plan where each key stands",
		Long: `Status lists the ledger table siftload_ledger of a database: every key loaded,
its table, rows, source and load time. It reads the ledger only.

With --plan, every key gets a state, decided as import decides (so that
"import --dry-run" agrees with it key by key):

  loaded     the ledger holds the plan's version (its sha256)
  outdated   the ledger holds another version, which an import would replace
  downgrade  the ledger holds a version with more rows than the plan's,
             which an import refuses to replace without --allow-downgrade
  pending    the key is not in the ledger
  extra      the key is in the ledger but not in the plan

A summary line counts the keys of each state. With --json the keys and the
summary are JSON Lines on standard output (see the README); messages stay
on standard error.
` + exitStatus + `

EXAMPLES
  siftload status --db sqlite:site.db
  siftload status --db postgres://loader@db.example:5432/site --plan plan.csv
  siftload status --db sqlite:site.db --plan plan.csv --json | jq 'select(.state == "pending")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			withPlan = cmd.Flags().Changed("plan")
			sites, err := resolveSites(importCommand, b, prof, nil, p, d.prompt)
			if err != nil {
				return err
			}
			out := newJSONLines(d.out(), jsonOut)
			return runSites(cmd.Context(), p, sites, 1, func(ctx context.Context, p *ui.Printer, s *siteRun) error {
				var entries []plan.Entry
				if withPlan || prof.Config != "" {
					if entries, err = readPlanContext(ctx, s.imp.Out); err != nil {
						return err
					}
				}
				return runStatus(ctx, p, out, s.imp, entries, withPlan || prof.Config != "")
			})
		},
	}
	b = newBoundSettings(cmd.Flags())
	b.auditFlags()
	cmd.Flags().BoolVar(&jsonOut, "json", false, "write the keys and the summary as JSON Lines to standard output")
	prof.AddFlags(cmd.Flags())
	return cmd
}

// auditFlags bind the settings of status and verify: the database, its
// connection and the plan.
func (b *boundSettings) auditFlags() {
	b.bindAs("out", "plan", "", "plan.csv", "compare with the plan in `FILE` (- for standard input)")
	b.bind("db", "", DefaultDB, "the database at `URL`")
	b.connectionFlags()
}

// keyStatus is one line of status.
type keyStatus struct {
	Key    string
	State  sink.State // "" without a plan
	Ledger *sink.LedgerEntry
	Plan   *plan.Entry
}

// statusOf returns the status of every key of entries and ledger, sorted
// by key. Without a plan (hasPlan false) every ledger key is listed with
// no state.
func statusOf(entries []plan.Entry, ledger []sink.LedgerEntry, hasPlan bool) []keyStatus {
	byKey := make(map[string]*sink.LedgerEntry, len(ledger))
	for i := range ledger {
		byKey[ledger[i].Key] = &ledger[i]
	}
	var out []keyStatus
	inPlan := make(map[string]bool, len(entries))
	for i := range entries {
		e := &entries[i]
		inPlan[e.Key] = true
		le := byKey[e.Key]
		var prev sink.LedgerEntry
		if le != nil {
			prev = *le
		}
		job := sink.LoadJob{Key: e.Key, SHA256: e.SHA256, Rows: e.Rows}
		st := sink.KeyState(job, prev, le != nil)
		if st == sink.StatePending && e.Bytes == 0 && e.Rows == 0 {
			// An empty file: an import skips it and writes no
			// ledger row, so it has nothing pending.
			st = sink.StateLoaded
		}
		out = append(out, keyStatus{Key: e.Key, State: st, Ledger: le, Plan: e})
	}
	for i := range ledger {
		if !inPlan[ledger[i].Key] {
			ks := keyStatus{Key: ledger[i].Key, Ledger: &ledger[i]}
			if hasPlan {
				ks.State = sink.StateExtra
			}
			out = append(out, ks)
		}
	}
	slices.SortFunc(out, func(a, b keyStatus) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// statusJSON is a key's --json object of status.
type statusJSON struct {
	Type       string     `json:"type"` // "key"
	Key        string     `json:"key"`
	State      string     `json:"state,omitempty"`
	Table      string     `json:"table,omitempty"`
	Rows       *int64     `json:"rows,omitempty"`
	Rejected   *int64     `json:"rejected,omitempty"`
	Source     string     `json:"source,omitempty"`
	SHA256     string     `json:"sha256,omitempty"`
	LoadedAt   *time.Time `json:"loaded_at,omitempty"`
	PlanSource string     `json:"plan_source,omitempty"`
	PlanSHA256 string     `json:"plan_sha256,omitempty"`
	PlanRows   *int64     `json:"plan_rows,omitempty"`
}

// statusSummaryJSON is status's --json summary object.
type statusSummaryJSON struct {
	Type      string `json:"type"`    // "summary"
	Command   string `json:"command"` // "status"
	Keys      int    `json:"keys"`
	Loaded    int    `json:"loaded"`
	Outdated  int    `json:"outdated"`
	Downgrade int    `json:"downgrade"`
	Pending   int    `json:"pending"`
	Extra     int    `json:"extra"`
}

// runStatus lists the ledger of opts.DB, compared with entries when
// hasPlan.
func runStatus(ctx context.Context, p *ui.Printer, out *jsonLines, opts ImportOptions, entries []plan.Entry, hasPlan bool) error {
	s, shown, err := openSink(ctx, &opts)
	if err != nil {
		return err
	}
	defer s.Close()
	l, ok := s.(sink.Lister)
	if !ok {
		return fmt.Errorf("status of %s: the sink cannot list its ledger", shown)
	}
	ledger, err := l.LedgerEntries(ctx)
	if err != nil {
		return fmt.Errorf("status of %s: %w", shown, opts.Password.scrub(err))
	}
	rows := statusOf(entries, ledger, hasPlan)
	count := map[sink.State]int{}
	p.Printf("status of %s: %d keys in the ledger", shown, len(ledger))
	for _, r := range rows {
		count[r.State]++
		j := statusJSON{Type: "key", Key: r.Key, State: string(r.State)}
		line := fmt.Sprintf("%-9s %s", r.State, r.Key)
		if !hasPlan {
			line = r.Key
		}
		if e := r.Ledger; e != nil {
			j.Table, j.Rows, j.Rejected, j.Source, j.SHA256 = e.Table, &e.Rows, &e.Rejected, e.Source, e.SHA256
			at := e.LoadedAt
			j.LoadedAt = &at
			line += fmt.Sprintf(" -> %s: %d rows from %s, loaded %s", e.Table, e.Rows, e.Source, e.LoadedAt.Format(time.RFC3339))
		}
		if e := r.Plan; e != nil {
			j.PlanSource, j.PlanSHA256, j.PlanRows = e.Source, e.SHA256, &e.Rows
			if r.State != sink.StateLoaded {
				line += fmt.Sprintf("; plan: %d rows from %s", e.Rows, e.Source)
			}
		}
		p.Printf("%s", line)
		out.write(j)
	}
	sum := statusSummaryJSON{Type: "summary", Command: "status", Keys: len(rows),
		Loaded: count[sink.StateLoaded], Outdated: count[sink.StateOutdated], Downgrade: count[sink.StateDowngrade],
		Pending: count[sink.StatePending], Extra: count[sink.StateExtra]}
	if hasPlan {
		p.Printf("status: %d keys: %d loaded, %d outdated, %d downgrade, %d pending, %d extra",
			sum.Keys, sum.Loaded, sum.Outdated, sum.Downgrade, sum.Pending, sum.Extra)
	} else {
		p.Printf("status: %d keys loaded", sum.Keys)
	}
	out.write(sum)
	return out.Err()
}
