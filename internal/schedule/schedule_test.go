package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseAcceptsSchedulersSyntax(t *testing.T) {
	for _, s := range []string{
		"rate(1 day)", "rate(12 hours)", "rate(1 minute)", "rate(30 minutes)", " rate(2 days) ",
		"cron(0 6 * * ? *)", "cron(15 10 ? * MON-FRI *)", "cron(0/15 * * * ? *)", "cron(0 8 1 JAN,JUL ? 2027-2030)",
		"cron(0 0 L * ? *)", "cron(0 0 15W * ? *)", "cron(0 8 ? * 3#1 *)", "cron(0 8 ? * 6L *)", "cron(*/5 9-17 ? * 2-6 *)",
	} {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
}

func TestParseRefusesWithAReason(t *testing.T) {
	for s, want := range map[string]string{
		"daily":                   "use rate(value unit)",
		"rate(1 week)":            "rate unit",
		"rate(0 days)":            "positive whole number",
		"rate(-1 days)":           "positive whole number",
		"rate(1.5 hours)":         "positive whole number",
		"rate(1day)":              "a value and a unit",
		"at(2027-01-01T00:00:00)": "runs once",
		"cron(0 6 * * *)":         "six fields",
		"cron(0 6 * * * *)":       "exactly one of day-of-month and day-of-week",
		"cron(0 6 ? * ? *)":       "exactly one of day-of-month and day-of-week",
		"cron(60 6 * * ? *)":      "minutes",
		"cron(0 24 * * ? *)":      "hours",
		"cron(0 6 32 * ? *)":      "day-of-month",
		"cron(0 6 ? * 8 *)":       "day-of-week",
		"cron(0 6 * 13 ? *)":      "month",
		"cron(0 6 * * ? 1969)":    "year",
		"cron(0 6 * 5-2 ? *)":     "runs backwards",
		"cron(0/0 6 * * ? *)":     "increment",
		"cron(? 6 * * ? *)":       "? is only",
		"cron(0 6 ? * 2#6 *)":     "L, W or #",
		"cron(0 L * * ? *)":       "L, W or #",
	} {
		_, err := Parse(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error naming %q", s, err, want)
		}
	}
}

func TestNextAndPeriod(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 7, 30, 0, time.UTC) // a Thursday
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database")
	}
	for _, c := range []struct {
		expr   string
		loc    *time.Location
		next   time.Time
		period time.Duration
	}{
		{"cron(0 6 * * ? *)", nil, time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC), 24 * time.Hour},
		{"cron(0/15 * * * ? *)", nil, time.Date(2026, 12, 3, 12, 15, 0, 0, time.UTC), 15 * time.Minute},
		// Weekdays at 10:15: Friday, then Monday — three days over the weekend.
		{"cron(15 10 ? * MON-FRI *)", nil, time.Date(2026, 12, 4, 10, 15, 0, 0, time.UTC), 72 * time.Hour},
		// 6:00 in New York is 11:00 UTC in December.
		{"cron(0 6 * * ? *)", ny, time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC), 24 * time.Hour},
		// SUN = 1.
		{"cron(0 0 ? * 1 *)", nil, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), 7 * 24 * time.Hour},
	} {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		next, ok := e.Next(at, c.loc)
		if !ok || !next.Equal(c.next) {
			t.Errorf("%s in %v: next = %v %t, want %v", c.expr, c.loc, next, ok, c.next)
		}
		if p, ok := e.Period(at, c.loc); !ok || p != c.period {
			t.Errorf("%s: period = %v %t, want %v", c.expr, p, ok, c.period)
		}
	}
	rate, _ := Parse("rate(6 hours)")
	if _, ok := rate.Next(at, nil); ok {
		t.Error("a rate's next fire depends on when the schedule was created: it is not known from the expression")
	}
	if p, ok := rate.Period(at, nil); !ok || p != 6*time.Hour {
		t.Errorf("rate period = %v %t", p, ok)
	}
	last, _ := Parse("cron(0 0 L * ? *)")
	if _, ok := last.Period(at, nil); ok {
		t.Error("L is not evaluated, so its period is unknown, not guessed")
	}
	past, _ := Parse("cron(0 0 1 1 ? 2020)")
	if _, ok := past.Next(at, nil); ok {
		t.Error("a schedule whose years are over has no next fire")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"rate(1 day)", "cron(0 6 * * ? *)", "cron(0/15 9-17 ? * MON-FRI 2027)", "cron(0 0 L * ? *)", "rate(999999 days)"} {
		f.Add(s)
	}
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		if next, ok := e.Next(at, nil); ok && !next.After(at) {
			t.Fatalf("%q: next %v is not after %v", s, next, at)
		}
		if p, ok := e.Period(at, nil); ok && p <= 0 {
			t.Fatalf("%q: period %v", s, p)
		}
	})
}
