package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/scheduler"
	"github.com/rootguard/rootguard/internal/schedule"
)

// The posture command's reading of a schedule expression and the local
// AWS's are written separately on purpose: the local AWS models EventBridge
// Scheduler from its documentation and must not share this package's
// assumptions. This test holds them to each other — every cron() one
// accepts the other accepts, and both fire at the same times — so that a
// misreading of the documented syntax shows up as a disagreement here.
func FuzzAgreesWithLocalScheduler(f *testing.F) {
	for _, s := range []string{
		"cron(0 6 * * ? *)", "cron(0/15 * * * ? *)", "cron(0 18 ? * MON-FRI *)",
		"cron(0 8 1 * ? *)", "cron(5,35 14 * * ? *)", "cron(0 10 ? * 6#3 *)",
		"cron(0 0 L * ? *)", "cron(0 0 15W * ? *)", "cron(0 0 ? * 6L 2027)",
		"cron(15 10 ? * 2-6 2026-2030)", "cron(0 12 * JAN-MAR ? *)",
		"cron(0 0 * * * *)", "cron(60 0 * * ? *)", "cron(0 0 31 2 ? *)",
		"rate(1 day)", "rate(5 minutes)", "rate(0 hours)", "rate(1 week)",
		"cron(0 08 * * ? *)", "rate(01 hours)", "cron(0 00000000 1 1 ? *)",
	} {
		f.Add(s)
	}
	from := time.Date(2026, 12, 3, 12, 34, 56, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if s != strings.TrimSpace(s) {
			return // the CLI trims what the user typed; the API takes it verbatim
		}
		ours, errOurs := schedule.Parse(s)
		emu, errEmu := scheduler.ParseExpression(s)
		if strings.HasPrefix(s, "at(") {
			return // one-time schedules: the posture command refuses them by design
		}
		if strings.HasPrefix(s, "rate(") && errOurs == nil && errEmu != nil {
			return // a rate beyond the local AWS's 200-year cron range: both are far past any use
		}
		if (errOurs == nil) != (errEmu == nil) {
			t.Fatalf("%q: posture says %v, the local AWS says %v", s, errOurs, errEmu)
		}
		if errOurs != nil || !ours.Exact() {
			return
		}
		a, b := from, from
		for i := range 5 {
			na, okA := ours.Next(a, time.UTC)
			nb, okB := emu.Next(b, time.Time{}, time.UTC)
			if okA != okB || !na.Equal(nb) {
				t.Fatalf("%q fire %d after %s: posture says %s (%v), the local AWS %s (%v)", s, i+1, a, na, okA, nb, okB)
			}
			if !okA {
				return
			}
			a, b = na, nb
		}
	})
}
