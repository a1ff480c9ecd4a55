package awsconfig

import (
	"testing"
	"time"
)

func TestFullJitterStaysUnderItsCeiling(t *testing.T) {
	j := fullJitter{base: RetryBase, max: RetryMaxBackoff}
	for attempt, ceiling := range map[int]time.Duration{
		1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 4: 2 * time.Second, 7: 16 * time.Second, 8: 20 * time.Second, 60: 20 * time.Second,
	} {
		var longest time.Duration
		for range 2000 {
			d, err := j.BackoffDelay(attempt, nil)
			if err != nil || d < 0 || d > ceiling {
				t.Fatalf("attempt %d: delay %s (err %v) outside [0, %s]", attempt, d, err, ceiling)
			}
			longest = max(longest, d)
		}
		if longest < ceiling/2 {
			t.Errorf("attempt %d: longest of 2,000 delays %s: the jitter does not spread up to %s", attempt, longest, ceiling)
		}
	}
}
