package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cronSpec is a cron() expression's six fields as sets of allowed values.
type cronSpec struct {
	minutes, hours, dom, months, dow, years set
	anyDOM, anyDOW                          bool // the field is "?"
	// exact is false when a field uses L, W or #: valid, but Next does not
	// evaluate them.
	exact bool
}

// set holds the allowed values of one field, by value.
type set map[int]bool

type field struct {
	name     string
	min, max int
	names    []string // names[i] is value min+i (months, weekdays)
	special  string   // the wildcards beyond , - * / the field takes
}

var fields = [6]field{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, special: "?LW"},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", min: 1, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, special: "?L#"},
	{name: "year", min: 1970, max: 2199},
}

func parseCron(body string) (*cronSpec, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("a cron expression has six fields (minutes hours day-of-month month day-of-week year), not %d", len(f))
	}
	c := &cronSpec{exact: true}
	sets := [6]*set{&c.minutes, &c.hours, &c.dom, &c.months, &c.dow, &c.years}
	for i, text := range f {
		s, exact, err := fields[i].parse(text)
		if err != nil {
			return nil, err
		}
		*sets[i] = s
		c.exact = c.exact && exact
	}
	c.anyDOM, c.anyDOW = f[2] == "?", f[4] == "?"
	if c.anyDOM == c.anyDOW {
		return nil, errors.New("exactly one of day-of-month and day-of-week must be ?, as in cron(0 6 * * ? *)")
	}
	return c, nil
}

// parse reads one field: "*", "?", or a comma-separated list of values,
// ranges (a-b) and increments (a/n, a-b/n, */n). exact is false for L, W
// and #, which are checked for shape only.
func (f field) parse(text string) (set, bool, error) {
	if text == "?" {
		if !strings.Contains(f.special, "?") {
			return nil, false, fmt.Errorf("%s: ? is only for day-of-month or day-of-week", f.name)
		}
		return nil, true, nil
	}
	if f.usesSpecial(text) {
		return nil, false, f.checkSpecial(text)
	}
	s := set{}
	for _, part := range strings.Split(text, ",") {
		if err := f.add(s, part); err != nil {
			return nil, false, err
		}
	}
	return s, true, nil
}

func (f field) add(s set, part string) error {
	rng, stepText, stepped := strings.Cut(part, "/")
	step := 1
	if stepped {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 || n > f.max-f.min+1 || stepText != strconv.Itoa(n) {
			return fmt.Errorf("%s: increment %q is not a whole number from 1 to %d", f.name, stepText, f.max-f.min+1)
		}
		step = n
	}
	lo, hi := f.min, f.max
	switch {
	case rng == "*":
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if lo, err = f.value(a); err != nil {
			return err
		}
		if hi, err = f.value(b); err != nil {
			return err
		}
		if lo > hi {
			return fmt.Errorf("%s: range %q runs backwards", f.name, rng)
		}
	default:
		v, err := f.value(rng)
		if err != nil {
			return err
		}
		lo = v
		if !stepped {
			hi = v
		}
	}
	for v := lo; v <= hi; v += step {
		s[v] = true
	}
	return nil
}

func (f field) value(text string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(text, n) {
			return f.min + i, nil
		}
	}
	// Leading zeros are read as the number (cron(0 08 * * ? *) is how many
	// write eight o'clock); a sign is not a value.
	v, err := strconv.Atoi(text)
	if err != nil || text == "" || text[0] == '+' || text[0] == '-' || v < f.min || v > f.max {
		return 0, fmt.Errorf("%s: %q is not a value from %d to %d", f.name, text, f.min, f.max)
	}
	return v, nil
}

// usesSpecial reports whether text uses L, W or #, where the field takes
// them (day-of-week's names have no L at their end and no #).
func (f field) usesSpecial(text string) bool {
	switch f.name {
	case "day-of-month":
		return strings.ContainsAny(text, "LW")
	case "day-of-week":
		return strings.Contains(text, "#") || strings.HasSuffix(text, "L")
	}
	return strings.ContainsAny(text, "#") || text == "L"
}

// checkSpecial accepts the documented shapes of L, W and #: L alone, nW
// and LW in day-of-month; L, nL and d#n (n from 1 to 5) in day-of-week.
func (f field) checkSpecial(text string) error {
	bad := fmt.Errorf("%s: %q is not a use of L, W or # that EventBridge Scheduler takes", f.name, text)
	switch {
	case f.name == "day-of-month" && (text == "L" || text == "LW"):
		return nil
	case f.name == "day-of-month" && strings.HasSuffix(text, "W"):
		if _, err := f.value(strings.TrimSuffix(text, "W")); err != nil {
			return bad
		}
		return nil
	case f.name == "day-of-week" && text == "L":
		return nil
	case f.name == "day-of-week" && strings.HasSuffix(text, "L"):
		if _, err := f.value(strings.TrimSuffix(text, "L")); err != nil {
			return bad
		}
		return nil
	case f.name == "day-of-week" && strings.Count(text, "#") == 1:
		d, n, _ := strings.Cut(text, "#")
		if _, err := f.value(d); err != nil || len(n) != 1 || n[0] < '1' || n[0] > '5' {
			return bad
		}
		return nil
	}
	return bad
}

// next is the first minute strictly after t (in t's location) the spec
// matches, skipping whole days that do not match.
func (c *cronSpec) next(t time.Time) (time.Time, bool) {
	loc := t.Location()
	t = t.Truncate(time.Minute).Add(time.Minute)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	for day.Year() <= fields[5].max {
		if c.dayMatches(day) {
			for h := 0; h < 24; h++ {
				if !c.hours[h] {
					continue
				}
				for m := 0; m < 60; m++ {
					if !c.minutes[m] {
						continue
					}
					at := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
					// A local time skipped by a daylight saving change
					// normalises into another hour: it is not this fire.
					if at.Hour() == h && at.Minute() == m && at.After(t.Add(-time.Nanosecond)) {
						return at, true
					}
				}
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	}
	return time.Time{}, false
}

func (c *cronSpec) dayMatches(d time.Time) bool {
	if !c.years[d.Year()] || !c.months[int(d.Month())] {
		return false
	}
	if c.anyDOW {
		return c.dom[d.Day()]
	}
	return c.dow[int(d.Weekday())+1] // SUN = 1
}
