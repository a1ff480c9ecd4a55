package scheduler

import (
	"testing"
	"time"
)

// FuzzParseExpression: any ScheduleExpression a caller sends either fails
// to parse or yields times strictly after the instant asked, in order, in
// bounded time.
func FuzzParseExpression(f *testing.F) {
	for _, seed := range []string{
		"rate(5 minutes)", "rate(1 day)", "cron(0 10 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)",
		"cron(0 0 LW * ? *)", "cron(0 9 ? * 6L 2027-2030)", "cron(0 9 ? * 3#2 *)", "cron(0 0 15W * ? *)",
		"at(2027-01-01T00:00:00)", "cron(5,10/7 1-3,22 1-31/2 JAN-MAR,12 ? 2199)",
	} {
		f.Add(seed)
	}
	from := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := ParseExpression(expr)
		if err != nil {
			return
		}
		for _, loc := range []*time.Location{time.UTC, ny} {
			at := from
			for range 3 {
				next, ok := e.Next(at, from, loc)
				if !ok {
					break
				}
				if !next.After(at) {
					t.Fatalf("%q in %s: Next(%s) = %s, not after it", expr, loc, at, next)
				}
				at = next
			}
		}
	})
}
