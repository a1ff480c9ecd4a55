package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/rootguard/rootguard/internal/audit"
)

// OrgTable writes an organization's audit grouped by account status:
// failing accounts with their failing and undecided checks, then accounts in
// error with each undecided check and its reason, then the passing accounts
// as one list, the accounts skipped by design, and a counted summary
// ("1,000 accounts: 962 pass, 31 fail, 7 error").
func OrgTable(w io.Writer, run Run, color bool) error {
	groups := map[audit.Status][]audit.AccountResult{}
	for _, a := range run.Accounts {
		st := a.Status()
		groups[st] = append(groups[st], a)
	}
	for _, st := range []audit.Status{audit.Fail, audit.Error} {
		if len(groups[st]) == 0 {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s (%s)\n", paint(st, color), count(len(groups[st]), "account")); err != nil {
			return err
		}
		t := &table{color: color, gap: 2}
		t.row(plain("  ACCOUNT"), plain("ACCESS"), plain("CHECK"), plain("STATUS"), plain("DETAIL"))
		for _, a := range groups[st] {
			name := "  " + accountName(a)
			if len(a.Checks) == 0 && a.Error != "" {
				t.row(plain(name), plain(orDash(a.Access)), plain("-"), status(audit.Error), plain(oneLine(a.Error)))
			}
			for _, c := range a.Checks {
				if c.Status == audit.Fail || c.Status == audit.Error {
					t.row(plain(name), plain(orDash(a.Access)), plain(string(c.ID)), status(c.Status), plain(oneLine(c.Detail)))
				}
			}
		}
		if err := t.flush(w); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if pass := groups[audit.Pass]; len(pass) > 0 {
		names := make([]string, len(pass))
		for i, a := range pass {
			names[i] = accountName(a)
		}
		fmt.Fprintf(w, "%s (%s): %s\n\n", paint(audit.Pass, color), count(len(pass), "account"), strings.Join(names, ", "))
	}
	if len(run.Skipped) > 0 {
		names := make([]string, len(run.Skipped))
		for i, s := range run.Skipped {
			names[i] = s.AccountID + " (" + strings.ToLower(s.Status) + ")"
		}
		fmt.Fprintf(w, "SKIPPED (%s, not audited by design): %s\n\n", count(len(run.Skipped), "account"), strings.Join(names, ", "))
	}
	s := SummarizeAccounts(run.Accounts)
	line := fmt.Sprintf("%s: %s pass, %s fail, %s error", count(len(run.Accounts), "account"), thousands(s.Pass), thousands(s.Fail), thousands(s.Error))
	if len(run.Skipped) > 0 {
		line += ", " + thousands(len(run.Skipped)) + " skipped"
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func accountName(a audit.AccountResult) string {
	if a.AccountAlias != "" {
		return a.AccountID + " (" + a.AccountAlias + ")"
	}
	return a.AccountID
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// count is plural with a thousands separator: "1,000 accounts".
func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
