package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/load"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
)

// jsonLines writes --json output: one JSON object per line to stdout,
// each with a "type" ("key", "problem" or "summary"). A nil *jsonLines
// writes nothing, so commands call it whether or not --json was given.
// It is safe for concurrent use.
type jsonLines struct {
	mu  sync.Mutex
	enc *json.Encoder
	err error
}

// newJSONLines returns a writer on w when on, else nil.
func newJSONLines(w io.Writer, on bool) *jsonLines {
	if !on {
		return nil
	}
	return &jsonLines{enc: json.NewEncoder(w)}
}

// write writes v as one line; the first error is kept for Err.
func (j *jsonLines) write(v any) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		if err := j.enc.Encode(v); err != nil {
			j.err = fmt.Errorf("write json: %w", err)
		}
	}
}

// Err returns the first write error.
func (j *jsonLines) Err() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// The --json objects of analyze, import and run. The README documents
// them (section "JSON output"); a field is added, never renamed.

// problemJSON is a problem of analyze (or run's analysis).
type problemJSON struct {
	Type   string `json:"type"` // "problem"
	Source string `json:"source"`
	Record int64  `json:"record,omitempty"`
	Error  string `json:"error"`
}

// planKeyJSON is a key of an analysis' plan.
type planKeyJSON struct {
	Type       string   `json:"type"` // "key"
	Key        string   `json:"key"`
	Source     string   `json:"source"`
	Rows       int64    `json:"rows"`
	Bytes      int64    `json:"bytes"`
	SHA256     string   `json:"sha256"`
	Value      string   `json:"value"`
	Candidates int      `json:"candidates"`
	Warnings   []string `json:"warnings,omitempty"`
	// Coverage check: set when it ran (missing_rows 0 included).
	MissingRows *int64 `json:"missing_rows,omitempty"`
	MissingFrom string `json:"missing_from,omitempty"`
}

// analyzeSummaryJSON is analyze's summary.
type analyzeSummaryJSON struct {
	Type       string `json:"type"`    // "summary"
	Command    string `json:"command"` // "analyze"
	Plan       string `json:"plan"`
	Inputs     int    `json:"inputs"`
	Archives   int64  `json:"archives"`
	Members    int64  `json:"members"`
	DataFiles  int64  `json:"data_files"`
	Keys       int    `json:"keys"`
	Problems   int    `json:"problems"`
	InputBytes int64  `json:"input_bytes"`
	DataBytes  int64  `json:"data_bytes"`
	ElapsedMS  int64  `json:"elapsed_ms"`
}

// writeAnalyzeJSON writes an analysis' keys, problems and summary.
func writeAnalyzeJSON(out *jsonLines, planPath string, entries []plan.Entry, probs []*problem.Error, s analysis.Stats) {
	if out == nil {
		return
	}
	for _, e := range entries {
		k := planKeyJSON{Type: "key", Key: e.Key, Source: e.Source, Rows: e.Rows, Bytes: e.Bytes, SHA256: e.SHA256, Value: e.Value, Candidates: e.Candidates, Warnings: e.Warnings}
		if e.Covered {
			k.MissingRows, k.MissingFrom = &e.MissingRows, e.MissingFrom
		}
		out.write(k)
	}
	for _, pe := range probs {
		out.write(problemJSON{Type: "problem", Source: pe.Source, Record: pe.Record, Error: fmt.Sprint(pe.Err)})
	}
	out.write(analyzeSummaryJSON{Type: "summary", Command: "analyze", Plan: planPath, Inputs: s.Inputs, Archives: s.Archives,
		Members: s.Members, DataFiles: s.DataFiles, Keys: len(entries), Problems: len(probs), InputBytes: s.InputBytes,
		DataBytes: s.DataBytes, ElapsedMS: s.Elapsed.Milliseconds()})
}

// outcomeJSON is a key's outcome of import (or run's import).
type outcomeJSON struct {
	Type      string `json:"type"` // "key"
	Key       string `json:"key"`
	Source    string `json:"source,omitempty"`
	Table     string `json:"table,omitempty"`
	Action    string `json:"action"` // loaded, replaced, skipped, failed; dry run: new, replace, skip
	Rows      int64  `json:"rows"`
	Rejected  int64  `json:"rejected"`
	PrevRows  int64  `json:"prev_rows,omitempty"`
	Note      string `json:"note,omitempty"`
	ElapsedMS int64  `json:"elapsed_ms"`
	Error     string `json:"error,omitempty"`
}

// importSummaryJSON is import's summary.
type importSummaryJSON struct {
	Type       string   `json:"type"`    // "summary"
	Command    string   `json:"command"` // "import"
	DryRun     bool     `json:"dry_run"`
	Loaded     int      `json:"loaded"`
	Replaced   int      `json:"replaced"`
	Skipped    int      `json:"skipped"`
	Failed     int      `json:"failed"`
	Rows       int64    `json:"rows"`
	Rejected   int64    `json:"rejected"`
	ElapsedMS  int64    `json:"elapsed_ms"`
	RolledBack []string `json:"rolled_back,omitempty"`
	NotStarted int      `json:"not_started,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// writeOutcomeJSON writes a key's outcome; err is already scrubbed of
// the password.
func writeOutcomeJSON(out *jsonLines, o load.Outcome) {
	if out == nil {
		return
	}
	j := outcomeJSON{Type: "key", Key: o.Key, Source: o.Source, Table: o.Table, Action: string(o.Action), Rows: o.Rows,
		Rejected: o.Rejected, PrevRows: o.PrevRows, Note: o.Note, ElapsedMS: o.Elapsed.Milliseconds()}
	if o.Err != nil {
		j.Error = o.Err.Error()
	}
	out.write(j)
}

// writeImportSummaryJSON writes an import's summary; err is the import's
// error, already scrubbed.
func writeImportSummaryJSON(out *jsonLines, sum load.Summary, dryRun bool, err error) {
	if out == nil {
		return
	}
	j := importSummaryJSON{Type: "summary", Command: "import", DryRun: dryRun, Loaded: sum.Loaded, Replaced: sum.Replaced,
		Skipped: sum.Skipped, Failed: sum.Failed, Rows: sum.Rows, Rejected: sum.Rejected, ElapsedMS: sum.Elapsed.Milliseconds(),
		RolledBack: sum.RolledBack, NotStarted: sum.NotStarted}
	if err != nil {
		j.Error = err.Error()
	}
	out.write(j)
}
