package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/queue"
	"github.com/siftload/siftload/internal/ui"
)

func newWorkerCommand(p *ui.Printer) *cobra.Command {
	var b *boundSettings
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
--exclude, --key, --no-header, --max-depth, --delimiter, --max-record-bytes,
--max-ratio, --max-member-size, --name-encoding, --max-entries) from each
task, so they need none of those flags.

Every flag is also an environment variable: SIFTLOAD_ and the flag in
upper case with underscores (SIFTLOAD_QUEUE, SIFTLOAD_QUEUE_NAME,
SIFTLOAD_PATH_MAP; lists are comma-separated). Flags override it.

` + queueHelp + `
` + exitStatus + `

EXAMPLES
  siftload worker --queue nats://nats.example:4222 --nats-creds /run/secrets/siftload.creds
  siftload worker --queue nats://127.0.0.1:4222 --path-map /mnt/site=S:/site --workers 4
  siftload analyze /mnt/site --queue nats://127.0.0.1:4222 --out plan.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := b.withEnvironment()
			if err != nil {
				return err
			}
			return runWorker(cmd.Context(), p, s)
		},
	}
	b = newBoundSettings(cmd.Flags())
	b.workerFlags()
	return cmd
}

// runWorker serves tasks until ctx is done or the worker has been idle
// for s.IdleExit.
func runWorker(ctx context.Context, p *ui.Printer, s config.Settings) error {
	if s.Queue == "" {
		return usagef("worker needs --queue URL")
	}
	idle, err := parseDuration(s.IdleExit, 0)
	if err != nil || idle < 0 {
		return usagef("--idle-exit %q: want a duration such as 10m", s.IdleExit)
	}
	var maps []queue.PathMap
	for _, pm := range s.PathMap {
		m, err := queue.ParsePathMap(pm)
		if err != nil {
			return usagef("--path-map: %v", err)
		}
		maps = append(maps, m)
	}
	host, _ := os.Hostname()
	id := fmt.Sprintf("%s-%d", host, os.Getpid())
	nc, names, err := connectQueue(s, "siftload worker "+id)
	if err != nil {
		return err
	}
	defer nc.Close()
	p.Printf("worker %s: %d slots on queue %s at %s", id, max(s.Workers, 1), names.Queue, s.Queue)
	w := &queue.Worker{
		Conn:     nc,
		Names:    names,
		Slots:    s.Workers,
		PathMap:  maps,
		Roots:    s.Root,
		TempDir:  s.TempDir,
		ID:       id,
		IdleExit: idle,
		Logf:     p.Printf,
	}
	if err := w.Serve(ctx); err != nil {
		return err
	}
	return ctx.Err()
}
