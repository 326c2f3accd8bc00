// Package shard splits the outermost inputs of an analysis into N static
// shards, so that N processes (a Kubernetes Indexed Job, a Slurm array, or
// N machines by hand) each analyze one shard, and "siftload merge" joins
// their candidate files into the plan one process would have written.
//
// A partition is a pure function of the sorted list of inputs (source and
// size), N and the method: every process that lists the same inputs
// computes the same partition without talking to the others. Two methods:
//
//   - BySize (the default) balances bytes: inputs sorted by size (largest
//     first, then by source) are dealt one by one to the shard with the
//     fewest bytes so far, the lowest index on a tie (the LPT rule, which
//     is within 4/3 of the best possible makespan). Archive sizes of a
//     site vary widely (a yearly backup beside daily exports), and a shard
//     that draws the big ones would finish long after the others.
//   - ByHash puts an input in shard FNV-1a(source) mod N. An input's shard
//     then depends on nothing but its own source and N, so adding or
//     removing other archives never moves it; shards are balanced by count
//     only on average.
//
// Either way the candidate files record the settings fingerprint, which
// covers the whole input list, so merge refuses parts computed from
// different lists.
package shard

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/siftload/siftload/internal/archive"
)

// Spec names one shard: Index from 0 to Count-1.
type Spec struct {
	Index, Count int
}

// String returns "I/N".
func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ErrSpec marks a malformed shard specification or environment.
var ErrSpec = errors.New("shard")

func specErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSpec, fmt.Sprintf(format, args...))
}

