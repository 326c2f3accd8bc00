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

// ReadMeta reads a sidecar written by WriteMeta; at most 64 MiB of it.
func ReadMeta(r io.Reader) (Meta, error) {
	var m Meta
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	if err := dec.Decode(&m); err != nil {
		return Meta{}, fmt.Errorf("%w: %w", ErrBadMeta, err)
	}
	if m.Format != MetaFormat {
		return Meta{}, fmt.Errorf("%w: format %d, want %d", ErrBadMeta, m.Format, MetaFormat)
	}
	return m, nil
}

// Matches reports whether m is the sidecar of the plan whose sha256 is
// planSHA256.
func (m Meta) Matches(planSHA256 string) bool {
	return m.PlanSHA256 != "" && m.PlanSHA256 == planSHA256
}
