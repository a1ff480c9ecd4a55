package slackmsg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rootguard/rootguard/internal/alertevent"
)

// BenchmarkRenderEvent is the per-event cost in the function: parse the
// raw EventBridge event, render it, encode the body.
func BenchmarkRenderEvent(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(eventFixtures, "console-login-failure.json"))
	if err != nil {
		b.Fatal(err)
	}
	cfg := alertevent.DefaultConfig()
	for b.Loop() {
		if _, err := Body(Event(alertevent.Parse(raw, cfg))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSummary500 renders one summary of 500 parsed events.
func BenchmarkRenderSummary500(b *testing.B) {
	ev := parseFixture(b, "console-login-failure")
	evs := make([]alertevent.Event, 500)
	for i := range evs {
		evs[i] = ev
	}
	for b.Loop() {
		if _, err := Body(Summary(evs)); err != nil {
			b.Fatal(err)
		}
	}
}
