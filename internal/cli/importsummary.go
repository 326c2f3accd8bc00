package cli

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/siftload/siftload/internal/load"
	"github.com/siftload/siftload/internal/ui"
)

// outcomes collects an import's outcomes for its summary table.
type outcomes struct {
	mu   sync.Mutex
	list []load.Outcome
}

func (oc *outcomes) add(o load.Outcome) {
	oc.mu.Lock()
	oc.list = append(oc.list, o)
	oc.mu.Unlock()
}

// summaryTable returns the table printed at the end of an import, in
// pgloader's manner: a row per key that was loaded, replaced or failed
// (rows, rejected, time, status), sorted by key; the skipped keys
// collapsed into one row; and a total. The failures are repeated after
// it by printSummary, so that they never scroll away.
func summaryTable(list []load.Outcome, elapsed time.Duration) string {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b load.Outcome) int { return strings.Compare(a.Key, b.Key) })
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "key\ttable\trows\trejected\ttime\tstatus")
	var (
		skipped, skippedRows int64
		rows, rejected       int64
	)
	for _, o := range list {
		if o.Action == load.Skipped {
			skipped++
			skippedRows += o.Rows
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", o.Key, o.Table, o.Rows, o.Rejected, o.Elapsed.Round(time.Millisecond), o.Action)
		if o.Action != load.Failed {
			rows += o.Rows
			rejected += o.Rejected
		}
	}
	if skipped > 0 {
		fmt.Fprintf(tw, "(%d keys skipped: already loaded)\t\t%d\t\t\tskipped\n", skipped, skippedRows)
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%s\n", rows, rejected, elapsed.Round(time.Millisecond))
	tw.Flush()
	return b.String()
}

// printSummary prints the summary table, then every failure again.
func printSummary(p *ui.Printer, list []load.Outcome, elapsed time.Duration) {
	if len(list) == 0 {
		return
	}
	for _, line := range strings.Split(strings.TrimRight(summaryTable(list, elapsed), "\n"), "\n") {
		p.Printf("%s", line)
	}
}

// printFailures repeats the failed keys, the last lines of an import.
func printFailures(p *ui.Printer, list []load.Outcome) {
	var failed []load.Outcome
	for _, o := range list {
		if o.Action == load.Failed {
			failed = append(failed, o)
		}
	}
	slices.SortFunc(failed, func(a, b load.Outcome) int { return strings.Compare(a.Key, b.Key) })
	for i, o := range failed {
		p.Errorf("FAILED %d/%d: %s -> %s: %v", i+1, len(failed), o.Key, o.Table, o.Err)
	}
}
