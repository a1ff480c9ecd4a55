package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

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

// Table writes one aligned row per check — an account that could not be
// audited has an ERROR row per check with the reason — and a counted
// summary line.
func Table(w io.Writer, accounts []audit.AccountResult, color bool) error {
	t := &table{color: color, gap: 2}
	t.row(plain("ACCOUNT"), plain("CHECK"), plain("STATUS"), plain("SEVERITY"), plain("DETAIL"))
	for _, a := range accounts {
		name := accountName(a)
		if len(a.Checks) == 0 && a.Error != "" {
			t.row(plain(name), plain("-"), status(audit.Error), plain("-"), plain(oneLine(a.Error)))
		}
		for _, c := range a.Checks {
			t.row(plain(name), plain(string(c.ID)), status(c.Status), plain(string(c.Severity)), plain(oneLine(c.Detail)))
		}
	}
	if err := t.flush(w); err != nil {
		return err
	}
	s := Summarize(accounts)
	_, err := fmt.Fprintf(w, "\n%s: %d pass, %d fail, %d not applicable, %d error\n",
		plural(len(accounts), "account"), s.Pass, s.Fail, s.NotApplicable, s.Error)
	return err
}

// cell is one table cell: its text, and the colour it is painted in.
type cell struct {
	text  string
	color string
}

func plain(s string) cell { return cell{text: s} }

func status(s audit.Status) cell { return cell{text: string(s), color: statusColor[s]} }

// table aligns cells by their visible width: colour escape codes are added
// around a cell's text after its padding is computed, so they never shift
// a column (text/tabwriter counts them as text). The last cell of a row is
// not padded.
type table struct {
	color bool
	gap   int
	rows  [][]cell
}

func (t *table) row(cells ...cell) { t.rows = append(t.rows, cells) }

func (t *table) flush(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r[:len(r)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c.text))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			text := c.text
			if t.color && c.color != "" {
				text = c.color + text + ansiReset
			}
			b.WriteString(text)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.text)+t.gap))
			}
		}
		b.WriteByte('\n')
	}
	t.rows = nil
	_, err := io.WriteString(w, b.String())
	return err
}

// paint colours a status word, unpadded.
func paint(s audit.Status, color bool) string {
	if !color {
		return string(s)
	}
	return statusColor[s] + string(s) + ansiReset
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
