package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
)

// Format is the version of the task and result messages; a worker refuses
// tasks of another.
const Format = 1

// MaxDeliver is how often a task is delivered before it becomes a
// problem.
const MaxDeliver = 3

// Task is one outermost input to analyze.
type Task struct {
	Format int    `json:"format"`
	Run    string `json:"run"`
	Index  int    `json:"index"`         // the input's index in the run
	Path   string `json:"path"`          // absolute, '/' separators, on the coordinator's machine
	Source string `json:"source"`        // archive.Input.Source
	Key    string `json:"key"`           // archive.Input.Key
	Size   int64  `json:"size"`          // bytes; -1 for a dangling link
	Dir    bool   `json:"dir,omitempty"` // archive.Input.Dir: an unreadable directory
	// Settings are the settings that change candidates: every worker
	// applies the task's, whatever its own command line says.
	Settings analysis.Settings `json:"settings"`
	// SettingNames name the settings in the problems they would fix (a
	// crossed limit, an undecodable name): the analyzing side words them,
	// as the value's flag, variable or profile key.
	SettingNames SettingNames `json:"setting_names,omitzero"`
	Reply        string       `json:"reply"` // the results subject
}

// SettingNames name settings in problems, for archive.Walker's
// MaxRatioSetting, MaxMemberSizeSetting, MaxEntriesSetting and
// NameEncodingSetting; "" names none.
type SettingNames struct {
	Ratio        string `json:"ratio,omitempty"`
	MemberSize   string `json:"member_size,omitempty"`
	Entries      string `json:"entries,omitempty"`
	NameEncoding string `json:"name_encoding,omitempty"`
}

// Apply sets the names of w.
func (n SettingNames) Apply(w *archive.Walker) {
	w.MaxRatioSetting, w.MaxMemberSizeSetting = n.Ratio, n.MemberSize
	w.MaxEntriesSetting, w.NameEncodingSetting = n.Entries, n.NameEncoding
}

// Input returns the archive input of t at path (t.Path after mapping).
func (t *Task) Input(path string) archive.Input {
	return archive.Input{Path: path, Source: t.Source, Key: t.Key, Size: t.Size, Dir: t.Dir}
}

// Candidate is plan.Candidate on the wire.
type Candidate struct {
	Key    string `json:"k"`
	Source string `json:"s"`
	Rows   int64  `json:"r"`
	Bytes  int64  `json:"b"`
	SHA256 string `json:"h"`
	Value  string `json:"v"`
	// Warnings are plan.Candidate's, in plain words.
	Warnings []string `json:"w,omitempty"`
}

// Problem is problem.Error on the wire.
type Problem struct {
	Source string `json:"s"`
	Record int64  `json:"n,omitempty"`
	Reason string `json:"e"`
}

// Stats are what a worker's walk of one input saw.
type Stats struct {
	Archives  int64 `json:"archives"`
	Members   int64 `json:"members"`
	DataFiles int64 `json:"data_files"`
	Skipped   int64 `json:"skipped"`
	DataBytes int64 `json:"data_bytes"`
}

// Result is one chunk of the result of one delivery attempt of a task.
type Result struct {
	Format   int    `json:"format"`
	Run      string `json:"run"`
	Index    int    `json:"index"`
	Source   string `json:"source"`
	Attempt  string `json:"attempt"` // unique per delivery attempt
	Worker   string `json:"worker"`
	Delivery uint64 `json:"delivery"`
	Chunk    int    `json:"chunk"`  // from 0
	Chunks   int    `json:"chunks"` // of this attempt
	// Failed, when set, says why the task failed on its last delivery;
	// the result then has one chunk and no candidates.
	Failed     string      `json:"failed,omitempty"`
	Candidates []Candidate `json:"candidates,omitempty"`
	Problems   []Problem   `json:"problems,omitempty"`
	Stats      *Stats      `json:"stats,omitempty"` // in the last chunk
}

func toWire(c plan.Candidate) Candidate {
	return Candidate{Key: c.Key, Source: c.Source, Rows: c.Rows, Bytes: c.Bytes, SHA256: c.SHA256, Value: c.Value, Warnings: c.Warnings}
}

func (c Candidate) plan() plan.Candidate {
	return plan.Candidate{Key: c.Key, Source: c.Source, Rows: c.Rows, Bytes: c.Bytes, SHA256: c.SHA256, Value: c.Value, Warnings: c.Warnings}
}

func (p Problem) problem() *problem.Error {
	return problem.New(p.Source, p.Record, errors.New(p.Reason))
}

// chunkResults splits base plus cands and probs into Results whose JSON
// is at most limit bytes (a single item larger than that is an error).
// Stats go in the last chunk.
func chunkResults(base Result, cands []plan.Candidate, probs []*problem.Error, stats Stats, limit int) ([][]byte, error) {
	var out []Result
	cur := base
	size := 0
	overhead := func() int {
		b, _ := json.Marshal(base)
		return len(b) + 256 // headroom for the chunk numbers and the stats
	}()
	if overhead >= limit {
		return nil, fmt.Errorf("result of %s: max payload %d bytes is too small", base.Source, limit)
	}
	room := func(n int) bool { return overhead+size+n+1 <= limit }
	flush := func() {
		out = append(out, cur)
		cur = base
		size = 0
	}
	add := func(n int, put func()) error {
		if !room(n) {
			if size == 0 {
				return fmt.Errorf("result of %s: one item of %d bytes is over the max payload %d", base.Source, n, limit)
			}
			flush()
		}
		put()
		size += n + 1
		return nil
	}
	for _, c := range cands {
		w := toWire(c)
		b, err := json.Marshal(w)
		if err != nil {
			return nil, err
		}
		if err := add(len(b), func() { cur.Candidates = append(cur.Candidates, w) }); err != nil {
			return nil, err
		}
	}
	for _, p := range probs {
		w := Problem{Source: p.Source, Record: p.Record, Reason: p.Err.Error()}
		b, err := json.Marshal(w)
		if err != nil {
			return nil, err
		}
		if err := add(len(b), func() { cur.Problems = append(cur.Problems, w) }); err != nil {
			return nil, err
		}
	}
	cur.Stats = &stats
	out = append(out, cur)
	msgs := make([][]byte, len(out))
	for i := range out {
		out[i].Chunk, out[i].Chunks = i, len(out)
		b, err := json.Marshal(out[i])
		if err != nil {
			return nil, err
		}
		msgs[i] = b
	}
	return msgs, nil
}

// PathMap rewrites the paths of tasks that start with From (a path on
// the coordinator's machine) to start with To (where this machine sees
// the same files); it is archive.PathMap, which import uses too.
type PathMap = archive.PathMap

// ParsePathMap reads "FROM=TO"; see archive.ParsePathMap.
func ParsePathMap(s string) (PathMap, error) { return archive.ParsePathMap(s) }

// MapPath applies the longest map whose From is path or a leading part of
// path (whole path elements only) and returns the result in the local
// form (filepath.FromSlash). A path no map matches is only converted.
func MapPath(maps []PathMap, path string) string {
	return filepath.FromSlash(archive.MapSource(maps, path))
}
