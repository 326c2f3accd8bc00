package plan

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/problem"
)

func testPart(shard, shards int) Part {
	return Part{Shard: shard, Shards: shards, ShardBy: "size", Settings: strings.Repeat("ab", 32),
		Metric: "rows", Version: "v1.0.0", Inputs: 3}
}

func TestPartRoundTrip(t *testing.T) {
	cands := []Candidate{
		{Key: "=cmd|' /C calc'!A0", Source: "site/a.zip!/=cmd.csv", Rows: 3, Bytes: 40, SHA256: sha, Value: "3"},
		{Key: "data/LINE01.csv", Source: "site/a.zip!/data/LINE01.csv", Rows: 0, Bytes: 0, SHA256: sha, Value: "0", Warnings: []string{WarnUnclosedQuote(4), WarnNonUTF8}},
		{Key: "x\"y,z\nw.csv", Source: "'quoted.zip!/x\"y,z\nw.csv", Rows: 7, Bytes: 9, SHA256: sha, Value: "-12.5"},
	}
	probs := []*problem.Error{
		problem.New("site/bad.zip", 0, errors.New("read archive: zip: not a valid zip file")),
		problem.New("@site/b.tar.gz!/x.csv", 12, errors.New("+decode text, \"bad\"\nbytes")),
	}
	part := testPart(1, 4)
	part.Analysis = `{"metric":"rows","delimiter":";","name_encoding":"=cp866"}`
	var buf bytes.Buffer
	if err := WritePart(&buf, part, cands, probs); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		for _, cell := range strings.Split(line, ",") {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula in a spreadsheet", cell)
			}
		}
	}
	gotPart, gotCands, gotProbs, err := ReadPart(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotPart, part) {
		t.Errorf("part = %+v, want %+v", gotPart, part)
	}
	if !reflect.DeepEqual(gotCands, cands) {
		t.Errorf("candidates = %+v, want %+v", gotCands, cands)
	}
	if len(gotProbs) != len(probs) {
		t.Fatalf("%d problems, want %d", len(gotProbs), len(probs))
	}
	for i, p := range gotProbs {
		if p.Source != probs[i].Source || p.Record != probs[i].Record || p.Err.Error() != probs[i].Err.Error() {
			t.Errorf("problem %d = %v, want %v", i, p, probs[i])
		}
	}
}

func TestReadPartRefuses(t *testing.T) {
	var buf bytes.Buffer
	cands := []Candidate{cand("a", "s1.zip!/a", 5), cand("b", "s1.zip!/b", 6)}
	if err := WritePart(&buf, testPart(0, 2), cands, []*problem.Error{problem.New("s2.zip", 0, errors.New("bad"))}); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	lines := strings.SplitAfter(good, "\n")
	tests := []struct {
		Name    string
		Input   string
		WantErr string
	}{
		{Name: "Empty", Input: "", WantErr: "ends early"},
		{Name: "PlanFile", Input: strings.Join(PlanHeader, ",") + "\n", WantErr: "not a siftload candidates file"},
		{Name: "UnshardedCandidates", Input: strings.Join(lines[1:3], ""), WantErr: "analyze with --shard I/N"},
		{Name: "CutInCandidates", Input: strings.Join(lines[:3], ""), WantErr: "ends early"},
		{Name: "CutInProblems", Input: strings.Join(lines[:len(lines)-2], ""), WantErr: "ends early"},
		{Name: "ExtraRow", Input: good + "s3.zip,,worse\n", WantErr: "more rows"},
		{Name: "OtherFormat", Input: strings.Replace(good, "format,2", "format,3", 1), WantErr: "format \"3\""},
		{Name: "BadShard", Input: strings.Replace(good, "shard,0/2", "shard,2/2", 1), WantErr: "is not I/N"},
		{Name: "CountTooHigh", Input: strings.Replace(good, "candidates,2", "candidates,3", 1), WantErr: "fewer candidates than the first row says"},
		{Name: "CountTooLow", Input: strings.Replace(good, "candidates,2", "candidates,1", 1), WantErr: "want the row siftload-problems"},
		{Name: "BadRows", Input: strings.Replace(good, "s1.zip!/a,5", "s1.zip!/a,five", 1), WantErr: "rows \"five\""},
		{Name: "BadSHA", Input: strings.Replace(good, sha, "abc", 1), WantErr: "64 hex"},
		{Name: "OtherMetric", Input: strings.Replace(good, ",rows,5,\n", ",bytes,5,\n", 1), WantErr: "metric \"bytes\""},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			_, _, _, err := ReadPart(strings.NewReader(tt.Input))
			if err == nil || !errors.Is(err, ErrBadPart) || !strings.Contains(err.Error(), tt.WantErr) {
				t.Fatalf("error = %v, want ErrBadPart with %q", err, tt.WantErr)
			}
		})
	}
	if _, _, _, err := ReadPart(strings.NewReader(good)); err != nil {
		t.Fatalf("the untouched file: %v", err)
	}
}

