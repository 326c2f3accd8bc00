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

// The candidates file of a shard (analyze --shard I/N --candidates FILE),
// a part, is one CSV file in three parts, each row a plain CSV record:
//
//	siftload-candidates,format,1,shard,0/4,shard_by,size,settings,9f2c…,metric,rows,version,v1.2.0,inputs,31,candidates,1204,problems,2
//	key,source,rows,bytes,sha256,metric,value
//	data/LINE01.csv,site/2023/2023-01-02_export.zip!/data/LINE01.csv,4000,…
//	…
//	siftload-problems
//	source,record,reason
//	site/old/backup.tar.gz,,read archive: unexpected EOF
//
// The first row names the file's kind and then holds name,value pairs:
// which shard of how many, how the inputs were partitioned, the settings
// fingerprint (a hash of everything that changes candidates, including
// the list of every input's source and size), the metric, the siftload
// version, and how many inputs, candidates and problems follow. The
// counts let a reader tell a complete file from a cut one. Cells are
// escaped for spreadsheets like the plan's.
//
// Problems travel in the same file as the candidates so that a shard's
// result is one file, written at once: a merge can never pair the
// candidates of one run with the problems of another, nor miss a shard's
// problems.

// Magic first cells of the two sections of a candidates file.
const (
	partMagic     = "siftload-candidates"
	problemsMagic = "siftload-problems"
	partFormat    = "2"
)

// Part describes a candidates file: which shard of which analysis it
// holds.
type Part struct {
	Shard, Shards int    // shard Shard (from 0) of Shards
	ShardBy       string // partition method ("size", "hash")
	Settings      string // fingerprint of the settings and the full input list
	Metric        string // metric name
	Version       string // siftload version that wrote the file
	Inputs        int    // outermost inputs analyzed in this shard

	// Analysis holds the settings the shard analyzed with, as the
	// caller encodes them (the cli: analysis.Settings as JSON), so that
	// merge --coverage reads the versions again the same way. The
	// fingerprint covers them. They travel as the pair "analysis" of
	// the first row, which readers that do not know it ignore; "" for
	// none (a file of an older siftload).
	Analysis string
}

// WritePart writes a candidates file: part's metadata, cands (sorted with
// SortCandidates) and problems (in the order given).
func WritePart(w io.Writer, part Part, cands []Candidate, problems []*problem.Error) error {
	cw := &writer{w: csv.NewWriter(w)}
	meta := []string{partMagic,
		"format", partFormat,
		"shard", fmt.Sprintf("%d/%d", part.Shard, part.Shards),
		"shard_by", part.ShardBy,
		"settings", part.Settings,
		"metric", part.Metric,
		"version", part.Version,
		"inputs", strconv.Itoa(part.Inputs),
		"candidates", strconv.Itoa(len(cands)),
		"problems", strconv.Itoa(len(problems))}
	if part.Analysis != "" {
		meta = append(meta, "analysis", part.Analysis)
	}
	if err := cw.write(meta...); err != nil {
		return err
	}
	if err := cw.write(PartHeader...); err != nil {
		return err
	}
	if err := cw.writeCandidates(part.Metric, cands, false); err != nil {
		return err
	}
	if err := cw.write(problemsMagic); err != nil {
		return err
	}
	if err := cw.write(ProblemsHeader...); err != nil {
		return err
	}
	if err := cw.writeProblems(problems); err != nil {
		return err
	}
	return cw.flush()
}

// ErrBadPart marks every error about the content of a candidates file.
var ErrBadPart = errors.New("bad candidates file")

func partErr(line int, format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrBadPart, line, fmt.Sprintf(format, args...))
}

