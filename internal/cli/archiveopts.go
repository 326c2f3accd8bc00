package cli

import (
	"github.com/spf13/pflag"

	"github.com/siftload/siftload/internal/archive"
)

// ArchiveOptions are how archives are read: by analysis, and by import
// when it reads a plan's sources again, which must find the same members
// by the same names.
type ArchiveOptions struct {
	NameEncoding string
	MaxEntries   int64
}

// AddFlags binds the options to fs.
func (o *ArchiveOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.NameEncoding, "name-encoding", "", "decode member names not marked UTF-8 as `CODEPAGE` (zip default: cp437; e.g. cp866, cp932, cp1252)")
	fs.Int64Var(&o.MaxEntries, "max-entries", archive.DefaultMaxEntries, "refuse archives that take one input past `N` entries (0: no limit)")
}

// apply sets the walker's name decoding and entry limit, or returns a
// usage error that names the setting by where(key).
func (o ArchiveOptions) apply(w *archive.Walker, where func(key string) string) error {
	enc, err := archive.ParseNameEncoding(o.NameEncoding)
	if err != nil {
		return usagef("%s: %v", where("name_encoding"), err)
	}
	if o.MaxEntries < 0 {
		return usagef("%s must not be negative", where("max_entries"))
	}
	w.NameEncoding = enc
	w.MaxEntries = o.MaxEntries
	if o.MaxEntries == 0 {
		w.MaxEntries = -1
	}
	return nil
}