// Parse reads "I/N" (0 <= I < N), or "auto", which takes I and N from the
// environment that getenv reads:
//
//   - Kubernetes Indexed Job: JOB_COMPLETION_INDEX (set by Kubernetes) and
//     JOB_COMPLETIONS (not set by Kubernetes: the manifest must set it to
//     the Job's spec.completions);
//   - Slurm job array with SHARDS=N exported (what deploy/slurm does):
//     shard SLURM_ARRAY_TASK_ID of N. The array may be any subset of 0 to
//     N-1, so "sbatch --array=3" re-runs shard 3 alone; the task count
//     and bounds of the array are not used.
//   - Slurm job array without SHARDS: SLURM_ARRAY_TASK_ID minus
//     SLURM_ARRAY_TASK_MIN (0 when unset), of SLURM_ARRAY_TASK_COUNT. The
//     array's indices must be contiguous with step 1 ("--array=0-7",
//     "--array=1-8%4"). An array of one task whose ID is not 0 (what
//     "sbatch --array=3" makes to re-run a task) is refused: its count is
//     1, so it would analyze every input as shard 0/1; export SHARDS.
//
// Kubernetes wins when both are set. SHARDS is read for Slurm only.
func Parse(s string, getenv func(string) string) (Spec, error) {
	if s == "auto" {
		return fromEnv(getenv)
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Spec{}, specErr("%q: want I/N (such as 0/4) or auto", s)
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil {
		return Spec{}, specErr("%q: want I/N (such as 0/4) or auto", s)
	}
	return check(Spec{i, n}, s)
}

func check(sp Spec, what string) (Spec, error) {
	switch {
	case sp.Count < 1:
		return Spec{}, specErr("%s: the number of shards must be at least 1", what)
	case sp.Index < 0 || sp.Index >= sp.Count:
		return Spec{}, specErr("%s: the index must be from 0 to %d", what, sp.Count-1)
	}
	return sp, nil
}

func fromEnv(getenv func(string) string) (Spec, error) {
	// num reads the number in variable name and whether it is set (a
	// malformed number counts as set).
	num := func(name string) (int, bool, error) {
		v := getenv(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, true, specErr("auto: %s=%q is not a number", name, v)
		}
		return n, true, nil
	}
	if idx, ok, err := num("JOB_COMPLETION_INDEX"); ok {
		if err != nil {
			return Spec{}, err
		}
		n, ok, err := num("JOB_COMPLETIONS")
		if err != nil {
			return Spec{}, err
		}
		if !ok {
			return Spec{}, specErr("auto: JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not; Kubernetes does not set it: add it to the container's env with the Job's spec.completions")
		}
		return check(Spec{idx, n}, fmt.Sprintf("auto (JOB_COMPLETION_INDEX=%d, JOB_COMPLETIONS=%d)", idx, n))
	}
	if id, ok, err := num("SLURM_ARRAY_TASK_ID"); ok {
		if err != nil {
			return Spec{}, err
		}
		if n, ok, err := num("SHARDS"); ok {
			if err != nil {
				return Spec{}, err
			}
			return check(Spec{id, n}, fmt.Sprintf("auto (SLURM_ARRAY_TASK_ID=%d, SHARDS=%d)", id, n))
		}
		n, ok, err := num("SLURM_ARRAY_TASK_COUNT")
		if err != nil {
			return Spec{}, err
		}
		if !ok {
			return Spec{}, specErr("auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")
		}
		lo, _, err := num("SLURM_ARRAY_TASK_MIN")
		if err != nil {
			return Spec{}, err
		}
		if step, ok, err := num("SLURM_ARRAY_TASK_STEP"); err != nil {
			return Spec{}, err
		} else if ok && step != 1 {
			return Spec{}, specErr("auto: the Slurm array has step %d; use contiguous indices (--array=0-%d)", step, n-1)
		}
		if hi, ok, err := num("SLURM_ARRAY_TASK_MAX"); err != nil {
			return Spec{}, err
		} else if ok && hi-lo+1 != n {
			return Spec{}, specErr("auto: the Slurm array's indices %d-%d are not %d contiguous tasks; use --array=0-%d", lo, hi, n, n-1)
		}
		if n == 1 && lo != 0 {
			return Spec{}, specErr("auto: the Slurm array has the one task %d, which would analyze every input as shard 0/1; export SHARDS=N (the shard count of the whole analysis) to re-run shard %d alone", id, id)
		}
		return check(Spec{id - lo, n}, fmt.Sprintf("auto (SLURM_ARRAY_TASK_ID=%d, SLURM_ARRAY_TASK_MIN=%d, SLURM_ARRAY_TASK_COUNT=%d)", id, lo, n))
	}
	return Spec{}, specErr("auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set; give --shard I/N")
}

// By is a partition method.
type By string

// Partition methods; see the package comment.
const (
	BySize By = "size"
	ByHash By = "hash"
)

// Methods lists the partition methods, the default first.
var Methods = []By{BySize, ByHash}

// ParseBy returns the method named s.
func ParseBy(s string) (By, error) {
	for _, b := range Methods {
		if string(b) == s {
			return b, nil
		}
	}
	return "", specErr("partition %q: want size or hash", s)
}

// Assign returns the shard (0 to n-1) of every input, by method by. It
// depends only on the inputs' sources and sizes (not their order), n and
// by.
func Assign(inputs []archive.Input, n int, by By) []int {
	out := make([]int, len(inputs))
	if n <= 1 {
		return out
	}
	if by == ByHash {
		for i, in := range inputs {
			h := fnv.New64a()
			h.Write([]byte(in.Source))
			out[i] = int(h.Sum64() % uint64(n))
		}
		return out
	}
	order := make([]int, len(inputs))
	for i := range order {
		order[i] = i
	}
	size := func(i int) int64 { return max(inputs[i].Size, 0) }
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(size(b), size(a)); c != 0 {
			return c
		}
		return cmp.Compare(inputs[a].Source, inputs[b].Source)
	})
	load := make([]int64, n)
	for _, i := range order {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		out[i] = best
		load[best] += size(i)
	}
	return out
}

// Select returns the inputs of shard sp, in their order.
func Select(inputs []archive.Input, sp Spec, by By) []archive.Input {
	var out []archive.Input
	for i, s := range Assign(inputs, sp.Count, by) {
		if s == sp.Index {
			out = append(out, inputs[i])
		}
	}
	return out
}
