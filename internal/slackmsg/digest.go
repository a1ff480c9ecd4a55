package slackmsg

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/digest"
)

// DigestItems caps the drift items a digest lists; the rest are counted by
// kind in one line.
const DigestItems = 15

// maxDigestLine caps one listed item.
const maxDigestLine = 280

var kindLabel = map[digest.Kind]string{
	digest.NewFail:      "new FAIL",
	digest.NewError:     "new ERROR",
	digest.Joined:       "joined",
	digest.Left:         "left",
	digest.Suspended:    "suspended",
	digest.Fixed:        "fixed",
	digest.ErrorCleared: "error cleared",
}

// DigestOptions shape a digest.
type DigestOptions struct {
	// Heartbeat posts a message when nothing drifted, so that silence is
	// never ambiguous; without it such a run posts nothing.
	Heartbeat bool
}

// Digest renders a scheduled run's drift as one message: the counts first,
// then the worst items (at most DigestItems, the rest summarised), then
// where the organization stands. A run without drift renders a heartbeat
// ("all 412 accounts unchanged, 3 FAIL outstanding") when opts.Heartbeat
// is set and nil otherwise; a first run renders its baseline.
func Digest(d *digest.Digest, opts DigestOptions) *slack.WebhookMessage {
	standing := standingLine(d)
	var headline string
	sev := alertevent.SeverityInfo
	switch {
	case d.Previous == "":
		headline = fmt.Sprintf("Root posture baseline: %s audited", plural(d.Accounts, "account"))
	case d.Total() == 0:
		if !opts.Heartbeat && d.SecurityHub.GapCount() == 0 {
			return nil
		}
		headline = fmt.Sprintf("Root posture: all %s unchanged", plural(d.Accounts, "account"))
	default:
		headline = "Root posture drift: " + kindCounts(d, digest.Kinds)
		sev = alertevent.DigestSeverity(d)
	}
	blocks := []slack.Block{
		header(sev, headline),
		section(fmt.Sprintf("*%s* %s. %s", strings.ToUpper(sev.String()), esc(headline, maxValue), standing)),
	}
	if d.Total() > 0 {
		var f []*slack.TextBlockObject
		for _, k := range digest.Kinds {
			if n := d.Count(k); n > 0 {
				f = append(f, mrkdwn(fmt.Sprintf("*%s*\n%d", capitalize(kindLabel[k]), n)))
			}
		}
		f = append(f, mrkdwn(fmt.Sprintf("*Unchanged*\n%s", plural(d.Unchanged, "account"))))
		blocks = append(blocks, slack.NewSectionBlock(nil, f, nil))
		blocks = append(blocks, itemSections(d)...)
	}
	if d.SecurityHub.GapCount() > 0 {
		blocks = append(blocks, securityHubGaps(d.SecurityHub))
	}
	blocks = append(blocks, digestFooter(d))
	return &slack.WebhookMessage{
		Text:   cut("["+sev.String()+"] "+esc(headline, maxValue)+". "+standing, MaxSectionText),
		Blocks: &slack.Blocks{BlockSet: blocks},
	}
}

// standingLine is where the organization stands after the run.
func standingLine(d *digest.Digest) string {
	s := fmt.Sprintf("%s FAIL outstanding", plural(d.FailChecks, "check"))
	if d.FailChecks > 0 {
		s += " in " + plural(d.FailAccounts, "account")
	}
	if d.ErrorChecks > 0 {
		s += fmt.Sprintf(", %d ERROR (not evaluated)", d.ErrorChecks)
	}
	return fmt.Sprintf("%s audited: %s.", plural(d.Accounts, "account"), s)
}

// kindCounts is "2 new FAIL, 1 fixed" over kinds, in their order.
func kindCounts(d *digest.Digest, kinds []digest.Kind) string {
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
func itemSections(d *digest.Digest) []slack.Block {
	shown := d.Changes[:min(len(d.Changes), DigestItems)]
	var blocks []slack.Block
	var b strings.Builder
	// addLine appends a line, starting a new section where it would push
	// this one past Slack's limit.
	addLine := func(line string) {
		if b.Len()+len(line)+1 > MaxSectionText {
			blocks = append(blocks, section(b.String()))
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	for _, c := range shown {
		addLine(itemLine(c))
	}
	counts, rest := map[digest.Kind]int{}, 0
	for _, c := range d.Changes[len(shown):] {
		counts[c.Kind]++
		rest++
	}
	for k, n := range d.Omitted {
		counts[k] += n
		rest += n
	}
	if rest > 0 {
		var parts []string
		for _, k := range digest.Kinds {
			if counts[k] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[k], kindLabel[k]))
			}
		}
		addLine(fmt.Sprintf("+%d more: %s (all in the report)", rest, strings.Join(parts, ", ")))
	}
	return append(blocks, section(b.String()))
}

// itemLine is "• *new FAIL* 111122223333 (prod) · root-access-keys: PASS → FAIL — detail".
func itemLine(c digest.Change) string {
	var b strings.Builder
	b.WriteString("• *" + kindLabel[c.Kind] + "* " + esc(c.AccountID, maxValue))
	if c.Name != "" {
		b.WriteString(" (" + esc(c.Name, 80) + ")")
	}
	if c.Check != "" {
		b.WriteString(" · " + esc(string(c.Check), 80))
		if c.From != "" || c.To != "" {
			from := c.From
			if from == "" {
				from = "not run"
			}
			b.WriteString(": " + esc(from, 20) + " → " + esc(c.To, 20))
		}
	}
	line := b.String()
	if c.Detail != "" {
		line += " — " + esc(c.Detail, maxDigestLine)
	}
	return cut(line, maxDigestLine+len(b.String()))
}

func digestFooter(d *digest.Digest) slack.Block {
	parts := []string{"run " + esc(d.Current, maxValue)}
	if d.Previous != "" {
		parts[0] += " compared with " + esc(d.Previous, maxValue)
	} else {
		parts[0] += " (first run: the baseline for the next)"
	}
	if d.Report != "" {
		parts = append(parts, "report "+esc(d.Report, maxValue))
	}
	if sh := d.SecurityHub; sh != nil {
		parts = append(parts, fmt.Sprintf("Security Hub: %s imported from %s", plural(sh.Findings, "finding"), plural(sh.Accounts, "account")))
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

// SecurityHubGapItems caps the accounts a digest names as not imported
// into Security Hub; the rest are counted.
const SecurityHubGapItems = 10

// securityHubGaps names the accounts whose findings did not reach their
// Security Hub, so that its view is never taken for the whole organization.
func securityHubGaps(sh *digest.SecurityHub) slack.Block {
	var b strings.Builder
	fmt.Fprintf(&b, "*Security Hub: %s not imported* (their findings there are stale or missing)", plural(sh.GapCount(), "account"))
	listed := 0
	for _, g := range sh.Gaps[:min(len(sh.Gaps), SecurityHubGapItems)] {
		line := "\n• " + esc(g.AccountID, maxValue) + " — " + esc(g.Reason, maxDigestLine)
		if b.Len()+len(line) > MaxSectionText-60 {
			break
		}
		b.WriteString(line)
		listed++
	}
	if rest := sh.GapCount() - listed; rest > 0 {
		fmt.Fprintf(&b, "\n+%d more (all in the run's notes)", rest)
	}
	return section(b.String())
}
