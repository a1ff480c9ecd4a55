package scheduler

import (
	"log/slog"
	"slices"
	"time"
)

// pollEvery bounds how long the clock loop sleeps, so that a test's clock
// (awsemu.WithClock) moved forward is noticed without a change to any
// schedule.
const pollEvery = time.Second

// clock fires due schedules on the host's clock until Register's context
// ends. Each due schedule is planned for its next time before its
// invocation starts, so a slow target never makes it fire twice. The
// schedules due at one look are invoked one after the other, in the order
// of their scheduled times, beside the loop; Wait waits for them.
//
// A FLEXIBLE time window is not drawn at random: the schedule fires at the
// window's start, one of the times AWS may choose
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-flexible-time-windows.html).
func (s *Scheduler) clock() {
	for {
		wait := s.fireDue()
		timer := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			timer.Stop()
			return
		case <-s.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// fireDue starts the invocations of every schedule due now and returns how
// long to sleep until the next one.
func (s *Scheduler) fireDue() time.Duration {
	now := s.host.Now()
	wait := pollEvery
	var due []schedule
	var scheduled []time.Time
	s.mu.Lock()
	for _, gs := range s.groups {
		for _, g := range gs {
			for name, sc := range g.schedules {
				if sc.next.IsZero() {
					continue
				}
				if sc.next.After(now) {
					wait = min(wait, sc.next.Sub(now))
					continue
				}
				due = append(due, *sc)
				scheduled = append(scheduled, sc.next)
				sc.plan(now)
				if sc.next.IsZero() && sc.actionAfterCompletion == "DELETE" {
					// Its last invocation: ActionAfterCompletion DELETE
					// removes a completed schedule.
					delete(g.schedules, name)
				}
			}
		}
	}
	s.mu.Unlock()
	if len(due) == 0 {
		return max(wait, time.Millisecond)
	}
	order := make([]int, len(due))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return scheduled[a].Compare(scheduled[b]) })
	s.wg.Go(func() {
		for _, i := range order {
			if err := s.invoke(s.ctx, &due[i], scheduled[i]); err != nil && s.ctx.Err() == nil {
				slog.Warn("awsemu: scheduled invocation failed", "error", err)
			}
		}
	})
	return max(wait, time.Millisecond)
}
