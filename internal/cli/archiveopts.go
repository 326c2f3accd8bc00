package cli

import (
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/config"
)

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
