package oracle

import (
	"testing"
	"time"

	"github.com/siftload/siftload/internal/sink/sqlsink"
)

// TestLedgerTime checks that a ledger time read from a database whose
// time zone is not UTC (go-ora labels the wall clock with it) comes back
// as the UTC time that was written.
func TestLedgerTime(t *testing.T) {
	written := time.Date(2024, 3, 31, 1, 30, 0, 123456000, time.UTC)
	for _, zone := range []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("PDT", -7*3600), time.FixedZone("IST", 5*3600+1800)} {
		scan := func(dest ...any) error {
			vals := []any{"k", "t", "s", "sha", int64(1), int64(0), wallIn(written, zone), "v", "d"}
			for i, d := range dest {
				switch p := d.(type) {
				case *string:
					*p = vals[i].(string)
				case *int64:
					*p = vals[i].(int64)
				case *any:
					*p = vals[i]
				default:
					if s, ok := d.(interface{ Scan(any) error }); ok {
						if err := s.Scan(vals[i]); err != nil {
							return err
						}
					}
				}
			}
			return nil
		}
		e, err := sqlsink.ScanLedger(wallUTCScan(scan))
		if err != nil {
			t.Fatal(err)
		}
		if !e.LoadedAt.Equal(written) || e.LoadedAt.Location() != time.UTC {
			t.Errorf("database zone %s: LoadedAt = %v, want %v", zone, e.LoadedAt, written)
		}
	}
}

// wallIn returns t's wall clock labelled with zone, as go-ora reads a
// TIMESTAMP from a database in that zone.
func wallIn(t time.Time, zone *time.Location) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), zone)
}
