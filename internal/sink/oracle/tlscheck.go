package oracle

import (
	"fmt"

	"github.com/siftload/siftload/internal/sink"
)

// Warnings returns a warning when dsn turns the check of the server's
// certificate off (SSL VERIFY=false) for a host that is not loopback:
// the connection is encrypted, but anyone on the path can pose as the
// server and read the password. See sink.Warner.
func (Factory) Warnings(dsn string) []string {
	c, err := ParseDSN(dsn)
	if err != nil {
		return nil // Open reports it
	}
	v, ok := c.option("SSL VERIFY")
	if !ok || isTrue(v) || sink.IsLoopback(c.Host) {
		return nil
	}
	return []string{fmt.Sprintf("SSL VERIFY=%s: the certificate of %s is not checked, so anyone on the network path can pose as the server and read the password and the data; give the server's CA with --ca-file or a WALLET instead", v, c.Host)}
}
