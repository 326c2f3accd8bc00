package sink

import (
	"context"
	"errors"
)

// State is where a key of a plan stands against the ledger, as status
// lists it and as an import's dry run counts it.
type State string

// States of a key.
const (
	// StateLoaded: the ledger holds the plan's version (sha256).
	StateLoaded State = "loaded"
	// StateOutdated: the ledger holds another version, which the plan's
	// would replace.
	StateOutdated State = "outdated"
	// StateDowngrade: the ledger holds a version with more rows than the
	// plan's, which an import refuses to replace unless allowed.
	StateDowngrade State = "downgrade"
	// StatePending: the key is not in the ledger.
	StatePending State = "pending"
	// StateExtra: the key is in the ledger but not in the plan.
	StateExtra State = "extra"
)

// States lists every state in the order summaries count them.
var States = []State{StateLoaded, StateOutdated, StateDowngrade, StatePending, StateExtra}

// KeyState returns the state of job's key given its ledger row prev
// (found=false when the key is not in the ledger). It is Decide's verdict
// as a state, so that status and an import (or its dry run) agree: loaded
// is StatusSkipped, pending StatusLoaded, outdated StatusReplaced and
// downgrade Decide's *DowngradeError. job.AllowDowngrade is ignored: a
// fuller version in the ledger is a downgrade whether or not an import
// would be allowed to make it.
func KeyState(job LoadJob, prev LedgerEntry, found bool) State {
	job.AllowDowngrade = false
	st, err := Decide(job, prev, found)
	switch {
	case errors.Is(err, ErrDowngrade):
		return StateDowngrade
	case st == StatusSkipped:
		return StateLoaded
	case st == StatusReplaced:
		return StateOutdated
	default:
		return StatePending
	}
}

// Lister is implemented by a Sink that can list its whole ledger (every
// sink of siftload); it is found by type assertion.
type Lister interface {
	// LedgerEntries returns every row of the ledger sorted by key, none
	// when no load ever created the ledger.
	LedgerEntries(ctx context.Context) ([]LedgerEntry, error)
}

// Counter is implemented by a Sink that can count the rows a key has in
// its table (every sink of siftload); it is found by type assertion.
type Counter interface {
	// CountRows returns the rows of key in table: every row of the table,
	// or in one-table mode (oneTable) those whose SourceKeyColumn is key.
	// ok is false when the table does not exist.
	CountRows(ctx context.Context, table, key string, oneTable bool) (n int64, ok bool, err error)
}

// Digester is implemented by a Sink that can read a key's rows back and
// digest them (every sink of siftload); it is found by type assertion.
type Digester interface {
	// DigestRows reads the rows of key in table (per key in one-table
	// mode, as CountRows) and returns their number and their Digest over
	// every column of the table but SourceKeyColumn. ok is false when the
	// table does not exist.
	DigestRows(ctx context.Context, table, key string, oneTable bool) (rows int64, digest string, ok bool, err error)
}
