package shard

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/siftload/siftload/internal/archive"
)

func env(kv ...string) func(string) string {
	m := make(map[string]string)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParse(t *testing.T) {
	tests := []struct {
		Name    string
		Input   string
		Env     func(string) string
		Want    Spec
		WantErr string // substring; "" for success
	}{
		{Name: "Explicit", Input: "2/4", Want: Spec{2, 4}},
		{Name: "One", Input: "0/1", Want: Spec{0, 1}},
		{Name: "IndexTooLarge", Input: "4/4", WantErr: "from 0 to 3"},
		{Name: "Negative", Input: "-1/4", WantErr: "from 0 to 3"},
		{Name: "ZeroShards", Input: "0/0", WantErr: "at least 1"},
		{Name: "NotANumber", Input: "a/4", WantErr: "want I/N"},
		{Name: "NoSlash", Input: "3", WantErr: "want I/N"},
		{Name: "Kubernetes", Input: "auto", Env: env("JOB_COMPLETION_INDEX", "3", "JOB_COMPLETIONS", "8"), Want: Spec{3, 8}},
		{Name: "KubernetesNoCompletions", Input: "auto", Env: env("JOB_COMPLETION_INDEX", "3"), WantErr: "JOB_COMPLETIONS is not"},
		{Name: "KubernetesOutOfRange", Input: "auto", Env: env("JOB_COMPLETION_INDEX", "8", "JOB_COMPLETIONS", "8"), WantErr: "from 0 to 7"},
		{Name: "KubernetesBadNumber", Input: "auto", Env: env("JOB_COMPLETION_INDEX", "x", "JOB_COMPLETIONS", "8"), WantErr: "not a number"},
		{Name: "Slurm", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "3", "SLURM_ARRAY_TASK_STEP", "1"), Want: Spec{2, 4}},
		{Name: "SlurmFromOne", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "4"), Want: Spec{3, 4}},
		{Name: "SlurmStep", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_STEP", "2"), WantErr: "step 2"},
		{Name: "SlurmGaps", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "5"), WantErr: "not 3 contiguous"},
		{Name: "SlurmNoCount", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "1"), WantErr: "SLURM_ARRAY_TASK_COUNT is not"},
		{Name: "SlurmShards", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "8", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "7", "SHARDS", "8"), Want: Spec{2, 8}},
		{Name: "SlurmShardsRetryOne", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "1", "SLURM_ARRAY_TASK_MIN", "3", "SLURM_ARRAY_TASK_MAX", "3", "SHARDS", "8"), Want: Spec{3, 8}},
		{Name: "SlurmShardsRetrySome", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "2", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_MAX", "5", "SLURM_ARRAY_TASK_STEP", "4", "SHARDS", "8"), Want: Spec{5, 8}},
		{Name: "SlurmShardsOutOfRange", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_COUNT", "1", "SHARDS", "8"), WantErr: "from 0 to 7"},
		{Name: "SlurmShardsBadNumber", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "1", "SHARDS", "eight"), WantErr: "SHARDS=\"eight\" is not a number"},
		{Name: "SlurmOneTaskNotZero", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "1", "SLURM_ARRAY_TASK_MIN", "3", "SLURM_ARRAY_TASK_MAX", "3"), WantErr: "export SHARDS=N"},
		{Name: "SlurmOneTaskZero", Input: "auto", Env: env("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "1", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "0"), Want: Spec{0, 1}},
		{Name: "KubernetesIgnoresShards", Input: "auto", Env: env("JOB_COMPLETION_INDEX", "1", "JOB_COMPLETIONS", "2", "SHARDS", "8"), Want: Spec{1, 2}},
		{Name: "KubernetesFirst", Input: "auto", Env: env("JOB_COMPLETION_INDEX", "1", "JOB_COMPLETIONS", "2", "SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "5"), Want: Spec{1, 2}},
		{Name: "AutoWithoutScheduler", Input: "auto", Env: env(), WantErr: "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			getenv := tt.Env
			if getenv == nil {
				getenv = env()
			}
			got, err := Parse(tt.Input, getenv)
			if tt.WantErr != "" {
				if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.WantErr) {
					t.Fatalf("Parse(%q) error = %v, want one with %q", tt.Input, err, tt.WantErr)
				}
				return
			}
			if err != nil || got != tt.Want {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tt.Input, got, err, tt.Want)
			}
		})
	}
}

