package analysis

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// HeapFloor is the soft memory limit (debug.SetMemoryLimit) that an
// analysis sets while it runs, unless GOMEMLIMIT is set: the Go runtime
// may use this much before it must collect, however little is live.
//
// Why: the live heap of an analysis is small (the keys' choices, the
// inputs' list, the workers' buffers: 5 to 25 MiB from 5,000 to 100,000
// small snapshots), and siftload runs with GOGC=400 (cmd/siftload: it
// made the import faster), so the heap alone grows to five times what is
// live before a collection. Peak RSS then followed the live heap times
// five, which grows with the inputs, not the keys. With the limit the
// heap stays under HeapFloor while the live heap is small; once more is
// live (a coverage check holding every version), the limit follows it at
// heapHeadroom times the live heap, so the collector never runs for
// nothing.
const HeapFloor = 64 << 20

// heapHeadroom times the live heap is the limit once that is above
// HeapFloor: the heap Go's default GOGC=100 allows. (3 let the analysis
// of 100,000 small snapshots, 3.8 M versions, reach 313 MiB of RSS with
// about 78 MiB live in the coverage check: bench/RESULTS.md.)
const heapHeadroom = 2

// heapBound is the limit's state: the analyses that run (run --config
// may run several sites at once) and the limit before the first.
var heapBound struct {
	mu    sync.Mutex
	users int
	prev  int64
	armed bool // a heapHook waits for the next collection
}

// BoundHeap sets the limit for an analysis and returns its release,
// which restores the previous limit once no analysis runs. Run calls it;
// a caller calls it too to bound what it does before and after Run
// (listing the inputs, writing the outputs). Calls nest.
func BoundHeap() (release func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	heapBound.mu.Lock()
	defer heapBound.mu.Unlock()
	heapBound.users++
	if heapBound.users == 1 {
		heapBound.prev = debug.SetMemoryLimit(HeapFloor)
		if !heapBound.armed {
			heapBound.armed = true
			runtime.SetFinalizer(&heapHook{}, onCollection)
		}
	}
	return func() {
		heapBound.mu.Lock()
		defer heapBound.mu.Unlock()
		heapBound.users--
		if heapBound.users == 0 {
			debug.SetMemoryLimit(heapBound.prev)
		}
	}
}

// heapHook is an object whose finalizer runs after each collection while
// an analysis runs (a finalizer that sets itself again is run again
// after the next collection).
type heapHook struct{ _ *byte } // a pointer: not from the tiny allocator, so freed on its own

var liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// onCollection moves the limit to heapHeadroom times the live heap (at
// least HeapFloor), or stops when no analysis runs.
func onCollection(h *heapHook) {
	heapBound.mu.Lock()
	defer heapBound.mu.Unlock()
	if heapBound.users == 0 {
		heapBound.armed = false
		return
	}
	metrics.Read(liveSample)
	limit := int64(HeapFloor)
	if v := liveSample[0].Value; v.Kind() == metrics.KindUint64 {
		limit = max(limit, heapHeadroom*int64(v.Uint64()))
	}
	debug.SetMemoryLimit(limit)
	runtime.SetFinalizer(h, onCollection)
}
