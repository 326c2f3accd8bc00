package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// MetaFormat is the format of the sidecar that Meta describes; a reader
// refuses another.
const MetaFormat = 1

// Meta is the metadata sidecar of a plan, PLAN.meta.json beside PLAN.csv
// (MetaPath): what analysis wrote the plan, when, from which inputs, with
// which settings, and where its relative sources lie. It is written right
// after the plan, atomically, and holds the plan file's sha256, so that a
// reader can tell the sidecar of this plan from that of an older one
// (Matches).
type Meta struct {
	Format  int       `json:"format"`
	Version string    `json:"version"` // siftload's
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// PlanSHA256 is the hex sha256 of the plan file the sidecar belongs to.
	PlanSHA256 string `json:"plan_sha256"`
	// BaseDir is the absolute directory that the plan's relative sources
	// resolve against: the working directory of the analysis.
	BaseDir string      `json:"base_dir"`
	Inputs  []MetaInput `json:"inputs"`
	// Settings are the analysis settings (analysis.Settings as JSON) and
	// Fingerprint their hash with the input list
	// (analysis.Settings.Fingerprint).
	Settings    json.RawMessage `json:"settings"`
	Fingerprint string          `json:"fingerprint"`
	Totals      MetaTotals      `json:"totals"`
}

// MetaInput is one outermost input file of the analysis.
type MetaInput struct {
	Path    string    `json:"path"` // absolute
	Source  string    `json:"source"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
}

// MetaTotals are the counts of an analysis.
type MetaTotals struct {
	Inputs     int   `json:"inputs"`
	InputBytes int64 `json:"input_bytes"`
	Archives   int64 `json:"archives"`
	Members    int64 `json:"members"`
	DataFiles  int64 `json:"data_files"`
	DataBytes  int64 `json:"data_bytes"`
	Keys       int   `json:"keys"`
	Versions   int   `json:"versions"` // candidates measured
	Problems   int   `json:"problems"`
	Warnings   int   `json:"warnings"` // keys whose chosen version has warnings
	ElapsedMS  int64 `json:"elapsed_ms"`
}

// MetaPath is the sidecar of the plan in planPath: the plan's name
// without its extension, then .meta.json (plan.csv: plan.meta.json).
func MetaPath(planPath string) string {
	return strings.TrimSuffix(planPath, filepath.Ext(planPath)) + ".meta.json"
}

// WriteMeta writes m as indented JSON.
//
// The inputs are written one at a time, in the bytes a json.Encoder with
// SetIndent("", "  ") writes for the whole (TestWriteMetaAsEncoder): the
// encoder holds the whole document, twice (once indented), and a site of
// 100,000 snapshots made that the largest thing in its analysis's heap.
func WriteMeta(w io.Writer, m Meta) error {
	m.Format = MetaFormat
	inputs := m.Inputs
	if len(inputs) == 0 {
		return writeMetaWhole(w, m)
	}
	// The document with no inputs, cut where they go.
	m.Inputs = []MetaInput{}
	var head bytes.Buffer
	if err := writeMetaWhole(&head, m); err != nil {
		return err
	}
	const empty = "\n  \"inputs\": [],\n"
	i := bytes.Index(head.Bytes(), []byte(empty))
	if i < 0 {
		return errors.New("plan metadata: no inputs field") // cannot happen: Meta has one
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(head.Bytes()[:i+len(empty)-len("],\n")])
	for j := range inputs {
		b, err := json.MarshalIndent(&inputs[j], "    ", "  ")
		if err != nil {
			return err
		}
		if j > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	bw.WriteString("\n  ")
	bw.Write(head.Bytes()[i+len(empty)-len("],\n"):])
	return bw.Flush()
}

// writeMetaWhole writes m as a json.Encoder indented by two spaces does.
func writeMetaWhole(w io.Writer, m Meta) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// ErrBadMeta marks a sidecar that cannot be read as one.
var ErrBadMeta = errors.New("bad plan metadata")

// maxMetaHead is the most ReadMeta reads of a sidecar but its inputs:
// every other field is a few lines.
const maxMetaHead = 64 << 20

// maxMetaBytes is the most ReadMeta reads of a sidecar in all: its
// inputs take some hundred bytes each (WriteMeta writes one per outermost
// input, with no limit), so a site of 300,000 snapshots writes more than
// the 64 MiB the head may take.
const maxMetaBytes = 16 << 30

// ReadMeta reads a sidecar written by WriteMeta, with its inputs.
func ReadMeta(r io.Reader) (Meta, error) { return readMeta(r, true) }

// ReadMetaHead reads a sidecar written by WriteMeta but for its inputs,
// which it skips in constant memory (m.Inputs is nil): what import and
// report need of it, whatever the number of inputs.
func ReadMetaHead(r io.Reader) (Meta, error) { return readMeta(r, false) }

// readMeta decodes a sidecar one top-level field at a time, so that the
// inputs, which grow with the site, can be skipped by tokens instead of
// held; the other fields together may take maxMetaHead bytes.
func readMeta(r io.Reader, inputs bool) (Meta, error) {
	bad := func(err error) (Meta, error) { return Meta{}, fmt.Errorf("%w: %w", ErrBadMeta, err) }
	dec := json.NewDecoder(io.LimitReader(r, maxMetaBytes))
	if t, err := dec.Token(); err != nil {
		return bad(err)
	} else if t != json.Delim('{') {
		return bad(errors.New("not a JSON object"))
	}
	var m Meta
	head := make(map[string]json.RawMessage)
	var headBytes int
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		key, _ := t.(string)
		if key == "inputs" {
			if inputs {
				err = dec.Decode(&m.Inputs)
			} else {
				err = skipValue(dec)
			}
			if err != nil {
				return bad(fmt.Errorf("inputs: %w", err))
			}
			continue
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return bad(err)
		}
		if headBytes += len(key) + len(v); headBytes > maxMetaHead {
			return bad(fmt.Errorf("more than %d MiB besides the inputs", maxMetaHead>>20))
		}
		head[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return bad(err)
	}
	b, err := json.Marshal(head)
	if err != nil {
		return bad(err)
	}
	keep := m.Inputs
	if err := json.Unmarshal(b, &m); err != nil {
		return bad(err)
	}
	m.Inputs = keep
	if m.Format != MetaFormat {
		return Meta{}, fmt.Errorf("%w: format %d, want %d", ErrBadMeta, m.Format, MetaFormat)
	}
	return m, nil
}

// skipValue reads the next JSON value of dec by tokens, holding none.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// Matches reports whether m is the sidecar of the plan whose sha256 is
// planSHA256.
func (m Meta) Matches(planSHA256 string) bool {
	return m.PlanSHA256 != "" && m.PlanSHA256 == planSHA256
}
