// Package clock holds the one way rootguard waits: a sleep that ends early
// when its context does.
package clock

import (
	"context"
	"time"
)

// Sleep pauses for d, or until ctx is done if that comes first; then it
// returns ctx's error, so a cancelled run stops waiting at once.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
