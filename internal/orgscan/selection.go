package orgscan

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	// parentID is an organizational unit's ID or the root's, as AWS
	// Organizations documents them.
	parentID = regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$`)
)

// Validate checks the IDs a user typed for --accounts, --exclude-accounts
// and --ou before anything runs: a mistyped account to exclude would
// otherwise exclude nothing, silently.
func (s Selection) Validate() error {
	for _, l := range []struct {
		flag string
		ids  []string
		re   *regexp.Regexp
		form string
	}{
		{"--accounts", s.Accounts, accountID, "an account ID is 12 digits"},
		{"--exclude-accounts", s.Exclude, accountID, "an account ID is 12 digits"},
		{"--ou", s.OUs, parentID, "an organizational unit ID is ou-xxxx-xxxxxxxx (or a root ID, r-xxxx)"},
	} {
		for _, id := range l.ids {
			if !l.re.MatchString(id) {
				return fmt.Errorf("%s %q: %s", l.flag, id, l.form)
			}
		}
	}
	return nil
}

// EmptySelectionError: the selection resolved to no ACTIVE account — only
// suspended or closing accounts, or every account excluded. Nothing would
// be checked, so a run must not end as if everything passed; it is the
// user's selection to change (exit 2).
type EmptySelectionError struct {
	Skipped []Account // not ACTIVE
}

func (e *EmptySelectionError) Error() string {
	msg := "the selection names no ACTIVE account, so nothing would be audited"
	if len(e.Skipped) > 0 {
		parts := make([]string, len(e.Skipped))
		for i, a := range e.Skipped {
			parts[i] = a.ID + " (" + strings.ToLower(a.Status) + ")"
		}
		msg += ": skipped " + strings.Join(parts, ", ")
	} else {
		msg += ": --exclude-accounts leaves none"
	}
	return msg
}

// Usage marks the error as the user's to fix (cmdutil maps it to exit 2).
func (e *EmptySelectionError) Usage() bool { return true }

// NoneSelected is an *EmptySelectionError when t holds no ACTIVE account.
func (t *Targets) NoneSelected() error {
	if len(t.Accounts) > 0 {
		return nil
	}
	return &EmptySelectionError{Skipped: t.Skipped}
}
