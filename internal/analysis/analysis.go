// Package analysis measures every data file of a site's archives: it walks
// the inputs with bounded workers, reads each data member once as a stream,
// and in that one pass hashes it, counts its CSV records and feeds the
// metric. The result is the list of candidates and the list of problems,
// both sorted, so that they are identical for any number of workers.
package analysis

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/siftload/siftload/internal/archive"
	"github.com/siftload/siftload/internal/metric"
	"github.com/siftload/siftload/internal/plan"
	"github.com/siftload/siftload/internal/problem"
	"github.com/siftload/siftload/internal/record"
	"github.com/siftload/siftload/internal/rowcount"
)

// Options configure an analysis.
type Options struct {
	Workers  int           // inputs analyzed at once; < 1 means 1
	Metric   metric.Metric // what "fullest" means
	NoHeader bool          // count every record, not records after the first
	// Delimiter separates fields; 0 sniffs it per file, as import does
	// (rowcount.SniffDelimiter). Counting depends on it.
	Delimiter byte
	// MaxRecordBytes is the record size limit (0: the import default,
	// record.DefaultMaxRecordBytes; < 0: none): a longer record is a
	// problem, as it is at import.
	MaxRecordBytes int64
	// KeyRegex, when set, derives each key from the source: the named
	// group "key", or the whole match. A source it does not match is a
	// problem.
	KeyRegex *regexp.Regexp
	// Walker opens the inputs; its Problem and Stats fields are set by Run.
	Walker archive.Walker
	// Progress, when set, is told how many input bytes are done.
	Progress func(n int64)
	// Cache, when set, gives the candidates of the inputs it holds and
	// keeps those of the inputs read (see Cache).
	Cache *Cache
	// Chooser, when set, is given every candidate as its input is done,
	// and Result.Candidates stays empty: the analysis then holds the
	// candidates of the inputs being read only, and its memory grows
	// with the keys, not the versions.
	Chooser *plan.Chooser
	// Keep, when set with Chooser, is given each input's candidates too,
	// one input at a time (e.g. a plan.Spill for the candidates file);
	// its error stops the analysis.
	Keep func([]plan.Candidate) error
}

// Stats summarise an analysis.
type Stats struct {
	Inputs     int   // outermost files
	InputBytes int64 // their size on disk
	Archives   int64
	Members    int64
	DataFiles  int64
	Skipped    int64 // members that are not data files
	DataBytes  int64 // decompressed bytes of the data files
	Cached     int   // inputs whose candidates came from the cache (not counted in Archives, Members, Skipped)
	Keys       int   // set by the caller, which chooses the plan
	Elapsed    time.Duration
}

// Result is what an analysis found.
type Result struct {
	Candidates []plan.Candidate // sorted by key, then source; none with Options.Chooser
	Problems   []*problem.Error // sorted by source, then reason
	Stats      Stats
}

