package scheduler

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestCronNextOnTheDocumentedExamples: the examples of the Cron
// expressions reference
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html)
// and of the Schedule types page of the Scheduler User Guide, each with the
// times it fires next.
func TestCronNextOnTheDocumentedExamples(t *testing.T) {
	from := time.Date(2026, 12, 3, 12, 7, 30, 0, time.UTC) // a Thursday
	tests := []struct {
		expr string
		want []string // the next firings, RFC 3339 UTC
	}{
		// Run at 10:00 am (UTC+0) every day.
		{"cron(0 10 * * ? *)", []string{"2026-12-04T10:00:00Z", "2026-12-05T10:00:00Z"}},
		// Run at 12:15 pm (UTC+0) every day.
		{"cron(15 12 * * ? *)", []string{"2026-12-03T12:15:00Z", "2026-12-04T12:15:00Z"}},
		// Run at 6:00 pm (UTC+0) every Monday through Friday.
		{"cron(0 18 ? * MON-FRI *)", []string{"2026-12-03T18:00:00Z", "2026-12-04T18:00:00Z", "2026-12-07T18:00:00Z"}},
		// Run at 8:00 am (UTC+0) every first day of the month.
		{"cron(0 8 1 * ? *)", []string{"2027-01-01T08:00:00Z", "2027-02-01T08:00:00Z"}},
		// Run every 15 minutes.
		{"cron(0/15 * * * ? *)", []string{"2026-12-03T12:15:00Z", "2026-12-03T12:30:00Z"}},
		// Run every 10 minutes Monday through Friday.
		{"cron(0/10 * ? * MON-FRI *)", []string{"2026-12-03T12:10:00Z"}},
		// Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC+0).
		{"cron(0/5 8-17 ? * MON-FRI *)", []string{"2026-12-03T12:10:00Z"}},
		// A range running backwards is refused: the reference documents
		// ranges from low to high only.
		{"cron(0/30 22-2 ? * MON-FRI *)", nil},
		// 1/10 in minutes: the 1st, 11th, 21st … minute.
		{"cron(1/10 * * * ? *)", []string{"2026-12-03T12:11:00Z", "2026-12-03T12:21:00Z"}},
		// L: the last day of the month; W: the weekday nearest the 3rd.
		{"cron(0 0 L * ? *)", []string{"2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z", "2027-02-28T00:00:00Z"}},
		{"cron(0 0 3W * ? *)", []string{"2027-01-04T00:00:00Z", "2027-02-03T00:00:00Z"}},                                                                         // Jan 3 2027 is a Sunday
		{"cron(0 0 1W * ? *)", []string{"2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z", "2027-05-03T00:00:00Z"}}, // May 1 2027 is a Saturday: the nearest weekday in May is Monday 3rd
		{"cron(0 0 LW * ? *)", []string{"2026-12-31T00:00:00Z", "2027-01-29T00:00:00Z"}},
		// #: 3#2 is the second Tuesday; 6L the last Friday.
		{"cron(0 9 ? * 3#2 *)", []string{"2026-12-08T09:00:00Z", "2027-01-12T09:00:00Z"}},
		{"cron(0 9 ? * 6L *)", []string{"2026-12-25T09:00:00Z", "2027-01-29T09:00:00Z"}},
		{"cron(0 9 ? * L *)", []string{"2026-12-05T09:00:00Z"}},
		// Lists, names and years.
		{"cron(0 10,15 ? * SAT,SUN 2027)", []string{"2027-01-02T10:00:00Z", "2027-01-02T15:00:00Z", "2027-01-03T10:00:00Z"}},
		{"cron(0 0 1 JAN,jul ? *)", []string{"2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z"}},
		{"cron(0 0 1 1 ? 2025)", []string{}}, // only in the past: never again
	}
	for _, tt := range tests {
		e, err := ParseExpression(tt.expr)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%s parsed, want an error", tt.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		at := from
		for i, want := range tt.want {
			next, ok := e.Next(at, from, time.UTC)
			if !ok || next.Format(time.RFC3339) != want {
				t.Errorf("%s firing %d = %s (%v), want %s", tt.expr, i+1, next.Format(time.RFC3339), ok, want)
				break
			}
			at = next
		}
		if len(tt.want) == 0 {
			if next, ok := e.Next(at, from, time.UTC); ok {
				t.Errorf("%s fires at %s, want never", tt.expr, next)
			}
		}
	}
}

func TestInvalidExpressions(t *testing.T) {
	for _, expr := range []string{
		"", "rate(5)", "rate(0 minutes)", "rate(-1 minutes)", "rate(1 second)", "rate(1.5 hours)", "rate(+3 days)",
		"cron(0 10 * * * *)",      // both day fields given
		"cron(0 10 ? * ? *)",      // neither
		"cron(0 10 * * ?)",        // five fields
		"cron(60 10 * * ? *)",     // minute out of range
		"cron(0 24 * * ? *)",      // hour out of range
		"cron(0 0 32 * ? *)",      // day out of range
		"cron(0 0 ? * 3#1,6#3 *)", // # takes a single expression
		"cron(0 0 ? * 3#6 *)",     // no sixth week
		"cron(0 0 1 * ? 1969)",    // year out of range
		"cron(0 0 1 13 ? *)",
		"cron(0/0 * * * ? *)",
		"at(2026-13-01T00:00:00)", "at(2026-12-01 00:00:00)", "at(2026-12-01T00:00)",
		"every(5 minutes)", "rate 5 minutes",
	} {
		if _, err := ParseExpression(expr); err == nil {
			t.Errorf("%q parsed, want an error", expr)
		}
	}
}

