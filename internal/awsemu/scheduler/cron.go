package scheduler

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cronSpec is a six-field EventBridge cron expression. Per the Cron
// expressions reference
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
//
//	Minutes 0-59 , - * /        Hours 0-23 , - * /
//	Day-of-month 1-31 , - * ? / L W
//	Month 1-12 or JAN-DEC , - * /
//	Day-of-week 1-7 or SUN-SAT , - * ? L #      Year 1970-2199 , - * /
//
// Day-of-month and day-of-week cannot both be given: one of them must be
// "?". "#" allows a single expression in day-of-week ("3#1,6#3" is
// invalid). 1 is Sunday.
type cronSpec struct {
	minutes, hours, months, years bitset
	dom                           domSpec
	dow                           dowSpec
}

// domSpec is the day-of-month field: a set of days, L (last day), nW (the
// weekday nearest day n, within the month), LW (the last weekday), or any
// (?).
type domSpec struct {
	any      bool
	days     bitset
	last     bool
	nearest  int // nW; 0 when unused
	lastWeek bool
}

// dowSpec is the day-of-week field: a set of days (1 = Sunday), nL (the
// last such day of the month), n#k (the k-th such day), or any (?).
type dowSpec struct {
	any     bool
	days    bitset // bit d is Sunday+d-1
	lastOf  int    // nL; 0 when unused
	nth     int    // n#k: the day n …
	nthWeek int    // … in week k
}

// bitset holds values 0-255 (years as year-1970).
type bitset [4]uint64

func (b *bitset) set(v int)      { b[v/64] |= 1 << (v % 64) }
func (b *bitset) has(v int) bool { return v >= 0 && v < 256 && b[v/64]&(1<<(v%64)) != 0 }
func (b *bitset) addRange(lo, hi, step int) {
	for v := lo; v <= hi; v += step {
		b.set(v)
	}
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

const (
	minYear = 1970
	maxYear = 2199
)

func parseCron(body string) (*cronSpec, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("a cron expression has six fields (minutes hours day-of-month month day-of-week year), not %d", len(f))
	}
	var c cronSpec
	var err error
	if c.minutes, err = parseList(f[0], "minutes", 0, 59, nil, 0); err != nil {
		return nil, err
	}
	if c.hours, err = parseList(f[1], "hours", 0, 23, nil, 0); err != nil {
		return nil, err
	}
	if c.months, err = parseList(f[3], "month", 1, 12, monthNames, 0); err != nil {
		return nil, err
	}
	if c.years, err = parseList(f[5], "year", minYear, maxYear, nil, minYear); err != nil {
		return nil, err
	}
	if c.dom, err = parseDOM(f[2]); err != nil {
		return nil, err
	}
	if c.dow, err = parseDOW(f[4]); err != nil {
		return nil, err
	}
	if c.dom.any == c.dow.any {
		return nil, fmt.Errorf("exactly one of day-of-month and day-of-week must be ?")
	}
	return &c, nil
}

// parseList reads a field of comma-separated *, n, n-m and their /step
// forms; names maps JAN… or SUN… to numbers; offset is subtracted before
// storing (years).
func parseList(field, name string, lo, hi int, names map[string]int, offset int) (bitset, error) {
	var b bitset
	for part := range strings.SplitSeq(field, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 || n > hi {
				return b, fmt.Errorf("%s: bad increment in %q", name, part)
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, z, _ := strings.Cut(rng, "-")
			var err error
			if from, err = value(a, name, lo, hi, names); err != nil {
				return b, err
			}
			if to, err = value(z, name, lo, hi, names); err != nil {
				return b, err
			}
			if to < from {
				return b, fmt.Errorf("%s: range %q runs backwards", name, rng)
			}
		default:
			var err error
			if from, err = value(rng, name, lo, hi, names); err != nil {
				return b, err
			}
			if !hasStep {
				to = from
			}
		}
		b.addRange(from-offset, to-offset, step)
	}
	return b, nil
}