// ReadPart reads a candidates file written by WritePart. Anything else (a
// missing or unknown metadata row, a header other than WritePart's, a
// count that does not match the rows, a malformed number) is an error
// naming the line. Problems come back with their reason as an error whose
// text is the reason.
func ReadPart(r io.Reader) (Part, []Candidate, []*problem.Error, error) {
	var part Part
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	line := func() int { l, _ := cr.FieldPos(0); return l }
	read := func() ([]string, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: ends early (a cut file?)", ErrBadPart)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadPart, err)
		}
		for i := range rec {
			rec[i] = unescapeCell(rec[i])
		}
		return rec, nil
	}

	meta, err := read()
	if err != nil {
		return part, nil, nil, err
	}
	if len(meta) > 0 {
		meta[0] = strings.TrimPrefix(meta[0], "\uFEFF")
	}
	if slices.Equal(meta, CandidatesHeader) || slices.Equal(meta, PartHeader) {
		return part, nil, nil, partErr(1, "the candidates of an analysis without --shard, which do not say what they cover: analyze with --shard I/N (--shard 0/1 for all the inputs)")
	}
	if len(meta) == 0 || meta[0] != partMagic || len(meta)%2 != 1 {
		return part, nil, nil, partErr(1, "not a siftload candidates file of a shard (want a first row %s,format,%s,...; written by analyze --shard)", partMagic, partFormat)
	}
	kv := make(map[string]string)
	for i := 1; i < len(meta); i += 2 {
		if _, dup := kv[meta[i]]; dup {
			return part, nil, nil, partErr(1, "%s twice", meta[i])
		}
		kv[meta[i]] = meta[i+1]
	}
	if kv["format"] != partFormat {
		return part, nil, nil, partErr(1, "format %q, this siftload reads format %s", kv["format"], partFormat)
	}
	count := func(name string) (int, error) {
		n, err := strconv.Atoi(kv[name])
		if err != nil || n < 0 {
			return 0, partErr(1, "%s %q is not a count", name, kv[name])
		}
		return n, nil
	}
	is, ns, _ := strings.Cut(kv["shard"], "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return part, nil, nil, partErr(1, "shard %q is not I/N", kv["shard"])
	}
	part.Shard, part.Shards = i, n
	part.ShardBy, part.Settings, part.Metric, part.Version = kv["shard_by"], kv["settings"], kv["metric"], kv["version"]
	part.Analysis = kv["analysis"]
	if part.Settings == "" || part.Metric == "" {
		return part, nil, nil, partErr(1, "settings or metric missing")
	}
	if part.Inputs, err = count("inputs"); err != nil {
		return part, nil, nil, err
	}
	nc, err := count("candidates")
	if err != nil {
		return part, nil, nil, err
	}
	np, err := count("problems")
	if err != nil {
		return part, nil, nil, err
	}

	header, err := read()
	if err != nil {
		return part, nil, nil, err
	}
	if !slices.Equal(header, PartHeader) {
		return part, nil, nil, partErr(line(), "header %s, want %s", strings.Join(header, ","), strings.Join(PartHeader, ","))
	}
	num := func(s, name string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, partErr(line(), "%s %q is not a count", name, s)
		}
		return n, nil
	}
	cands := make([]Candidate, 0, nc)
	for range nc {
		rec, err := read()
		if err != nil {
			return part, nil, nil, err
		}
		if len(rec) != len(PartHeader) {
			return part, nil, nil, partErr(line(), "%d fields, want %d (fewer candidates than the first row says?)", len(rec), len(PartHeader))
		}
		c := Candidate{Key: rec[0], Source: rec[1], SHA256: rec[4], Value: rec[6], Warnings: splitWarnings(rec[7])}
		if c.Rows, err = num(rec[2], "rows"); err != nil {
			return part, nil, nil, err
		}
		if c.Bytes, err = num(rec[3], "bytes"); err != nil {
			return part, nil, nil, err
		}
		switch {
		case c.Key == "" || c.Source == "":
			return part, nil, nil, partErr(line(), "empty key or source")
		case !isSHA256(c.SHA256):
			return part, nil, nil, partErr(line(), "sha256 %q is not 64 hex digits", c.SHA256)
		case rec[5] != part.Metric:
			return part, nil, nil, partErr(line(), "metric %q, the first row says %q", rec[5], part.Metric)
		}
		cands = append(cands, c)
	}
	marker, err := read()
	if err != nil {
		return part, nil, nil, err
	}
	if len(marker) != 1 || marker[0] != problemsMagic {
		return part, nil, nil, partErr(line(), "want the row %s after %d candidates", problemsMagic, nc)
	}
	if header, err = read(); err != nil {
		return part, nil, nil, err
	}
	if !slices.Equal(header, ProblemsHeader) {
		return part, nil, nil, partErr(line(), "header %s, want %s", strings.Join(header, ","), strings.Join(ProblemsHeader, ","))
	}
	problems := make([]*problem.Error, 0, np)
	for range np {
		rec, err := read()
		if err != nil {
			return part, nil, nil, err
		}
		if len(rec) != len(ProblemsHeader) {
			return part, nil, nil, partErr(line(), "%d fields, want %d", len(rec), len(ProblemsHeader))
		}
		var record int64
		if rec[1] != "" {
			if record, err = num(rec[1], "record"); err != nil {
				return part, nil, nil, err
			}
		}
		problems = append(problems, problem.New(rec[0], record, errors.New(rec[2])))
	}
	if rec, err := cr.Read(); err != io.EOF {
		if err != nil {
			return part, nil, nil, fmt.Errorf("%w: %w", ErrBadPart, err)
		}
		return part, nil, nil, partErr(line(), "more rows than the first row says (%q)", strings.Join(rec, ","))
	}
	return part, cands, problems, nil
}

