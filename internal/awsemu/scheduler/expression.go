package scheduler

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // ScheduleExpressionTimezone names any IANA zone, whatever the host has
)

// An Expression is a parsed ScheduleExpression: rate(value unit),
// cron(minutes hours day-of-month month day-of-week year) or
// at(yyyy-mm-ddThh:mm:ss), as the Schedule types page of the EventBridge
// Scheduler User Guide defines them
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html),
// with the six-field cron of
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html.
type Expression struct {
	kind  exprKind
	every time.Duration // rate
	cron  *cronSpec     // cron
	at    [6]int        // at: year, month, day, hour, minute, second in the schedule's zone
}

type exprKind int

const (
	kindRate exprKind = iota + 1
	kindCron
	kindAt
)

// OneTime reports whether the expression is an at() expression, which
// invokes its target once and for which StartDate and EndDate are ignored.
func (e Expression) OneTime() bool { return e.kind == kindAt }

// ParseExpression parses a ScheduleExpression. The error is the
// ValidationException message.
func ParseExpression(s string) (Expression, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return Expression{}, fmt.Errorf("Invalid Schedule Expression %s.", s)
	}
	body := s[open+1 : len(s)-1]
	var (
		e   Expression
		err error
	)
	switch s[:open] {
	case "rate":
		e, err = parseRate(body)
	case "cron":
		var c *cronSpec
		c, err = parseCron(body)
		e = Expression{kind: kindCron, cron: c}
	case "at":
		e, err = parseAt(body)
	default:
		err = fmt.Errorf("unknown expression type %q", s[:open])
	}
	if err != nil {
		return Expression{}, fmt.Errorf("Invalid Schedule Expression %s: %v.", s, err)
	}
	return e, nil
}

// parseRate reads "value unit": a positive integer and minute(s), hour(s)
// or day(s).
func parseRate(body string) (Expression, error) {
	fields := strings.Fields(body)
	if len(fields) != 2 {
		return Expression{}, fmt.Errorf("a rate is a value and a unit")
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil || n <= 0 || fields[0][0] == '+' {
		return Expression{}, fmt.Errorf("the value %q is not a positive integer", fields[0])
	}
	var unit time.Duration
	switch fields[1] {
	case "minute", "minutes":
		unit = time.Minute
	case "hour", "hours":
		unit = time.Hour
	case "day", "days":
		unit = 24 * time.Hour
	default:
		return Expression{}, fmt.Errorf("the unit %q is not minute(s), hour(s) or day(s)", fields[1])
	}
	if int64(n) > int64(200*366*24*time.Hour/unit) { // past the cron's year range: nothing would ever fire
		return Expression{}, fmt.Errorf("the value %d is too large", n)
	}
	return Expression{kind: kindRate, every: time.Duration(n) * unit}, nil
}

func parseAt(body string) (Expression, error) {
	t, err := time.Parse("2006-01-02T15:04:05", body)
	if err != nil {
		return Expression{}, fmt.Errorf("the time %q is not yyyy-mm-ddThh:mm:ss", body)
	}
	return Expression{kind: kindAt, at: [6]int{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second()}}, nil
}

// Next is the first time strictly after after at which the expression
// fires, in zone loc; ok is false when it never fires again. A rate fires
// at anchor — the schedule's StartDate, or its creation: "If you don't
// provide a StartDate for a rate-based schedule, your schedule starts
// invoking the target immediately" (schedule-types.html, Rate-based
// schedules) — and then every period, a fixed duration ("days represents
// a 24-hour duration", whatever daylight saving does).
func (e Expression) Next(after, anchor time.Time, loc *time.Location) (time.Time, bool) {
	switch e.kind {
	case kindRate:
		if after.Before(anchor) {
			return anchor, true
		}
		n := after.Sub(anchor)/e.every + 1
		return anchor.Add(n * e.every), true
	case kindCron:
		return e.cron.next(after, loc)
	case kindAt:
		t := time.Date(e.at[0], time.Month(e.at[1]), e.at[2], e.at[3], e.at[4], e.at[5], 0, loc)
		return t, t.After(after)
	}
	return time.Time{}, false
}
