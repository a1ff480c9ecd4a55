package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rootguard/rootguard/internal/audit"
)

// AccountStatus is an account's overall status: ERROR when it could not be
// audited, else FAIL if any check failed, ERROR if any could not be
// evaluated, PASS otherwise.
func AccountStatus(a audit.AccountResult) audit.Status {
	if a.Error != "" {
		return audit.Error
	}
	st := audit.Pass
	for _, c := range a.Checks {
		switch c.Status {
		case audit.Fail:
			return audit.Fail
		case audit.Error:
			st = audit.Error
		}
	}
	return st
}

// AccountSummary counts accounts by overall status.
type AccountSummary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Error int `json:"error"`
}

// SummarizeAccounts counts accounts by AccountStatus.
func SummarizeAccounts(accounts []audit.AccountResult) AccountSummary {
	var s AccountSummary
	for _, a := range accounts {
		switch AccountStatus(a) {
		case audit.Pass:
			s.Pass++
		case audit.Fail:
			s.Fail++
		default:
			s.Error++
		}
	}
	return s
}

// OrgTable writes an organization's audit grouped by account status:
// failing accounts with their failing checks, then accounts in error with
// the reason, then the passing accounts as one list, and a counted summary
// ("1,000 accounts: 962 pass, 31 fail, 7 error").
func OrgTable(w io.Writer, accounts []audit.AccountResult, skipped []string, color bool) error {
	groups := map[audit.Status][]audit.AccountResult{}
	for _, a := range accounts {
		st := AccountStatus(a)
		groups[st] = append(groups[st], a)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, st := range []audit.Status{audit.Fail, audit.Error} {
		if len(groups[st]) == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s (%s)\n", paint(st, color), count(len(groups[st]), "account"))
		fmt.Fprintln(tw, "  ACCOUNT\tACCESS\tCHECK\tSTATUS\tDETAIL")
		for _, a := range groups[st] {
			name := accountName(a)
			if a.Error != "" {
				fmt.Fprintf(tw, "  %s\t%s\t-\t%s\t%s\n", name, orDash(a.Access), paint(audit.Error, color), oneLine(a.Error))
				continue
			}
			for _, c := range a.Checks {
				if c.Status == audit.Fail || c.Status == audit.Error {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", name, orDash(a.Access), c.ID, paint(c.Status, color), oneLine(c.Detail))
				}
			}
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if pass := groups[audit.Pass]; len(pass) > 0 {
		names := make([]string, len(pass))
		for i, a := range pass {
			names[i] = accountName(a)
		}
		fmt.Fprintf(w, "%s (%s): %s\n\n", paint(audit.Pass, color), count(len(pass), "account"), strings.Join(names, ", "))
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "SKIPPED (%s, not ACTIVE): %s\n\n", count(len(skipped), "account"), strings.Join(skipped, ", "))
	}
	s := SummarizeAccounts(accounts)
	_, err := fmt.Fprintf(w, "%s: %s pass, %s fail, %s error\n",
		count(len(accounts), "account"), thousands(s.Pass), thousands(s.Fail), thousands(s.Error))
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
