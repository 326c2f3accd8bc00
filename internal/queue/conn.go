package queue

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/siftload/siftload/internal/sink"
)

// Dial says how to reach a NATS server. Secrets are never part of URL:
// they come in the fields below, which the command line fills from secret
// files and the environment.
type Dial struct {
	// URL is one or more server URLs, comma-separated, with scheme nats or
	// tls and no user information.
	URL string
	// ClientName names the connection in the server's monitoring.
	ClientName string

	CredsFile string // JWT credentials file (user JWT and NKEY seed)
	NKeyFile  string // NKEY seed file
	Token     string
	User      string
	Password  string

	CAFile   string // PEM roots that verify the server (default: the system's)
	CertFile string // client certificate for mutual TLS
	KeyFile  string
	// InsecureNoTLS allows a plain-text connection to a host that is not
	// loopback.
	InsecureNoTLS bool
	// ConnectTimeout bounds connecting to a server (0: 15 s). Once
	// connected, the client pings every PingInterval and drops a server
	// that misses MaxPingsOut pings: a server that stops answering is
	// noticed within a minute.
	ConnectTimeout time.Duration
}

// Keepalive of a queue connection; see Dial.ConnectTimeout.
const (
	DefaultConnectTimeout = 15 * time.Second
	PingInterval          = 20 * time.Second
	MaxPingsOut           = 3
)

// ErrDial marks a Dial that must not be used as it is.
var ErrDial = errors.New("nats")

// Options returns the nats options for d, or an error when d would send
// secrets in the URL, combines several kinds of credentials, or would
// talk plain text to a host other than loopback.
func (d Dial) Options() ([]nats.Option, error) {
	if strings.TrimSpace(d.URL) == "" {
		return nil, fmt.Errorf("%w: no server URL", ErrDial)
	}
	needTLS := d.CAFile != "" || d.CertFile != ""
	remote := ""
	for _, raw := range strings.Split(d.URL, ",") {
		raw = strings.TrimSpace(raw)
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("%w: %q is no URL such as nats://HOST:4222", ErrDial, raw)
		}
		if u.User != nil {
			return nil, fmt.Errorf("%w: the URL of %s holds credentials: use a credentials or NKEY seed file, or SIFTLOAD_NATS_TOKEN, or SIFTLOAD_NATS_USER and SIFTLOAD_NATS_PASSWORD", ErrDial, u.Host)
		}
		switch u.Scheme {
		case "tls":
			needTLS = true
		case "nats":
		default:
			return nil, fmt.Errorf("%w: URL %s: scheme %q, want nats or tls", ErrDial, raw, u.Scheme)
		}
		if !sink.IsLoopback(u.Hostname()) {
			remote = u.Hostname()
		}
	}
	if remote != "" && !d.InsecureNoTLS {
		needTLS = true
	}
	if (d.CertFile == "") != (d.KeyFile == "") {
		return nil, fmt.Errorf("%w: a client certificate needs both its certificate and its key file", ErrDial)
	}

	timeout := d.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	opts := []nats.Option{
		nats.Name(d.ClientName),
		nats.Timeout(timeout),
		nats.PingInterval(PingInterval),
		nats.MaxPingsOutstanding(MaxPingsOut),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(2 * time.Second),
	}
	if needTLS {
		opts = append(opts, nats.Secure(&tls.Config{MinVersion: tls.VersionTLS12}))
		if d.CAFile != "" {
			opts = append(opts, nats.RootCAs(d.CAFile))
		}
		if d.CertFile != "" {
			opts = append(opts, nats.ClientCert(d.CertFile, d.KeyFile))
		}
	}

	var kinds []string
	if d.CredsFile != "" {
		kinds = append(kinds, "credentials file")
		opts = append(opts, nats.UserCredentials(d.CredsFile))
	}
	if d.NKeyFile != "" {
		kinds = append(kinds, "NKEY seed file")
		o, err := nats.NkeyOptionFromSeed(d.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: NKEY seed file: %w", ErrDial, err)
		}
		opts = append(opts, o)
	}
	if d.Token != "" {
		kinds = append(kinds, "token")
		opts = append(opts, nats.Token(d.Token))
	}
	if d.User != "" || d.Password != "" {
		if d.User == "" || d.Password == "" {
			return nil, fmt.Errorf("%w: a user needs a password and a password a user", ErrDial)
		}
		kinds = append(kinds, "user and password")
		opts = append(opts, nats.UserInfo(d.User, d.Password))
	}
	if len(kinds) > 1 {
		return nil, fmt.Errorf("%w: choose one way to authenticate, not %s", ErrDial, strings.Join(kinds, " and "))
	}
	return opts, nil
}

// Connect connects to the NATS server d names.
func Connect(d Dial) (*nats.Conn, error) {
	opts, err := d.Options()
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(d.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d.URL, err)
	}
	return nc, nil
}

var validQueue = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Names are the JetStream names of a queue; see the package comment.
type Names struct {
	Queue string
}

// NewNames returns the names of queue q, which must be 1 to 64 letters,
// digits, '_' or '-'.
func NewNames(q string) (Names, error) {
	if !validQueue.MatchString(q) {
		return Names{}, fmt.Errorf("%w: queue name %q: use 1 to 64 letters, digits, _ or -", ErrDial, q)
	}
	return Names{Queue: q}, nil
}

// TaskStream is the work-queue stream of tasks.
func (n Names) TaskStream() string { return n.Queue + "_tasks" }

// ResultStream is the stream of results.
func (n Names) ResultStream() string { return n.Queue + "_results" }

// Consumer is the durable consumer the workers share.
func (n Names) Consumer() string { return n.Queue + "_workers" }

// TaskSubject is where the tasks of run go.
func (n Names) TaskSubject(run string) string { return n.Queue + ".tasks." + run }

// ResultSubject is where the results of run go.
func (n Names) ResultSubject(run string) string { return n.Queue + ".results." + run }

// RunSubject is where a live coordinator of run answers (core NATS, no
// stream): a request there tells whether the run is alive.
func (n Names) RunSubject(run string) string { return n.Queue + ".runs." + run }

// maxDeliveriesSubject is the advisory JetStream publishes when a task
// reached MaxDeliver.
func (n Names) maxDeliveriesSubject() string {
	return "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + n.TaskStream() + "." + n.Consumer()
}
