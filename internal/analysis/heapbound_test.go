package analysis

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestBoundHeap checks the analysis's soft memory limit: HeapFloor while
// little is live, heapHeadroom times the live heap once more is, the
// previous limit after, and no change when GOMEMLIMIT is set.
func TestBoundHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Setenv("GOMEMLIMIT", "")
	release := BoundHeap()
	if got := debug.SetMemoryLimit(-1); got != HeapFloor {
		t.Errorf("limit during an analysis = %d, want HeapFloor %d", got, HeapFloor)
	}
	big := make([]byte, 2*HeapFloor)
	for i := range big {
		big[i] = 1 // in use, not left to the OS
	}
	want := int64(heapHeadroom * len(big))
	var got int64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		if got = debug.SetMemoryLimit(-1); got >= want {
			break
		}
	}
	runtime.KeepAlive(big)
	if got < want {
		t.Errorf("limit with %d bytes live = %d, want at least %d", len(big), got, want)
	}
	release()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit after the analysis = %d, want the previous %d", got, prev)
	}

	t.Setenv("GOMEMLIMIT", "1GiB")
	BoundHeap()()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit with GOMEMLIMIT set = %d, want it untouched (%d)", got, prev)
	}
}
