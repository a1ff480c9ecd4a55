package sdkstack

import (
	"sync"
	"sync/atomic"
	"testing"
)

// deep stands in for an SDK call: 80 frames of 256 bytes, 20 KiB deep.
//
//go:noinline
func deep(d int) int {
	var x [256]byte
	x[d%256] = byte(d)
	if d == 0 {
		return int(x[0])
	}
	return deep(d-1) + int(x[d%256])
}

func TestGoRunsEachFunctionOnceAndWaitWaitsForIt(t *testing.T) {
	var wg sync.WaitGroup
	var sum atomic.Int64
	for range 8 {
		Go(&wg, func() { sum.Add(int64(deep(80))) })
	}
	wg.Wait()
	if want := int64(8 * deep(80)); sum.Load() != want {
		t.Errorf("sum %d, want %d", sum.Load(), want)
	}
}
