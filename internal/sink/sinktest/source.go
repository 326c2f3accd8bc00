package sinktest

import (
	"errors"
	"fmt"
	"time"

	"github.com/siftload/siftload/internal/sink"
)

// ErrInjected is the error a Source ends with at FailAt unless FailErr
// says otherwise.
var ErrInjected = errors.New("sinktest: injected error")

// Source is an in-memory sink.RecordSource over Records. It can end with an
// error at a chosen record, as a bad record or a SHA-256 mismatch does, and
// counts how often it was read.
type Source struct {
	Records [][]any
	// FailAt is the 1-based record at which Next returns false and Err
	// returns FailErr (ErrInjected when nil); 0 never fails. FailAt =
	// len(Records)+1 fails at the end, as a SHA-256 mismatch does.
	FailAt  int
	FailErr error
	// Reject is what Rejected returns.
	Reject int64
	// OnNext, when set, is called with the 1-based number of the record
	// Next is about to return; tests use it to pause or cancel.
	OnNext func(n int)

	i     int // records returned
	calls int // calls to Next
	err   error
	done  bool
}

// NewSource returns a Source over records.
func NewSource(records ...[]any) *Source {
	return &Source{Records: records}
}

// Next advances to the next record.
func (s *Source) Next() bool {
	s.calls++
	if s.done {
		return false
	}
	n := s.i + 1
	if s.FailAt > 0 && n == s.FailAt {
		s.err = s.FailErr
		if s.err == nil {
			s.err = ErrInjected
		}
		s.done = true
		return false
	}
	if s.i >= len(s.Records) {
		s.done = true
		return false
	}
	if s.OnNext != nil {
		s.OnNext(n)
	}
	s.i = n
	return true
}

// Values returns the current record.
func (s *Source) Values() ([]any, error) {
	if s.i == 0 || s.i > len(s.Records) {
		return nil, fmt.Errorf("sinktest: Values without a record")
	}
	return s.Records[s.i-1], nil
}

// Err returns the injected error once Next reached FailAt.
func (s *Source) Err() error { return s.err }

// Rejected returns s.Reject.
func (s *Source) Rejected() int64 { return s.Reject }

// Calls returns how often Next was called; 0 means the source was never
// read.
func (s *Source) Calls() int { return s.calls }

// Synthetic returns n typed records for SyntheticColumns: an id, a
// decimal amount, a timestamp and a text, with a NULL in every 17th
// record's text.
func Synthetic(n int) [][]any {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := make([][]any, n)
	for i := range recs {
		var name any = fmt.Sprintf("customer %d, \"row\" %d", i%1000, i)
		if i%17 == 0 {
			name = nil
		}
		recs[i] = []any{
			int64(i + 1),
			fmt.Sprintf("%d.%02d", i%100000-50000, i%100),
			base.Add(time.Duration(i) * 1500 * time.Millisecond),
			name,
		}
	}
	return recs
}

var _ sink.RecordSource = (*Source)(nil)