func value(s, name string, lo, hi int, names map[string]int) (int, error) {
	if n, ok := names[strings.ToUpper(s)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || s == "" || s[0] == '+' || s[0] == '-' || n < lo || n > hi {
		return 0, fmt.Errorf("%s: %q is not in %d-%d", name, s, lo, hi)
	}
	return n, nil
}

func parseDOM(field string) (domSpec, error) {
	switch {
	case field == "?":
		return domSpec{any: true}, nil
	case field == "L":
		return domSpec{last: true}, nil
	case field == "LW":
		return domSpec{lastWeek: true}, nil
	case strings.HasSuffix(field, "W"):
		n, err := value(strings.TrimSuffix(field, "W"), "day-of-month", 1, 31, nil)
		if err != nil {
			return domSpec{}, err
		}
		return domSpec{nearest: n}, nil
	}
	days, err := parseList(field, "day-of-month", 1, 31, nil, 0)
	return domSpec{days: days}, err
}

func parseDOW(field string) (dowSpec, error) {
	switch {
	case field == "?":
		return dowSpec{any: true}, nil
	case field == "L":
		// L alone is the last day of the week: Saturday.
		var d dowSpec
		d.days.set(7)
		return d, nil
	case strings.Contains(field, "#"):
		day, week, _ := strings.Cut(field, "#")
		n, err := value(day, "day-of-week", 1, 7, dayNames)
		if err != nil {
			return dowSpec{}, fmt.Errorf("%v (with # a single expression only)", err)
		}
		k, err := value(week, "day-of-week", 1, 5, nil)
		if err != nil {
			return dowSpec{}, fmt.Errorf("day-of-week: %q is not a week 1-5 of the month", week)
		}
		return dowSpec{nth: n, nthWeek: k}, nil
	case len(field) > 1 && strings.HasSuffix(field, "L"):
		n, err := value(strings.TrimSuffix(field, "L"), "day-of-week", 1, 7, dayNames)
		if err != nil {
			return dowSpec{}, err
		}
		return dowSpec{lastOf: n}, nil
	}
	days, err := parseList(field, "day-of-week", 1, 7, dayNames, 0)
	return dowSpec{days: days}, err
}

// next is the first minute strictly after after that matches, in loc.
func (c *cronSpec) next(after time.Time, loc *time.Location) (time.Time, bool) {
	t := after.In(loc)
	// Start at the minute after after, on the wall clock.
	y, mo, d := t.Date()
	h, mi := t.Hour(), t.Minute()+1
	for y <= maxYear {
		if !c.years.has(y - minYear) {
			y, mo, d, h, mi = y+1, 1, 1, 0, 0
			continue
		}
		if !c.months.has(int(mo)) {
			mo, d, h, mi = mo+1, 1, 0, 0
			if mo > 12 {
				y, mo = y+1, 1
			}
			continue
		}
		if d > daysIn(y, mo) || !c.dayMatches(y, mo, d) {
			d, h, mi = d+1, 0, 0
			if d > daysIn(y, mo) {
				mo, d = mo+1, 1
				if mo > 12 {
					y, mo = y+1, 1
				}
			}
			continue
		}
		for ; h < 24; h, mi = h+1, 0 {
			if !c.hours.has(h) {
				continue
			}
			for ; mi < 60; mi++ {
				if !c.minutes.has(mi) {
					continue
				}
				at := time.Date(y, mo, d, h, mi, 0, 0, loc)
				// Daylight saving time: "When the time shifts forward in
				// Spring, your schedule invocation gets skipped if the cron
				// expression falls on a non-existent date and time. When
				// the time shifts back in the Fall, your schedule runs only
				// once" (schedule-types.html#daylist-savings-time). A
				// skipped wall time is one time.Date moves; a repeated one
				// is a single wall time, visited once here.
				if at.Hour() == h && at.Minute() == mi && at.After(after) {
					return at, true
				}
			}
		}
		d, h, mi = d+1, 0, 0
		if d > daysIn(y, mo) {
			mo, d = mo+1, 1
			if mo > 12 {
				y, mo = y+1, 1
			}
		}
	}
	return time.Time{}, false
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (c *cronSpec) dayMatches(y int, m time.Month, d int) bool {
	if !c.dom.any {
		return c.dom.matches(y, m, d)
	}
	return c.dow.matches(y, m, d)
}

func (s domSpec) matches(y int, m time.Month, d int) bool {
	last := daysIn(y, m)
	switch {
	case s.last:
		return d == last
	case s.lastWeek:
		return d == nearestWeekday(y, m, last)
	case s.nearest > 0:
		return s.nearest <= last && d == nearestWeekday(y, m, s.nearest)
	}
	return s.days.has(d)
}

// nearestWeekday is the Monday-to-Friday day nearest day n of the month,
// without leaving the month.
func nearestWeekday(y int, m time.Month, n int) int {
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == daysIn(y, m) {
			return n - 2
		}
		return n + 1
	}
	return n
}

func (s dowSpec) matches(y int, m time.Month, d int) bool {
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1 // 1 = Sunday
	switch {
	case s.lastOf > 0:
		return wd == s.lastOf && d+7 > daysIn(y, m)
	case s.nth > 0:
		return wd == s.nth && (d-1)/7+1 == s.nthWeek
	}
	return s.days.has(wd)
}
