package load

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sqlite"
)

// serverSink is a sink that does not say it has a single writer, as the
// sinks of database servers do not.
type serverSink struct{ sink.Sink }

// TestDefaultWorkers: the keys loaded at once are the setting when given;
// by default one into SQLite (one writer) and into one table (its loads
// would queue on its lock), else one per CPU up to DefaultWorkers.
func TestDefaultWorkers(t *testing.T) {
	s, err := sqlite.Factory{}.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), sink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	server := serverSink{s}
	perCPU := min(runtime.NumCPU(), DefaultWorkers)
	for _, c := range []struct {
		name    string
		s       sink.Sink
		workers int
		one     string
		want    int
	}{
		{"SQLite", s, 0, "", 1},
		{"SQLiteGiven", s, 3, "", 3},
		{"Server", server, 0, "", perCPU},
		{"ServerNegative", server, -1, "", perCPU},
		{"ServerGiven", server, 1, "", 1},
		{"ServerOneTable", server, 0, "all_rows", 1},
		{"ServerOneTableGiven", server, 2, "all_rows", 2},
	} {
		im := NewImporter(c.s, Config{Concurrency: Concurrency{Workers: c.workers}, Tables: Tables{One: c.one}})
		if got := im.workers(); got != c.want {
			t.Errorf("%s: workers() = %d, want %d", c.name, got, c.want)
		}
	}
	if !sink.IsSingleWriter(s) || sink.IsSingleWriter(server) {
		t.Errorf("IsSingleWriter: SQLite %v, server %v", sink.IsSingleWriter(s), sink.IsSingleWriter(server))
	}
}
