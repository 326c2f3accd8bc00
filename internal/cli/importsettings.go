package cli

import (
	"time"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
	"github.com/siftload/siftload/internal/record"
)

// importParsed are an import's settings parsed once: resolveSettings
// parses them to check them and keeps them for the run.
type importParsed struct {
	record   record.Options
	timeouts importTimeouts
	lock     time.Duration
	walker   archive.Walker
}

// parse parses the import's settings. A wrong value is a usage error
// that names the setting by where(key): its flag, variable or profile
// line.
func (o *ImportOptions) parse(where func(key string) string) (*importParsed, error) {
	var (
		pr  importParsed
		err error
	)
	if pr.record, err = o.recordOptions(where); err != nil {
		return nil, err
	}
	if o.MaxBadRows < 0 {
		return nil, usagef("%s must not be negative", where("max_bad_rows"))
	}
	if pr.timeouts, err = o.timeouts(where); err != nil {
		return nil, err
	}
	// Lock waits.
	if pr.lock, err = o.lockTimeout(where); err != nil {
		return nil, err
	}
	if pr.walker, err = importWalker(o.Settings, where); err != nil {
		return nil, err
	}
	pr.walker.MaxEntriesSetting, pr.walker.NameEncodingSetting = o.settingName("max_entries"), o.settingName("name_encoding")
	return &pr, nil
}

// parsedOrFlags returns the parsed settings that resolveSettings kept, or
// parses them now, naming settings by their flags (a caller that built
// the options itself).
func (o *ImportOptions) parsedOrFlags() (*importParsed, error) {
	if o.parsed != nil {
		return o.parsed, nil
	}
	return o.parse(flagWhere)
}

// importWalker returns the walker with which import reads a plan's
// sources again: it must find the members analysis found by the same
// names, so it takes analysis's name decoding and entry limit. A wrong
// value is a usage error that names the setting by where(key).
func importWalker(s config.Settings, where func(key string) string) (archive.Walker, error) {
	var w archive.Walker
	enc, err := archive.ParseNameEncoding(s.NameEncoding)
	if err != nil {
		return w, usagef("%s: %v", where("name_encoding"), err)
	}
	if s.MaxEntries < 0 {
		return w, usagef("%s must not be negative", where("max_entries"))
	}
	w.NameEncoding = enc
	w.MaxEntries = s.MaxEntries
	if s.MaxEntries == 0 {
		w.MaxEntries = -1
	}
	return w, nil
}
