// Package progress draws a one-line progress bar on a terminal.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Bar is a progress bar on w, redrawn at most every 100 ms. A nil *Bar
// draws nothing, so callers need not check for a terminal twice.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int
	done  int
	last  time.Time
}

// New returns a bar when tty is true, nil otherwise.
func New(w io.Writer, tty bool, label string, total int) *Bar {
	if !tty || total == 0 {
		return nil
	}
	b := &Bar{w: w, label: label, total: total}
	b.draw()
	return b
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
	const width = 30
	filled := width * b.done / b.total
	fmt.Fprintf(b.w, "\r\x1b[K%s [%s%s] %d/%d", b.label, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), b.done, b.total)
	b.last = time.Now()
}
