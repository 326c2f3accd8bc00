package cli

import (
	"cmp"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/ui"
)

// mapSources rewrites the sources of entries by the path_map setting
// (--path-map FROM=TO, the worker's form), so that a plan made on another
// machine (Z:/site/... on Windows, /mnt/site/... elsewhere) reads its
// files where this machine sees them. A mapped source is read only under
// a TO directory (or --base, or the current directory, as before), so a
// map widens what import may read by the directories it names and no
// more. Sources no map matches are left as they are: relative ones
// resolve against --base.
func (o *ImportOptions) mapSources(p *ui.Printer, entries []plan.Entry) error {
	if len(o.PathMap) == 0 {
		return nil
	}
	maps := make([]archive.PathMap, 0, len(o.PathMap))
	for _, s := range o.PathMap {
		m, err := archive.ParsePathMap(s)
		if err != nil {
			return usagef("%s: %v", o.settingName("path_map"), err)
		}
		maps = append(maps, m)
	}
	mapped := 0
	for i := range entries {
		if src := archive.MapSource(maps, entries[i].Source); src != entries[i].Source {
			entries[i].Source = src
			mapped++
		}
	}
	if len(o.roots) == 0 {
		o.roots = []string{cmp.Or(o.Base, ".")}
	}
	for _, m := range maps {
		o.roots = append(o.roots, cmp.Or(m.To, "/")) // "/=/" keeps an empty To
	}
	p.Printf("path map: %d of %d sources mapped", mapped, len(entries))
	return nil
}
