package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestBarCountsBeforeAndAfterItsTotalIsKnown(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, true, "Auditing accounts")
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(b.Add) // workers finish while discovery is still running
	}
	wg.Wait()
	if !strings.Contains(out.String(), "discovering") {
		t.Errorf("before the total: %q", out.String())
	}
	b.SetTotal(12)
	b.Add()
	b.Add()
	if !strings.HasSuffix(out.String(), "Auditing accounts ["+strings.Repeat("#", 30)+"] 12/12") {
		t.Errorf("finished bar: %q", out.String()[max(0, out.Len()-80):])
	}
	b.Finish()
	if !strings.HasSuffix(out.String(), "\r\x1b[K") {
		t.Error("Finish must clear the line")
	}
	if New(&out, false, "x") != nil {
		t.Error("no bar without a terminal")
	}
	var none *Bar
	none.Add() // a nil bar is a no-op
	none.SetTotal(3)
}