// PartFile is a candidates file as read, with the name merge reports it
// by.
type PartFile struct {
	Name       string
	Part       Part
	Candidates []Candidate
	Problems   []*problem.Error
}

// ErrMerge marks every reason Merge refuses its files.
var ErrMerge = errors.New("cannot merge")

// Merge checks that files are together exactly the shards of one
// analysis — the same settings fingerprint, metric, partition and
// siftload version; every shard from 0 to N-1 once; no source in two
// files — and returns all their candidates, sorted with SortCandidates,
// and all their problems, in file order. Choose over the candidates gives
// the plan a single analysis of all the inputs gives.
func Merge(files []PartFile) ([]Candidate, []*problem.Error, error) {
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%w: no candidates files", ErrMerge)
	}
	first := files[0]
	byShard := make(map[int]string)
	var errs []error
	for _, f := range files {
		p := f.Part
		switch {
		case p.Settings != first.Part.Settings:
			errs = append(errs, fmt.Errorf("%s and %s come from different settings or inputs (fingerprint %.12s… vs %.12s…): every shard must run with the same flags on the same INPUTs, which all its machines must see alike",
				first.Name, f.Name, first.Part.Settings, p.Settings))
		case p.Metric != first.Part.Metric:
			errs = append(errs, fmt.Errorf("%s has metric %s, %s %s", f.Name, p.Metric, first.Name, first.Part.Metric))
		case p.Shards != first.Part.Shards:
			errs = append(errs, fmt.Errorf("%s is shard %d/%d, %s of %d shards", f.Name, p.Shard, p.Shards, first.Name, first.Part.Shards))
		case p.ShardBy != first.Part.ShardBy:
			errs = append(errs, fmt.Errorf("%s was partitioned by %s, %s by %s", f.Name, p.ShardBy, first.Name, first.Part.ShardBy))
		case p.Version != first.Part.Version:
			errs = append(errs, fmt.Errorf("%s was written by siftload %s, %s by %s: run every shard with one version", f.Name, p.Version, first.Name, first.Part.Version))
		}
		if prev, dup := byShard[p.Shard]; dup {
			errs = append(errs, fmt.Errorf("shard %d/%d twice: %s and %s", p.Shard, p.Shards, prev, f.Name))
		}
		byShard[p.Shard] = f.Name
	}
	if len(errs) == 0 {
		var missing []string
		for i := range first.Part.Shards {
			if _, ok := byShard[i]; !ok {
				missing = append(missing, strconv.Itoa(i))
			}
		}
		if len(missing) > 0 {
			errs = append(errs, fmt.Errorf("shards %s of %d missing", strings.Join(missing, ", "), first.Part.Shards))
		}
	}
	var cands []Candidate
	var problems []*problem.Error
	if len(errs) == 0 {
		from := make(map[string]string)
		for _, f := range files {
			for _, c := range f.Candidates {
				if prev, dup := from[c.Source]; dup {
					errs = append(errs, fmt.Errorf("source %s is in %s and in %s: the files overlap", c.Source, prev, f.Name))
					if len(errs) >= 10 {
						break
					}
					continue
				}
				from[c.Source] = f.Name
			}
			cands = append(cands, f.Candidates...)
			problems = append(problems, f.Problems...)
		}
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("%w: %w", ErrMerge, errors.Join(errs...))
	}
	SortCandidates(cands)
	return cands, problems, nil
}
