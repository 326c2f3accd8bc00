package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/queue"
	"github.com/siftload/siftload/internal/ui"
)

// Environment variables that hold NATS secrets; a flag never does.
const (
	envNATSToken    = "SIFTLOAD_NATS_TOKEN"
	envNATSUser     = "SIFTLOAD_NATS_USER"
	envNATSPassword = "SIFTLOAD_NATS_PASSWORD"
)

// QueueOptions say how to reach the NATS JetStream work queue, for analyze
// --queue and worker.
type QueueOptions struct {
	URL           string
	Name          string
	AckWait       time.Duration
	CredsFile     string
	NKeyFile      string
	CAFile        string
	CertFile      string
	KeyFile       string
	InsecureNoTLS bool
}

// AddFlags binds the options to fs; forAnalyze adds the settings the
// analyzing side decides.
func (o *QueueOptions) AddFlags(fs *pflag.FlagSet, forAnalyze bool) {
	if forAnalyze {
		fs.StringVar(&o.URL, "queue", "", "have siftload workers analyze the inputs through the NATS JetStream server at `URL` (nats://HOST:4222, tls://HOST:4222; see siftload worker --help)")
		fs.DurationVar(&o.AckWait, "ack-wait", queue.DefaultAckWait, "with --queue: give a task to another worker when its worker has not been heard of for `DURATION`")
	} else {
		fs.StringVar(&o.URL, "queue", "", "take tasks from the NATS JetStream server at `URL` (nats://HOST:4222, tls://HOST:4222)")
	}
	fs.StringVar(&o.Name, "queue-name", "siftload", "with --queue: the queue's `NAME` (streams NAME_tasks and NAME_results)")
	fs.StringVar(&o.CredsFile, "nats-creds", "", "with --queue: authenticate with the NATS credentials `FILE` (user JWT and NKEY seed)")
	fs.StringVar(&o.NKeyFile, "nats-nkey", "", "with --queue: authenticate with the NKEY seed `FILE`")
	fs.StringVar(&o.CAFile, "nats-ca", "", "with --queue: verify the NATS server's certificate with the PEM roots in `FILE` (default: the system's)")
	fs.StringVar(&o.CertFile, "nats-cert", "", "with --queue: client certificate `FILE` for mutual TLS")
	fs.StringVar(&o.KeyFile, "nats-key", "", "with --queue: client key `FILE` for mutual TLS")
	fs.BoolVar(&o.InsecureNoTLS, "nats-insecure-no-tls", false, "with --queue: allow a plain-text connection to a NATS server that is not on this machine")
}

// queueHelp documents the queue's secrets for the commands' Long.
const queueHelp = `NATS credentials never go into a flag or the URL: --nats-creds (a .creds
file) or --nats-nkey (an NKEY seed file) name secret files, or set
SIFTLOAD_NATS_TOKEN, or SIFTLOAD_NATS_USER and SIFTLOAD_NATS_PASSWORD. A
server that is not on loopback is reached over TLS only, its certificate
verified (against --nats-ca, or the system's roots);
--nats-insecure-no-tls allows plain text.`

// connect opens the connection the options describe, as client.
func (o *QueueOptions) connect(client string) (*nats.Conn, queue.Names, error) {
	names, err := queue.NewNames(o.Name)
	if err != nil {
		return nil, names, usagef("--queue-name: %v", err)
	}
	d := queue.Dial{
		URL:           o.URL,
		ClientName:    client,
		CredsFile:     o.CredsFile,
		NKeyFile:      o.NKeyFile,
		Token:         os.Getenv(envNATSToken),
		User:          os.Getenv(envNATSUser),
		Password:      os.Getenv(envNATSPassword),
		CAFile:        o.CAFile,
		CertFile:      o.CertFile,
		KeyFile:       o.KeyFile,
		InsecureNoTLS: o.InsecureNoTLS,
	}
	if _, err := d.Options(); err != nil {
		return nil, names, usagef("--queue: %v", err)
	}
	nc, err := queue.Connect(d)
	return nc, names, err
}

// analyzeInputs analyzes ins with cfg: here, or through the work queue
// when opts.Scale.Queue.URL is set, with the same result either way.
func analyzeInputs(ctx context.Context, p *ui.Printer, opts AnalyzeOptions, ins []archive.Input, cfg analysis.Options) (*analysis.Result, error) {
	q := opts.Scale.Queue
	if q.URL == "" {
		return analysis.Run(ctx, ins, cfg)
	}
	if q.AckWait <= 0 {
		return nil, usagef("--ack-wait must be positive")
	}
	nc, names, err := q.connect("siftload analyze")
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	c := &queue.Coordinator{
		Conn:     nc,
		Names:    names,
		AckWait:  q.AckWait,
		Progress: cfg.Progress,
		Logf:     p.Printf,
	}
	return c.Analyze(ctx, ins, queue.Settings{
		Metric:   cfg.Metric.Name(),
		Include:  opts.Include,
		Exclude:  opts.Exclude,
		Key:      opts.Key,
		NoHeader: opts.NoHeader,
		MaxDepth: opts.MaxDepth,
		// Archive reading.
		NameEncoding: opts.Archive.NameEncoding,
		MaxEntries:   queueMaxEntries(opts.Archive.MaxEntries),

		Delimiter:      opts.Delimiter,
		MaxRecordBytes: opts.MaxRecordBytes,
		// Decompression limits.
		MaxRatio:      cfg.Walker.MaxRatio,
		MaxMemberSize: cfg.Walker.MaxMemberSize,
	})
}

// queueMaxEntries turns --max-entries (0: no limit) into a task's
// max_entries (0: the default, so that a task from before the setting
// keeps the limit; negative: no limit).
func queueMaxEntries(n int64) int64 {
	switch n {
	case 0:
		return -1
	case archive.DefaultMaxEntries:
		return 0
	}
	return n
}

// taskMaxEntries is the --max-entries of a task's max_entries.
func taskMaxEntries(n int64) int64 {
	switch {
	case n == 0:
		return archive.DefaultMaxEntries
	case n < 0:
		return 0
	}
	return n
}

// workerSettings turns a task's settings into analysis options, with the
// worker's own temp directory.
func workerSettings(tempDir string) func(queue.Settings) (analysis.Options, error) {
	return func(s queue.Settings) (analysis.Options, error) {
		cfg, err := analyzeConfig(AnalyzeOptions{
			Metric:   s.Metric,
			Include:  s.Include,
			Exclude:  s.Exclude,
			Key:      s.Key,
			NoHeader: s.NoHeader,
			MaxDepth: s.MaxDepth,
			Archive:  ArchiveOptions{NameEncoding: s.NameEncoding, MaxEntries: taskMaxEntries(s.MaxEntries)},
			TempDir:  tempDir,
			Workers:  1,

			Delimiter:      s.Delimiter,
			MaxRecordBytes: s.MaxRecordBytes,
			// Decompression limits; 0 (a task without them) is the default.
			MaxRatio:      s.MaxRatio,
			MaxMemberSize: sizeSetting(s.MaxMemberSize),
		}, func(key string) string { return "the task's " + key })
		if err != nil {
			return cfg, fmt.Errorf("task settings: %w", err)
		}
		return cfg, nil
	}
}

// sizeSetting returns a size in bytes as a setting's text, "" for 0.
func sizeSetting(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