func inputs(sizes ...int64) []archive.Input {
	var out []archive.Input
	for i, s := range sizes {
		out = append(out, archive.Input{Source: fmt.Sprintf("site/a%02d.zip", i), Size: s})
	}
	return out
}

func loads(ins []archive.Input, assign []int, n int) []int64 {
	l := make([]int64, n)
	for i, s := range assign {
		l[s] += max(ins[i].Size, 0)
	}
	return l
}

func TestAssignBySizeBalancesBytes(t *testing.T) {
	// One big archive and many small ones: LPT gives the big one a shard
	// of its own and spreads the rest over the others.
	ins := inputs(100, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)
	got := loads(ins, Assign(ins, 4, BySize), 4)
	if want := []int64{100, 100, 100, 100}; !slices.Equal(got, want) {
		t.Errorf("bytes per shard = %v, want %v", got, want)
	}
}

func TestAssignKnownLPT(t *testing.T) {
	ins := inputs(7, 5, 4, 3, 3, 2, -1)
	got := Assign(ins, 3, BySize)
	// Largest first, each to the shard with the fewest bytes, the lowest
	// index on a tie: 7->0 (7,0,0); 5->1 (7,5,0); 4->2 (7,5,4);
	// 3->2 (7,5,7); 3->1 (7,8,7); 2->0 (9,8,7); and the dangling link
	// (size -1, counted as 0) last -> 2.
	want := []int{0, 1, 2, 2, 1, 0, 2}
	if !slices.Equal(got, want) {
		t.Errorf("Assign = %v, want %v", got, want)
	}
}

func TestAssignIsAPartitionIndependentOfOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var ins []archive.Input
	for i := range 200 {
		ins = append(ins, archive.Input{Source: fmt.Sprintf("site/%03d.tar.gz", i), Size: r.Int64N(1000)})
	}
	for _, by := range Methods {
		for _, n := range []int{1, 2, 3, 7, 250} {
			a := Assign(ins, n, by)
			seen := 0
			for s := range n {
				seen += len(Select(ins, Spec{s, n}, by))
			}
			if seen != len(ins) {
				t.Errorf("%s/%d: shards hold %d inputs, want %d", by, n, seen, len(ins))
			}
			// Shuffled input order: every source keeps its shard.
			perm := r.Perm(len(ins))
			shuffled := make([]archive.Input, len(ins))
			for i, p := range perm {
				shuffled[i] = ins[p]
			}
			b := Assign(shuffled, n, by)
			for i, p := range perm {
				if b[i] != a[p] {
					t.Fatalf("%s/%d: %s in shard %d, after shuffling %d", by, n, ins[p].Source, a[p], b[i])
				}
			}
		}
	}
}

func TestAssignByHashIsStableWhenInputsAreAdded(t *testing.T) {
	ins := inputs(5, 50, 500, 5000, 7, 70)
	before := Assign(ins, 4, ByHash)
	more := append(inputs(5, 50, 500, 5000, 7, 70), archive.Input{Source: "site/new.zip", Size: 1 << 30})
	after := Assign(more, 4, ByHash)
	if !slices.Equal(before, after[:len(before)]) {
		t.Errorf("an added archive moved others: %v -> %v", before, after)
	}
}

func TestParseBy(t *testing.T) {
	for _, s := range []string{"size", "hash"} {
		if b, err := ParseBy(s); err != nil || string(b) != s {
			t.Errorf("ParseBy(%q) = %q, %v", s, b, err)
		}
	}
	if _, err := ParseBy("count"); err == nil {
		t.Error("ParseBy(count) did not fail")
	}
}
