package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rootguard/rootguard/internal/audit"
)

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

var statusColor = map[audit.Status]string{
	audit.Pass:          ansiGreen,
	audit.Fail:          ansiRed,
	audit.Error:         ansiYellow,
	audit.NotApplicable: ansiDim,
}

// Table writes one aligned row per check and a counted summary line.
func Table(w io.Writer, accounts []audit.AccountResult, color bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tCHECK\tSTATUS\tSEVERITY\tDETAIL")
	for _, a := range accounts {
		name := a.AccountID
		if a.AccountAlias != "" {
			name += " (" + a.AccountAlias + ")"
		}
		if a.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t%s\t-\t%s\n", name, paint(audit.Error, color), oneLine(a.Error))
		}
		for _, c := range a.Checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, c.ID, paint(c.Status, color), c.Severity, oneLine(c.Detail))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := Summarize(accounts)
	_, err := fmt.Fprintf(w, "\n%s: %d pass, %d fail, %d not applicable, %d error\n",
		plural(len(accounts), "account"), s.Pass, s.Fail, s.NotApplicable, s.Error)
	return err
}

// paint pads before colouring so escape codes do not break alignment.
func paint(s audit.Status, color bool) string {
	text := fmt.Sprintf("%-14s", s)
	if !color {
		return strings.TrimRight(text, " ")
	}
	return statusColor[s] + text + ansiReset
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
