package deploy

import (
	"testing"
	"time"
)

// TestPollDelayStartsShortThenPolls: a stack is re-read after 250 ms, then
// ever less often, and from the poll on at the poll; a poll shorter than
// 250 ms is never exceeded.
func TestPollDelayStartsShortThenPolls(t *testing.T) {
	var got []time.Duration
	for n := range 8 {
		got = append(got, pollDelay(n, 5*time.Second))
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delays %v, want %v", got, want)
		}
	}
	if d := pollDelay(100, 5*time.Second); d != 5*time.Second {
		t.Errorf("after 100 reads: %s, want the poll", d)
	}
	if d := pollDelay(0, 20*time.Millisecond); d != 20*time.Millisecond {
		t.Errorf("a 20 ms poll waits %s at first", d)
	}
}
