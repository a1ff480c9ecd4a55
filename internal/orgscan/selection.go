package orgscan

import (
	"fmt"
	"regexp"
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
