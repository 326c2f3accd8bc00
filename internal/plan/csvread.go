package plan

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/siftload/siftload/internal/problem"
)

// ReadCandidates reads a candidates file written by WriteCandidates (the
// candidates of an analysis without --shard) and returns them with the
// metric they were measured by. A header other than CandidatesHeader (or,
// from before the coverage check, PartHeader), or a count that is not
// one, is an error naming the line. A version's missing_rows comes back
// as its Coverage (Checked), an empty one as none.
func ReadCandidates(r io.Reader) ([]Candidate, string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, "", fmt.Errorf("%w: empty candidates file", ErrBadPlan)
	}
	if err != nil {
		return nil, "", readErr(err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	}
	if !slices.Equal(header, CandidatesHeader) && !slices.Equal(header, PartHeader) {
		return nil, "", planErr(1, "not a candidates file: want the header %s", strings.Join(CandidatesHeader, ","))
	}
	var (
		out    []Candidate
		metric string
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, metric, nil
		}
		if err != nil {
			return nil, "", readErr(err)
		}
		for i := range rec {
			rec[i] = unescapeCell(rec[i])
		}
		line, _ := cr.FieldPos(0)
		c := Candidate{Key: rec[0], Source: rec[1], SHA256: rec[4], Value: rec[6], Warnings: splitWarnings(rec[7])}
		if c.Rows, err = strconv.ParseInt(rec[2], 10, 64); err != nil {
			return nil, "", planErr(line, "rows %q is not a count", rec[2])
		}
		if c.Bytes, err = strconv.ParseInt(rec[3], 10, 64); err != nil {
			return nil, "", planErr(line, "bytes %q is not a count", rec[3])
		}
		metric = rec[5]
		// The coverage check's count.
		if len(rec) > len(PartHeader) && rec[len(PartHeader)] != "" {
			n, err := strconv.ParseInt(rec[len(PartHeader)], 10, 64)
			if err != nil || n < 0 {
				return nil, "", planErr(line, "missing_rows %q is not a count", rec[len(PartHeader)])
			}
			c.Coverage = &Coverage{Checked: true, Missing: n}
		}
		out = append(out, c)
	}
}

// ReadProblems reads a problems file written by WriteProblems; each
// problem's reason comes back as an error whose text is the reason.
func ReadProblems(r io.Reader) ([]*problem.Error, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, readErr(err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	}
	if !slices.Equal(header, ProblemsHeader) {
		return nil, planErr(1, "not a problems file: want the header %s", strings.Join(ProblemsHeader, ","))
	}
	var out []*problem.Error
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, readErr(err)
		}
		for i := range rec {
			rec[i] = unescapeCell(rec[i])
		}
		var n int64
		if rec[1] != "" {
			line, _ := cr.FieldPos(0)
			if n, err = strconv.ParseInt(rec[1], 10, 64); err != nil {
				return nil, planErr(line, "record %q is not a number", rec[1])
			}
		}
		out = append(out, problem.New(rec[0], n, errors.New(rec[2])))
	}
}
