package cli

import (
	"context"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/queue"
	"github.com/siftload/siftload/internal/ui"
)

// queueHelp documents the queue's secrets for the commands' Long.
const queueHelp = `NATS credentials never go into a flag or the URL: --nats-creds (a .creds
file) or --nats-nkey (an NKEY seed file) name secret files, or set
SIFTLOAD_NATS_TOKEN, or SIFTLOAD_NATS_USER and SIFTLOAD_NATS_PASSWORD. A
server that is not on loopback is reached over TLS only, its certificate
verified (against --nats-ca, or the system's roots);
--nats-insecure-no-tls allows plain text.`

// connectQueue opens the connection to the work queue that s names, as
// client.
func connectQueue(s config.Settings, client string) (*nats.Conn, queue.Names, error) {
	names, err := queue.NewNames(s.QueueName)
	if err != nil {
		return nil, names, usagef("--queue-name: %v", err)
	}
	d := queue.Dial{
		URL:           s.Queue,
		ClientName:    client,
		CredsFile:     s.NATSCreds,
		NKeyFile:      s.NATSNKey,
		Token:         os.Getenv(config.NATSTokenEnv),
		User:          os.Getenv(config.NATSUserEnv),
		Password:      os.Getenv(config.NATSPasswordEnv),
		CAFile:        s.NATSCA,
		CertFile:      s.NATSCert,
		KeyFile:       s.NATSKey,
		InsecureNoTLS: s.NATSInsecureNoTLS,
	}
	if _, err := d.Options(); err != nil {
		return nil, names, usagef("--queue: %v", err)
	}
	nc, err := queue.Connect(d)
	return nc, names, err
}

// analyzeQueue has the workers of the job's queue analyze ins, with the
// same result as analysis.Run.
func (j *analyzeJob) analyzeQueue(ctx context.Context, p *ui.Printer, ins []archive.Input, opts analysis.Options) (*analysis.Result, error) {
	nc, names, err := connectQueue(j.s, "siftload analyze")
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	c := &queue.Coordinator{
		Conn:         nc,
		Names:        names,
		AckWait:      j.ackWait,
		SettingNames: j.names,
		Progress:     opts.Progress,
		Logf:         p.Printf,
		Chooser:      opts.Chooser,
		Keep:         opts.Keep,
	}
	return c.Analyze(ctx, ins, j.settings)
}
