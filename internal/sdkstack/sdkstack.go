// Package sdkstack starts the goroutines that make AWS SDK calls with their
// stack grown once, before their first frame.
//
// A goroutine starts with a small stack (2 KiB, or the runtime's running
// average of all goroutines, kept small by the HTTP transport's connection
// goroutines) and doubles it whenever a call runs out of room, copying
// and re-pointing every frame each time (runtime.copystack). One SDK
// operation runs through some 60 middleware frames and the endpoint rules
// engine, about 20 KiB deep, so every goroutine that makes one copied its
// stack three or four times, deeper each time: 10 % of the client's CPU in
// a 10,000-account organization audit (BENCHMARKS.md). Growing the stack
// once, while it is empty, costs one allocation and a copy of nothing.
package sdkstack

import "sync"

// Go runs f in a new goroutine of wg with a stack that fits an SDK call.
func Go(wg *sync.WaitGroup, f func()) {
	wg.Go(func() {
		Grow()
		f()
	})
}

// Grow grows the calling goroutine's stack to fit an SDK call: the frame
// of grow does not fit below 32 KiB, so the runtime sizes the new stack
// for it in one step, and the stack keeps that size after grow returns.
func Grow() { grow(0) }

// callDepth is a little more than an SDK call's stack.
const callDepth = 20 << 10

//go:noinline
func grow(i int) byte {
	var frame [callDepth]byte
	return read(&frame, i) // so that the compiler keeps the frame
}

//go:noinline
func read(frame *[callDepth]byte, i int) byte { return frame[i] }
