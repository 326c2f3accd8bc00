package plan

import (
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
func WriteMeta(w io.Writer, m Meta) error {
	m.Format = MetaFormat
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
