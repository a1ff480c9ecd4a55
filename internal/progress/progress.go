// Package progress draws a one-line progress bar on a terminal.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Bar is a progress bar on w, redrawn at most every 100 ms. Its total may
// be learnt while work is already finishing (accounts are audited while
// discovery is still listing them): until then it counts without a bar.
// A nil *Bar draws nothing, so callers need not check for a terminal twice.
// Every method is safe for concurrent use.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int // 0: not known yet
	done  int
	last  time.Time
}

// New returns a bar when tty is true, nil otherwise.
func New(w io.Writer, tty bool, label string) *Bar {
	if !tty {
		return nil
	}
	b := &Bar{w: w, label: label}
	b.draw()
	return b
}

// SetTotal records how many items there are.
func (b *Bar) SetTotal(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = n
	b.draw()
}

// Add records one more finished item.
func (b *Bar) Add() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done++
	if b.done == b.total || time.Since(b.last) >= 100*time.Millisecond {
		b.draw()
	}
}

// Finish clears the bar's line.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprint(b.w, "\r\x1b[K")
}

func (b *Bar) draw() {
	b.last = time.Now()
	if b.total == 0 {
		fmt.Fprintf(b.w, "\r\x1b[K%s: %d done, discovering…", b.label, b.done)
		return
	}
	const width = 30
	filled := width * min(b.done, b.total) / b.total
	fmt.Fprintf(b.w, "\r\x1b[K%s [%s%s] %d/%d", b.label, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), b.done, b.total)
}