func partFile(name string, p Part, cands ...Candidate) PartFile {
	return PartFile{Name: name, Part: p, Candidates: cands,
		Problems: []*problem.Error{problem.New(name+".zip", 0, errors.New("bad"))}}
}

func TestMerge(t *testing.T) {
	other := testPart(1, 3)
	other.Settings = strings.Repeat("cd", 32)
	byHash := testPart(1, 3)
	byHash.ShardBy = "hash"
	newer := testPart(1, 3)
	newer.Version = "v1.1.0"
	tests := []struct {
		Name    string
		Input   []PartFile
		Want    []string // sources, sorted by key then source
		WantErr string
	}{{
		Name: "ThreeShards",
		Input: []PartFile{
			partFile("p2", testPart(2, 3), cand("b", "s3.zip!/b", 1)),
			partFile("p0", testPart(0, 3), cand("a", "s1.zip!/a", 5), cand("b", "s1.zip!/b", 2)),
			partFile("p1", testPart(1, 3), cand("a", "s2.zip!/a", 7)),
		},
		Want: []string{"s1.zip!/a", "s2.zip!/a", "s1.zip!/b", "s3.zip!/b"},
	}, {
		Name:  "EmptyShard",
		Input: []PartFile{partFile("p0", testPart(0, 2), cand("a", "s1.zip!/a", 5)), partFile("p1", testPart(1, 2))},
		Want:  []string{"s1.zip!/a"},
	}, {
		Name:    "ShardTwice",
		Input:   []PartFile{partFile("p0", testPart(0, 2)), partFile("p0-again", testPart(0, 2)), partFile("p1", testPart(1, 2))},
		WantErr: "shard 0/2 twice: p0 and p0-again",
	}, {
		Name:    "ShardMissing",
		Input:   []PartFile{partFile("p0", testPart(0, 3)), partFile("p2", testPart(2, 3))},
		WantErr: "shards 1 of 3 missing",
	}, {
		Name:    "OtherSettings",
		Input:   []PartFile{partFile("p0", testPart(0, 3)), partFile("p1", other), partFile("p2", testPart(2, 3))},
		WantErr: "p0 and p1 come from different settings or inputs",
	}, {
		Name:    "OtherShardCount",
		Input:   []PartFile{partFile("p0", testPart(0, 2)), partFile("p1", testPart(1, 3))},
		WantErr: "p1 is shard 1/3, p0 of 2 shards",
	}, {
		Name:    "OtherPartition",
		Input:   []PartFile{partFile("p0", testPart(0, 3)), partFile("p1", byHash), partFile("p2", testPart(2, 3))},
		WantErr: "p1 was partitioned by hash",
	}, {
		Name:    "OtherVersion",
		Input:   []PartFile{partFile("p0", testPart(0, 3)), partFile("p1", newer), partFile("p2", testPart(2, 3))},
		WantErr: "siftload v1.1.0",
	}, {
		Name: "Overlap",
		Input: []PartFile{
			partFile("p0", testPart(0, 2), cand("a", "s1.zip!/a", 5)),
			partFile("p1", testPart(1, 2), cand("a", "s1.zip!/a", 5)),
		},
		WantErr: "source s1.zip!/a is in p0 and in p1",
	}, {
		Name:    "Nothing",
		WantErr: "no candidates files",
	}}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			cands, probs, err := Merge(tt.Input)
			if tt.WantErr != "" {
				if err == nil || !errors.Is(err, ErrMerge) || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("error = %v, want ErrMerge with %q", err, tt.WantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cands {
				got = append(got, c.Source)
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("sources = %q, want %q", got, tt.Want)
			}
			if len(probs) != len(tt.Input) {
				t.Errorf("%d problems, want one per file (%d)", len(probs), len(tt.Input))
			}
		})
	}
}
