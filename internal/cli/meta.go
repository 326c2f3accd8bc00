package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/siftload/siftload/internal/analysis"
	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/ui"
)

// newMeta returns the sidecar of an analysis that started at start, of
// the inputs ins (all: every input, for the fingerprint), before its
// plan is written (planOutputs.write completes it).
func (j *analyzeJob) newMeta(start time.Time, ins, all []archive.Input, stats analysis.Stats) (*plan.Meta, error) {
	settings, err := json.Marshal(j.settings)
	if err != nil {
		return nil, fmt.Errorf("plan metadata: %w", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("plan metadata: %w", err)
	}
	m := &plan.Meta{
		Version:     Version(),
		Start:       start.UTC(),
		BaseDir:     wd,
		Settings:    settings,
		Fingerprint: j.settings.Fingerprint(all),
		Inputs:      make([]plan.MetaInput, 0, len(ins)),
		Totals: plan.MetaTotals{
			Inputs: stats.Inputs, InputBytes: stats.InputBytes, Archives: stats.Archives,
			Members: stats.Members, DataFiles: stats.DataFiles, DataBytes: stats.DataBytes,
		},
	}
	for _, in := range ins {
		mi := plan.MetaInput{Path: in.Path, Source: in.Source, Size: in.Size}
		if abs, err := filepath.Abs(in.Path); err == nil {
			mi.Path = abs
		}
		if fi, err := os.Stat(in.Path); err == nil {
			mi.ModTime = fi.ModTime().UTC()
		}
		m.Inputs = append(m.Inputs, mi)
	}
	return m, nil
}

// writeMeta completes m with what the plan's writing knows and writes it
// atomically beside planPath.
func writeMeta(planPath string, m *plan.Meta, planSHA string, entries []plan.Entry, probs []*problem.Error) error {
	m.End = time.Now().UTC()
	m.PlanSHA256 = planSHA
	m.Totals.Keys, m.Totals.Versions, m.Totals.Problems = len(entries), 0, len(probs)
	m.Totals.Warnings = 0
	for _, e := range entries {
		m.Totals.Versions += e.Candidates // every version measured, streamed or not
		if len(e.Warnings) > 0 {
			m.Totals.Warnings++
		}
	}
	m.Totals.ElapsedMS = m.End.Sub(m.Start).Milliseconds()
	return writeFileAtomic(plan.MetaPath(planPath), func(f *os.File) error {
		return plan.WriteMeta(f, *m)
	})
}

// hashingWriter counts a file's sha256 while it is written.
type hashingWriter struct {
	w io.Writer
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func newHashingWriter(w io.Writer) *hashingWriter { return &hashingWriter{w: w, h: sha256.New()} }

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	return n, err
}

func (hw *hashingWriter) sum() string { return hex.EncodeToString(hw.h.Sum(nil)) }

// readMetaFor returns the sidecar of the plan in planPath when there is
// one and it belongs to that plan (its plan_sha256 is the file's).
// Without one it returns nil and no error; a sidecar of another plan
// (the plan was edited or rewritten) is ignored with a reason.
func readMetaFor(planPath string) (*plan.Meta, string, error) {
	if planPath == "" || planPath == "-" {
		return nil, "", nil
	}
	mf, err := os.Open(plan.MetaPath(planPath))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read plan metadata: %w", err)
	}
	defer mf.Close()
	m, err := plan.ReadMetaHead(mf)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", plan.MetaPath(planPath), err)
	}
	pf, err := openRegular(planPath, MaxPlanBytes)
	if err != nil {
		return nil, "", fmt.Errorf("read plan: %w", err)
	}
	defer pf.Close()
	h := sha256.New()
	if _, err := io.Copy(h, pf); err != nil {
		return nil, "", fmt.Errorf("read plan %s: %w", planPath, err)
	}
	if !m.Matches(hex.EncodeToString(h.Sum(nil))) {
		return nil, fmt.Sprintf("%s belongs to another version of %s (the plan changed since analysis): not used", plan.MetaPath(planPath), planPath), nil
	}
	return &m, "", nil
}

// recordedBase returns the directory the import of entries resolves
// relative sources against when --base is not set: the working directory
// when every source's outermost file is found from it, else the plan's
// recorded directory (its sidecar's base_dir) when the missing ones are
// found there. It says so on p; "" means the working directory.
func recordedBase(p *ui.Printer, planPath string, entries []plan.Entry) (string, error) {
	missing := ""
	for _, e := range entries {
		if filepath.IsAbs(e.Source) {
			continue
		}
		if _, err := archive.Outer(".", e.Source); err != nil {
			missing = e.Source // Outer finds the outermost file, or fails
			break
		}
	}
	if missing == "" {
		return "", nil
	}
	m, why, err := readMetaFor(planPath)
	if err != nil || m == nil {
		if why != "" {
			p.Printf("%s", why)
		}
		return "", err
	}
	wd, err := os.Getwd()
	if err != nil || filepath.Clean(m.BaseDir) == wd || !filepath.IsAbs(m.BaseDir) {
		return "", nil
	}
	if _, err := archive.Outer(m.BaseDir, missing); err != nil {
		return "", nil // found in neither: import says so, per key
	}
	p.Printf("sources not found from the working directory (%s): resolving them against %s, where %s was analyzed (recorded in %s; --base DIR overrides)",
		missing, m.BaseDir, planPath, plan.MetaPath(planPath))
	return m.BaseDir, nil
}
