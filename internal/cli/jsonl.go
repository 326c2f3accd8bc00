package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
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
