package sink

// Warner is an optional interface of a Factory whose DSNs can ask for
// something unsafe the sink still allows (a TLS check turned off): the
// CLI prints every warning it returns, once per run, before connecting.
type Warner interface {
	// Warnings returns the unsafe settings of dsn in plain words, or
	// nil. dsn may hold no password.
	Warnings(dsn string) []string
}
