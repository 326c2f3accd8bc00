// Package problem holds the single shape siftload uses to report a bad
// input: the file (its archive locator), the record, and the reason.
//
// Analysis and import never stop the whole run for one bad file: they turn
// the failure into an *Error, report it, and go on with the rest.
package problem

import (
	"errors"
	"fmt"
)

// Error says which file (Source, an archive locator such as
// "site/a.zip!/data/LINE01.csv"), which record (1-based data record number,
// 0 when the problem is not tied to a record) and why (Err).
type Error struct {
	Source string
	Record int64
	Err    error
}

// Error formats as "SOURCE: record N: REASON" (the record part only when
// Record > 0).
func (e *Error) Error() string {
	if e.Record > 0 {
		return fmt.Sprintf("%s: record %d: %v", e.Source, e.Record, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Source, e.Err)
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error for source, record and err.
func New(source string, record int64, err error) *Error {
	return &Error{Source: source, Record: record, Err: err}
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}
