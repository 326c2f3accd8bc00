package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/queue"
	"github.com/siftload/siftload/internal/ui"
)

// WorkerOptions are the settings of worker.
type WorkerOptions struct {
	Queue    QueueOptions
	PathMap  []string
	Roots    []string
	Workers  int
	TempDir  string
	IdleExit time.Duration
}

// AddFlags binds the options to fs.
func (o *WorkerOptions) AddFlags(fs *pflag.FlagSet) {
	o.Queue.AddFlags(fs, false)
	fs.StringArrayVar(&o.PathMap, "path-map", nil, "read the analyzing machine's paths under `FROM=TO` from TO here (repeatable; the longest FROM wins), e.g. /mnt/site=S:/site")
	fs.StringArrayVar(&o.Roots, "root", nil, "read only archives under `DIR` (repeatable; after --path-map; default: wherever the tasks say)")
	fs.IntVarP(&o.Workers, "workers", "w", runtime.NumCPU(), "tasks (outermost archives) analyzed at once")
	fs.StringVar(&o.TempDir, "temp-dir", "", "spool nested zip/7z archives in `DIR` (default: the system's)")
	fs.DurationVar(&o.IdleExit, "idle-exit", 0, "stop after `DURATION` without a task (default: run until interrupted)")
}

func newWorkerCommand(p *ui.Printer) *cobra.Command {
	var opts WorkerOptions
	cmd := &cobra.Command{
		Use:   "worker --queue URL [flags]",
		Short: "Analyze archives for siftload analyze --queue, from a NATS JetStream work queue",
		Long: `Worker takes analysis tasks, one outermost archive each, from a NATS
JetStream work queue, analyzes them and publishes the candidates and
problems back; "siftload analyze --queue URL INPUT..." publishes the tasks
(largest first), collects the results and writes the same plan as an
analysis on one machine. Start any number of workers, on any machines that
see the inputs; they may start before or after the analyze, and serve one
analyze after another until interrupted (or --idle-exit).

Workers need the inputs at the paths the analyzing machine has, or a
--path-map: with the site at /mnt/site there and at S:\site here,
--path-map /mnt/site=S:/site. A worker checks each file's size against the
task's before it reads it. Whoever may publish to the queue can have a
worker read any file the worker may read: give the worker --root (the
site's directory) and publish rights only to the analyzing side.

A worker killed mid-task never acknowledges it, so the server gives it to
another worker after analyze's --ack-wait; a working worker tells the
server every third of that time that it is still at it, so the ack wait
does not bound how long an archive may take. Results are keyed by archive,
so a task done twice counts once. A task that fails on three deliveries
(the file is missing or has another size here, say) becomes a problem of
that archive in the plan's problems file instead of coming back for ever.

Workers take the settings that change candidates (--metric, --include,
--exclude, --key, --no-header, --max-depth, --delimiter, --max-record-bytes)
from each task, so they need
none of those flags.

` + queueHelp + `
` + exitStatus + `

EXAMPLES
  siftload worker --queue nats://nats.example:4222 --nats-creds /run/secrets/siftload.creds
  siftload worker --queue nats://127.0.0.1:4222 --path-map /mnt/site=S:/site --workers 4
  siftload analyze /mnt/site --queue nats://127.0.0.1:4222 --out plan.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWorker(cmd.Context(), p, opts)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// runWorker serves tasks until ctx is done or the worker has been idle
// for opts.IdleExit.
func runWorker(ctx context.Context, p *ui.Printer, opts WorkerOptions) error {
	if opts.Queue.URL == "" {
		return usagef("worker needs --queue URL")
	}
	var maps []queue.PathMap
	for _, s := range opts.PathMap {
		m, err := queue.ParsePathMap(s)
		if err != nil {
			return usagef("--path-map: %v", err)
		}
		maps = append(maps, m)
	}
	host, _ := os.Hostname()
	id := fmt.Sprintf("%s-%d", host, os.Getpid())
	nc, names, err := opts.Queue.connect("siftload worker " + id)
	if err != nil {
		return err
	}
	defer nc.Close()
	p.Printf("worker %s: %d slots on queue %s at %s", id, max(opts.Workers, 1), names.Queue, opts.Queue.URL)
	w := &queue.Worker{
		Conn:      nc,
		Names:     names,
		Slots:     opts.Workers,
		PathMap:   maps,
		Roots:     opts.Roots,
		Configure: workerSettings(opts.TempDir),
		ID:        id,
		IdleExit:  opts.IdleExit,
		Logf:      p.Printf,
	}
	if err := w.Serve(ctx); err != nil {
		return err
	}
	return ctx.Err()
}
