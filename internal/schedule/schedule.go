// Package schedule reads EventBridge Scheduler's recurring schedule
// expressions — rate(value unit) and cron(minutes hours day-of-month month
// day-of-week year) — so that `posture deploy` refuses a bad one before
// anything is created, and `posture status` and `alert status` can say when
// the schedule fires next and how old a run may be before it is overdue.
//
// The syntax is EventBridge Scheduler's (EventBridge Scheduler User Guide,
// "Schedule types in EventBridge Scheduler",
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html;
// GetSchedule's ScheduleExpression: "A rate expression consists of a value as
// a positive integer, and a unit with the following options: minute | minutes
// | hour | hours | day | days"; "A cron expression consists of six fields
// separated by white spaces"). The cron fields and wildcards are those of
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html:
// day-of-week is 1-7 or SUN-SAT with 1 = Sunday, and one of day-of-month and
// day-of-week must be "?". One-time at() schedules are not recurring and are
// refused.
package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Default is the auditor's schedule when none is given: once a day.
const Default = "rate(1 day)"

// Expression is a parsed recurring schedule expression.
type Expression struct {
	raw  string
	rate time.Duration // rate(): the interval; 0 for cron()
	cron *cronSpec
}

// String is the expression as given.
func (e Expression) String() string { return e.raw }

// maxRateValue keeps value × unit inside time.Duration: rate(1000000 days)
// is 2,700 years, far past any useful schedule.
const maxRateValue = 1_000_000

// Parse reads a rate() or cron() expression.
func Parse(s string) (Expression, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "rate(") && strings.HasSuffix(s, ")"):
		d, err := parseRate(s[len("rate(") : len(s)-1])
		if err != nil {
			return Expression{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		return Expression{raw: s, rate: d}, nil
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		c, err := parseCron(s[len("cron(") : len(s)-1])
		if err != nil {
			return Expression{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		return Expression{raw: s, cron: c}, nil
	case strings.HasPrefix(s, "at("):
		return Expression{}, fmt.Errorf("schedule %q: at() runs once; the auditor needs a recurring rate(…) or cron(…)", s)
	}
	return Expression{}, fmt.Errorf("schedule %q: use rate(value unit), e.g. rate(1 day), or cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 6 * * ? *)", s)
}

func parseRate(body string) (time.Duration, error) {
	f := strings.Fields(body)
	if len(f) != 2 {
		return 0, errors.New("a rate is a value and a unit, as in rate(12 hours)")
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > maxRateValue || f[0][0] == '+' {
		return 0, fmt.Errorf("rate value %q: want a positive whole number", f[0])
	}
	unit := map[string]time.Duration{
		"minute": time.Minute, "minutes": time.Minute,
		"hour": time.Hour, "hours": time.Hour,
		"day": 24 * time.Hour, "days": 24 * time.Hour,
	}[f[1]]
	if unit == 0 {
		return 0, fmt.Errorf("rate unit %q: want minute(s), hour(s) or day(s)", f[1])
	}
	return time.Duration(n) * unit, nil
}

// Exact reports whether Next and Period can be computed: not for a rate()
// (its fires count from when Scheduler created the schedule, which the
// expression does not say) and not for a cron() with L, W or #.
func (e Expression) Exact() bool { return e.cron != nil && e.cron.exact }

// Next is the first fire strictly after t in loc (nil: UTC), false when it
// cannot be computed (see Exact) or there is none before the year 2199.
func (e Expression) Next(t time.Time, loc *time.Location) (time.Time, bool) {
	if !e.Exact() {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return e.cron.next(t.In(loc))
}

// Period is the longest a healthy schedule leaves between two fires: the
// rate of a rate(), or, for an exact cron(), the longest gap among its next
// fires after t (a weekday-only schedule leaves three days over a weekend).
// False when it cannot be computed.
func (e Expression) Period(t time.Time, loc *time.Location) (time.Duration, bool) {
	if e.rate > 0 {
		return e.rate, true
	}
	const fires = 16
	prev, ok := e.Next(t, loc)
	if !ok {
		return 0, false
	}
	var longest time.Duration
	for range fires {
		next, ok := e.Next(prev, loc)
		if !ok {
			break
		}
		longest = max(longest, next.Sub(prev))
		prev = next
	}
	return longest, longest > 0
}
