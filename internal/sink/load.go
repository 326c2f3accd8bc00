package sink

import (
	"errors"
	"fmt"
)

// ErrTableTaken is returned when a load that is not in one-table mode
// targets a table the ledger records for another key: replacing one key
// would delete the other's rows.
var ErrTableTaken = errors.New("sink: table holds another key")

// CheckJob returns an error when job lacks what every load needs.
func CheckJob(job LoadJob) error {
	switch {
	case job.Key == "":
		return errors.New("job has no key")
	case job.SHA256 == "":
		return errors.New("job has no sha256")
	case job.Table.Name == "":
		return errors.New("job has no table")
	case len(job.Table.Columns) == 0:
		return errors.New("job has no columns")
	}
	return nil
}

// Decide says what a load of job does given the key's ledger row prev
// (found=false when the key is new): StatusSkipped when the ledger holds
// the job's SHA256, a *DowngradeError when it holds a version with more
// rows than the job has records and the job does not allow a downgrade,
// StatusReplaced for another version, StatusLoaded for a new key.
//
// It is the one place that decides: a sink's Load (through RunLoad), the
// import's check before it reads a file and its lookahead all call it, so
// they agree and word a refusal alike.
func Decide(job LoadJob, prev LedgerEntry, found bool) (Status, error) {
	switch {
	case !found:
		return StatusLoaded, nil
	case prev.SHA256 == job.SHA256:
		return StatusSkipped, nil
	case prev.Rows > job.Rows && !job.AllowDowngrade:
		return 0, &DowngradeError{Ledger: prev, Rows: job.Rows}
	default:
		return StatusReplaced, nil
	}
}

// DowngradeError is Decide's refusal to replace the ledger's fuller
// version of a key with one of fewer rows. It matches ErrDowngrade.
type DowngradeError struct {
	Ledger LedgerEntry // the version the ledger holds
	Rows   int64       // the job's records (the plan's count)
}

func (e *DowngradeError) Error() string {
	return fmt.Sprintf("%v: the ledger has %d rows from %s, the plan %d (a stale plan?); --allow-downgrade replaces it",
		ErrDowngrade, e.Ledger.Rows, e.Ledger.Source, e.Rows)
}

// Unwrap returns ErrDowngrade.
func (e *DowngradeError) Unwrap() error { return ErrDowngrade }

// CheckRows returns ErrRowCount unless inserted equals the job's records
// less the rejected ones.
func CheckRows(job LoadJob, inserted, rejected int64) error {
	if want := job.Rows - rejected; inserted != want {
		return fmt.Errorf("%w: inserted %d rows, want %d (%d records, %d rejected)", ErrRowCount, inserted, want, job.Rows, rejected)
	}
	return nil
}

// LoadError is an error of Sink.Load with the job's key and table.
type LoadError struct {
	Key, Table string
	Err        error
}

func (e *LoadError) Error() string { return fmt.Sprintf("load %s into %s: %v", e.Key, e.Table, e.Err) }

// Unwrap returns the reason.
func (e *LoadError) Unwrap() error { return e.Err }

// WrapLoad wraps a load error with the job's key and table.
func WrapLoad(job LoadJob, err error) error {
	return &LoadError{Key: job.Key, Table: job.Table.Name, Err: err}
}
