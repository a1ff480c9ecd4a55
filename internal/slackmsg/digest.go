package slackmsg

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/drift"
)

// DigestItems caps the drift items a digest lists; the rest are counted by
// kind in one line.
const DigestItems = 15

// maxDigestLine caps one listed item.
const maxDigestLine = 280

var kindLabel = map[drift.Kind]string{
	drift.NewFail:      "new FAIL",
	drift.NewError:     "new ERROR",
	drift.Joined:       "joined",
	drift.Left:         "left",
	drift.Suspended:    "suspended",
	drift.Fixed:        "fixed",
	drift.ErrorCleared: "error cleared",
}

// DigestOptions shape a digest.
type DigestOptions struct {
	// Heartbeat posts a message when nothing drifted, so that silence is
	// never ambiguous; without it such a run posts nothing.
	Heartbeat bool
	// Report names where the run's HTML report was written (an s3:// URI),
	// shown as text.
	Report string
}

// Digest renders a scheduled run's drift as one message: the counts first,
// then the worst items (at most DigestItems, the rest summarised), then
// where the organization stands. A run without drift renders a heartbeat
// ("all 412 accounts unchanged, 3 FAIL outstanding") when opts.Heartbeat
// is set and nil otherwise; a first run renders its baseline.
func Digest(d *drift.Drift, opts DigestOptions) *slack.WebhookMessage {
	standing := standingLine(d)
	var headline string
	sev := alertevent.SeverityInfo
	switch {
	case d.Previous == "":
		headline = fmt.Sprintf("Root posture baseline: %s audited", plural(d.Accounts, "account"))
	case len(d.Changes) == 0:
		if !opts.Heartbeat {
			return nil
		}
		headline = fmt.Sprintf("Root posture: all %s unchanged", plural(d.Accounts, "account"))
	default:
		headline = "Root posture drift: " + kindCounts(d, drift.Kinds)
		sev = digestSeverity(d)
	}
	blocks := []slack.Block{
		header(sev, headline),
		section(fmt.Sprintf("*%s* %s. %s", strings.ToUpper(sev.String()), esc(headline, maxValue), standing)),
	}
	if len(d.Changes) > 0 {
		var f []*slack.TextBlockObject
		for _, k := range drift.Kinds {
			if n := d.Count(k); n > 0 {
				f = append(f, mrkdwn(fmt.Sprintf("*%s*\n%d", capitalize(kindLabel[k]), n)))
			}
		}
		f = append(f, mrkdwn(fmt.Sprintf("*Unchanged*\n%s", plural(d.Unchanged, "account"))))
		blocks = append(blocks, slack.NewSectionBlock(nil, f, nil))
		blocks = append(blocks, itemSections(d.Changes)...)
	}
	blocks = append(blocks, digestFooter(d, opts))
	return &slack.WebhookMessage{
		Text:   cut("["+sev.String()+"] "+esc(headline, maxValue)+". "+standing, MaxSectionText),
		Blocks: &slack.Blocks{BlockSet: blocks},
	}
}

// standingLine is where the organization stands after the run.
func standingLine(d *drift.Drift) string {
	s := fmt.Sprintf("%s FAIL outstanding", plural(d.FailChecks, "check"))
	if d.FailChecks > 0 {
		s += " in " + plural(d.FailAccounts, "account")
	}
	if d.ErrorChecks > 0 {
		s += fmt.Sprintf(", %d ERROR (not evaluated)", d.ErrorChecks)
	}
	return fmt.Sprintf("%s audited: %s.", plural(d.Accounts, "account"), s)
}

// digestSeverity: a new FAIL of a critical check is critical; any other new
// FAIL, a new ERROR or a joined account is high (unknown is never fine);
// an account leaving or suspended is medium; only fixes are info.
func digestSeverity(d *drift.Drift) alertevent.Severity {
	sev := alertevent.SeverityInfo
	for _, c := range d.Changes {
		s := alertevent.SeverityInfo
		switch c.Kind {
		case drift.NewFail:
			s = alertevent.SeverityHigh
			if c.Severity == audit.Critical {
				s = alertevent.SeverityCritical
			}
		case drift.NewError, drift.Joined:
			s = alertevent.SeverityHigh
		case drift.Left, drift.Suspended:
			s = alertevent.SeverityMedium
		}
		sev = max(sev, s)
	}
	return sev
}

// kindCounts is "2 new FAIL, 1 fixed" over kinds, in their order.
func kindCounts(d *drift.Drift, kinds []drift.Kind) string {
	var parts []string
	for _, k := range kinds {
		if n := d.Count(k); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, kindLabel[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// itemSections lists the worst changes, one line each, packed into as few
// sections as fit Slack's section limit, and counts the rest by kind.
func itemSections(changes []drift.Change) []slack.Block {
	shown := changes[:min(len(changes), DigestItems)]
	var blocks []slack.Block
	var b strings.Builder
	for _, c := range shown {
		line := itemLine(c)
		if b.Len()+len(line)+1 > MaxSectionText {
			blocks = append(blocks, section(b.String()))
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	if rest := changes[len(shown):]; len(rest) > 0 {
		counts := map[drift.Kind]int{}
		for _, c := range rest {
			counts[c.Kind]++
		}
		var parts []string
		for _, k := range drift.Kinds {
			if counts[k] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[k], kindLabel[k]))
			}
		}
		line := fmt.Sprintf("+%d more: %s (all in the report)", len(rest), strings.Join(parts, ", "))
		if b.Len()+len(line)+1 > MaxSectionText {
			blocks = append(blocks, section(b.String()))
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return append(blocks, section(b.String()))
}

// itemLine is "• *new FAIL* 111122223333 (prod) · root-access-keys: PASS → FAIL — detail".
func itemLine(c drift.Change) string {
	var b strings.Builder
	b.WriteString("• *" + kindLabel[c.Kind] + "* " + esc(c.AccountID, maxValue))
	if c.Name != "" {
		b.WriteString(" (" + esc(c.Name, 80) + ")")
	}
	if c.Check != "" {
		b.WriteString(" · " + esc(string(c.Check), 80))
		if c.From != "" || c.To != "" {
			from := string(c.From)
			if from == "" {
				from = "not run"
			}
			b.WriteString(": " + esc(from, 20) + " → " + esc(string(c.To), 20))
		}
	}
	line := b.String()
	if c.Detail != "" {
		line += " — " + esc(c.Detail, maxDigestLine)
	}
	return cut(line, maxDigestLine+len(b.String()))
}

func digestFooter(d *drift.Drift, opts DigestOptions) slack.Block {
	parts := []string{"run " + esc(d.Current, maxValue)}
	if d.Previous != "" {
		parts[0] += " compared with " + esc(d.Previous, maxValue)
	} else {
		parts[0] += " (first run: the baseline for the next)"
	}
	if opts.Report != "" {
		parts = append(parts, "report "+esc(opts.Report, maxValue))
	}
	parts = append(parts, "rootguard")
	return slack.NewContextBlock("", mrkdwn(cut(strings.Join(parts, " · "), MaxSectionText)))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
