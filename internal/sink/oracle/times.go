package oracle

import "time"

// The ledger's LOADED_AT is a TIMESTAMP (no time zone) holding the UTC
// wall clock. go-ora labels every TIMESTAMP it reads with the database's
// time zone (DBTIMEZONE) when that is not UTC, so the time converted to
// UTC would be off by the server's offset: wallUTC keeps the wall clock
// and labels it UTC.
func wallUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// wallUTCScan wraps a row's Scan so that the time.Time values it stores
// into *any destinations are taken as UTC wall clocks (see wallUTC).
func wallUTCScan(scan func(dest ...any) error) func(dest ...any) error {
	return func(dest ...any) error {
		if err := scan(dest...); err != nil {
			return err
		}
		for _, d := range dest {
			if p, ok := d.(*any); ok {
				if t, ok := (*p).(time.Time); ok {
					*p = wallUTC(t)
				}
			}
		}
		return nil
	}
}