// TestRateAndAtNext: a rate fires at its anchor and every period after
// it; at() once, in its time zone.
func TestRateAndAtNext(t *testing.T) {
	anchor := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	rate, err := ParseExpression("rate(5 minutes)")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ after, want time.Time }{
		{anchor, anchor.Add(5 * time.Minute)},
		{anchor.Add(-time.Hour), anchor}, // a rate starts at its anchor (StartDate or creation)
		{anchor.Add(-time.Nanosecond), anchor},
		{anchor.Add(7 * time.Minute), anchor.Add(10 * time.Minute)},
		{anchor.Add(10 * time.Minute), anchor.Add(15 * time.Minute)},
	} {
		if got, ok := rate.Next(tt.after, anchor, time.UTC); !ok || !got.Equal(tt.want) {
			t.Errorf("rate(5 minutes).Next(%s) = %s, want %s", tt.after, got, tt.want)
		}
	}
	for _, expr := range []string{"rate(1 day)", "rate(2 days)", "rate(1 hour)", "rate(3 hours)", "rate(1 minute)"} {
		if _, err := ParseExpression(expr); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}

	once, err := ParseExpression("at(2026-12-24T18:30:00)")
	if err != nil {
		t.Fatal(err)
	}
	paris := mustZone(t, "Europe/Paris")
	want := time.Date(2026, 12, 24, 17, 30, 0, 0, time.UTC) // 18:30 in Paris is 17:30 UTC in winter
	if got, ok := once.Next(anchor, anchor, paris); !ok || !got.Equal(want) {
		t.Errorf("at() in Europe/Paris = %s, want %s", got, want)
	}
	if got, ok := once.Next(want, anchor, paris); ok {
		t.Errorf("at() fires again at %s", got)
	}
	if !once.OneTime() || rate.OneTime() {
		t.Error("OneTime: only at() is a one-time schedule")
	}
}

// TestCronInATimeZone: cron(0 8 * * ? *) in America/New_York fires at 8:00
// local time on both sides of the daylight-saving change (13:00 UTC, then
// 12:00 UTC).
func TestCronInATimeZone(t *testing.T) {
	e, err := ParseExpression("cron(0 8 * * ? *)")
	if err != nil {
		t.Fatal(err)
	}
	ny := mustZone(t, "America/New_York")
	from := time.Date(2027, 3, 13, 12, 0, 0, 0, time.UTC) // DST starts Sunday 14 March 2027
	first, _ := e.Next(from, from, ny)
	second, _ := e.Next(first, from, ny)
	if first.UTC().Format(time.RFC3339) != "2027-03-13T13:00:00Z" || second.UTC().Format(time.RFC3339) != "2027-03-14T12:00:00Z" {
		t.Errorf("8:00 New York after the change: %s, %s", first, second)
	}
	before, _ := e.Next(time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC), from, ny)
	if before.UTC().Format(time.RFC3339) != "2027-03-10T13:00:00Z" {
		t.Errorf("8:00 New York before the change: %s", before)
	}
}

// TestCronAcrossDaylightSavingChanges: a wall time that does not exist when
// the clocks go forward is skipped, one that happens twice when they go
// back fires once (schedule-types.html, Daylight saving time).
func TestCronAcrossDaylightSavingChanges(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	for _, tt := range []struct {
		expr string
		from time.Time
		want []string
	}{
		// 2:30 does not exist on 14 March 2027 in New York.
		{"cron(30 2 * * ? *)", time.Date(2027, 3, 13, 0, 0, 0, 0, time.UTC), []string{"2027-03-13T07:30:00Z", "2027-03-15T06:30:00Z"}},
		// 1:30 happens twice on 7 November 2027: once, in EDT.
		{"cron(30 1 * * ? *)", time.Date(2027, 11, 6, 12, 0, 0, 0, time.UTC), []string{"2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"}},
		// Every 20 minutes through the repeated hour: each wall time once.
		{"cron(0/20 1 7 11 ? 2027)", time.Date(2027, 11, 7, 0, 0, 0, 0, time.UTC), []string{"2027-11-07T05:00:00Z", "2027-11-07T05:20:00Z", "2027-11-07T05:40:00Z", "never"}},
	} {
		e, err := ParseExpression(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		at := tt.from
		for i, want := range tt.want {
			next, ok := e.Next(at, tt.from, ny)
			got := "never"
			if ok {
				got = next.UTC().Format(time.RFC3339)
			}
			if got != want {
				t.Errorf("%s firing %d = %s, want %s", tt.expr, i+1, got, want)
				break
			}
			at = next
		}
	}
}