// bufPool holds the copy buffers of the hot path: one per worker at a time.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Run analyzes inputs. It returns an error only when the analysis as a
// whole could not go on (ctx canceled); a bad archive or member is a
// problem in the Result and the rest is still analyzed.
func Run(ctx context.Context, inputs []archive.Input, opts Options) (*Result, error) {
	start := time.Now()
	defer BoundHeap()()
	if opts.Metric == nil {
		opts.Metric, _ = metric.Lookup(metric.Default)
	}
	workers := max(opts.Workers, 1)

	var (
		mu       sync.Mutex
		problems []*problem.Error
		stats    archive.Stats
	)
	report := func(p *problem.Error) {
		mu.Lock()
		problems = append(problems, p)
		mu.Unlock()
	}
	w := opts.Walker
	w.Problem = report
	w.Stats = &stats

	// Largest inputs first, so one big archive does not start last and
	// leave the other workers idle at the end. Results go to per-input
	// slots, so the output order never depends on the workers.
	order := make([]int, len(inputs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(inputs[b].Size, inputs[a].Size) })
	var found [][]plan.Candidate
	if opts.Chooser == nil {
		found = make([][]plan.Candidate, len(inputs))
	}
	var dataBytes int64
	// done takes the candidates of an input that is done: into its slot,
	// or into the Chooser.
	done := func(i int, cands []plan.Candidate) error {
		mu.Lock()
		defer mu.Unlock()
		for j := range cands {
			dataBytes += cands[j].Bytes
		}
		if opts.Chooser == nil {
			found[i] = cands
			return nil
		}
		for j := range cands {
			opts.Chooser.Add(&cands[j])
		}
		if opts.Keep != nil {
			return opts.Keep(cands)
		}
		return nil
	}
	cache := opts.Cache
	if cache != nil {
		if err := cache.open(); err != nil {
			return nil, err
		}
	}
	var cachedFiles atomic.Int64

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var inputBytes int64
	for _, i := range order {
		in := inputs[i]
		inputBytes += in.Size
		g.Go(func() error {
			var ci *cacheInput
			var cands []plan.Candidate
			if cache != nil {
				var ok bool
				if ci, cands, ok = cache.get(in); ok {
					cachedFiles.Add(int64(len(cands)))
					if opts.Progress != nil {
						opts.Progress(in.Size)
					}
					return done(i, cands)
				}
			}
			// The input's own walker counts its problems: an input with
			// problems is not cached.
			var nprob int
			wi := w
			wi.Problem = func(p *problem.Error) {
				mu.Lock()
				problems = append(problems, p)
				nprob++
				mu.Unlock()
			}
			err := wi.WalkInput(gctx, in, func(ctx context.Context, e archive.Entry) error {
				c, ps, err := measure(ctx, e, opts)
				for _, p := range ps {
					wi.Problem(p)
				}
				if err != nil {
					if pe := problem.As(err); pe != nil {
						wi.Problem(pe)
						return nil
					}
					return err
				}
				cands = append(cands, c)
				return nil
			})
			if opts.Progress != nil {
				opts.Progress(in.Size)
			}
			if err == nil && cache != nil {
				mu.Lock()
				n := nprob
				mu.Unlock()
				cache.put(in, ci, cands, n)
			}
			if err == nil {
				err = done(i, cands)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	cached := 0
	if cache != nil {
		cache.prune(ctx)
		cached = cache.hits
	}

	var cands []plan.Candidate
	for _, f := range found {
		cands = append(cands, f...)
	}
	plan.SortCandidates(cands)
	SortProblems(problems)
	return &Result{
		Candidates: cands,
		Problems:   problems,
		Stats: Stats{
			Inputs:     len(inputs),
			InputBytes: inputBytes,
			Archives:   stats.Archives.Load(),
			Members:    stats.Members.Load(),
			DataFiles:  stats.DataFiles.Load() + cachedFiles.Load(),
			Skipped:    stats.Skipped.Load(),
			DataBytes:  dataBytes,
			Cached:     cached,
			Elapsed:    time.Since(start),
		},
	}, nil
}

// SortProblems sorts problems by source, then reason.
func SortProblems(ps []*problem.Error) {
	slices.SortStableFunc(ps, func(a, b *problem.Error) int {
		if c := cmp.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return cmp.Compare(a.Err.Error(), b.Err.Error())
	})
}

// measure reads one data file once: sha256 and byte count of the raw
// bytes, records (after BOM/UTF-16 decoding) and the metric of the text.
// Besides the candidate it returns the file's problems that do not keep it
// from being a candidate (an unclosed quote, a record over the limit):
// the candidate carries a warning, and the problem stops run before
// import.
func measure(ctx context.Context, e archive.Entry, opts Options) (plan.Candidate, []*problem.Error, error) {
	key := e.Key
	if opts.KeyRegex != nil {
		k, ok := KeyFromSource(opts.KeyRegex, e.Source)
		if !ok {
			return plan.Candidate{}, nil, problem.New(e.Source, 0, fmt.Errorf("source does not match the key expression %q", opts.KeyRegex))
		}
		key = k
	}
	rc, err := e.Open()
	if err != nil {
		return plan.Candidate{}, nil, err
	}
	defer rc.Close()

	h := sha256.New()
	max := opts.MaxRecordBytes
	if max == 0 {
		max = record.DefaultMaxRecordBytes
	}
	counter := &rowcount.Counter{Delimiter: opts.Delimiter, MaxRecordBytes: max, NoBOM: true}
	var check rowcount.UTF8Check
	var text io.Writer = io.MultiWriter(counter, &check)
	m := opts.Metric.New()
	if m != nil {
		text = io.MultiWriter(counter, &check, m)
	}
	tw := rowcount.NewText(text)
	var n int64
	if useAhead(e.Size) {
		// A big member: inflate on one core, hash and count on another.
		n, err = copyAhead(io.MultiWriter(h, tw), onlyReader{rc})
	} else {
		bp := bufPool.Get().(*[]byte)
		defer bufPool.Put(bp)
		n, err = io.CopyBuffer(io.MultiWriter(h, tw), onlyReader{rc}, *bp)
	}
	if err == nil {
		err = ctx.Err()
	}
	cerr := tw.Close()
	check.Close()
	var merr error
	if m != nil {
		merr = m.Close()
	}
	if err != nil {
		return plan.Candidate{}, nil, err
	}
	if cerr != nil {
		return plan.Candidate{}, nil, problem.New(e.Source, 0, fmt.Errorf("decode text: %w", cerr))
	}
	if merr != nil {
		return plan.Candidate{}, nil, problem.New(e.Source, 0, fmt.Errorf("metric %s: %w", opts.Metric.Name(), merr))
	}
	rows := counter.Rows(!opts.NoHeader)
	cand := plan.Candidate{
		Key:    key,
		Source: e.Source,
		Rows:   rows,
		Bytes:  n,
		SHA256: hex.EncodeToString(h.Sum(nil)),
		Value:  opts.Metric.Value(rows, n, m),
	}
	var probs []*problem.Error
	var p *problem.Error
	cand.Warnings, p = warnings(e.Source, counter, &check, tw, opts.NoHeader)
	if p != nil {
		probs = append(probs, p)
	}
	return cand, probs, nil
}

// warnings returns a file's warnings, always in the same order (unclosed
// quote, field counts, non-UTF-8 text, UTF-16 guess, mixed line endings),
// and the counter's error as import would report it: the data record
// (numbered as import numbers it, the header 0) and the reason.
func warnings(source string, c *rowcount.Counter, check *rowcount.UTF8Check, tw *rowcount.Text, noHeader bool) ([]string, *problem.Error) {
	var ws []string
	var p *problem.Error
	var re *rowcount.RecordError
	if cerr := c.Err(); errors.As(cerr, &re) {
		n := re.Record
		if !noHeader {
			n-- // the header is record 0 to import
		}
		reason := re.Err
		if n == 0 {
			reason = fmt.Errorf("header: %w", re.Err)
		}
		p = problem.New(source, n, reason)
		if errors.Is(cerr, rowcount.ErrUnclosedQuote) {
			ws = append(ws, plan.WarnUnclosedQuote(n))
		}
	}
	if n, first := c.FieldCounts(); n > 0 {
		if !noHeader {
			first-- // numbered as import and problems number it
		}
		ws = append(ws, plan.WarnFieldCount(n, first))
	}
	if !check.Valid() {
		ws = append(ws, plan.WarnNonUTF8)
	}
	if tw.Guessed() {
		ws = append(ws, plan.WarnUTF16Guess)
	}
	if c.MixedLineEndings() {
		ws = append(ws, plan.WarnMixedLineEndings)
	}
	return ws, p
}

// onlyReader hides WriterTo so that io.CopyBuffer uses our pooled buffer
// and every read error surfaces from Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// KeyFromSource applies a --key expression to a source: the named group
// "key" when the expression has one, otherwise the whole match.
func KeyFromSource(re *regexp.Regexp, source string) (string, bool) {
	m := re.FindStringSubmatchIndex(source)
	if m == nil {
		return "", false
	}
	if i := re.SubexpIndex("key"); i >= 0 && m[2*i] >= 0 {
		return source[m[2*i]:m[2*i+1]], true
	}
	return source[m[0]:m[1]], true
}
