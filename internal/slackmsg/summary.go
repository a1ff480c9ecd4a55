package slackmsg

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/rootguard/rootguard/internal/alertevent"
)

// listLines caps the lines of a counted list (source IPs, kinds) in a summary.
const listLines = 5

// Summary renders many events as one message: how many, of what, for which
// accounts, from how many addresses, over what time, and the first and last
// in full. It is meant for events that arrived together in one batch; evs
// must not be empty.
func Summary(evs []alertevent.Event) *slack.WebhookMessage {
	byTime := slices.Clone(evs)
	slices.SortStableFunc(byTime, func(a, b alertevent.Event) int {
		switch {
		case a.Time.IsZero() || b.Time.IsZero(): // unknown times go last
			return cmp.Compare(boolInt(a.Time.IsZero()), boolInt(b.Time.IsZero()))
		default:
			return a.Time.Compare(b.Time)
		}
	})
	first, last := byTime[0], byTime[len(byTime)-1]
	sev := slices.MaxFunc(evs, func(a, b alertevent.Event) int { return cmp.Compare(a.Severity, b.Severity) }).Severity

	headline := summaryHeadline(evs)
	blocks := []slack.Block{
		header(sev, headline),
		section(fmt.Sprintf("*%s* %s", strings.ToUpper(sev.String()), esc(headline, maxValue)+summaryScope(evs, first, last))),
	}
	f := []*slack.TextBlockObject{
		mrkdwn("*First*\n" + esc(moment(first), maxValue)),
		mrkdwn("*Last*\n" + esc(moment(last), maxValue)),
	}
	if ips := counted(evs, func(e alertevent.Event) string { return e.SourceIP }); len(ips) > 0 {
		f = append(f, mrkdwn("*Source IPs*\n"+esc(ips, maxLongText)))
	}
	if accts := counted(evs, accountPlain); strings.Contains(accts, "\n") {
		f = append(f, mrkdwn("*Accounts*\n"+esc(accts, maxLongText)))
	}
	if kinds := counted(evs, func(e alertevent.Event) string { return e.Title }); strings.Contains(kinds, "\n") {
		f = append(f, mrkdwn("*What*\n"+esc(kinds, maxLongText)))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, f, nil), summaryFooter(first, last))
	return &slack.WebhookMessage{
		Text:   cut("["+sev.String()+"] "+esc(headline, maxValue)+summaryScope(evs, first, last), MaxSectionText),
		Blocks: &slack.Blocks{BlockSet: blocks},
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// summaryHeadline is "37 failed root sign-ins", or "12 alert events" when
// the events are of different groups.
func summaryHeadline(evs []alertevent.Event) string {
	group := evs[0].Group
	for _, e := range evs[1:] {
		if e.Group != group {
			return fmt.Sprintf("%d alert events", len(evs))
		}
	}
	return fmt.Sprintf("%d %s", len(evs), group)
}

// summaryScope is " for 111122223333 (prod) from 3 IPs in 5 s".
func summaryScope(evs []alertevent.Event, first, last alertevent.Event) string {
	var b strings.Builder
	accts := distinct(evs, func(e alertevent.Event) string { return e.Account })
	switch len(accts) {
	case 0:
	case 1:
		b.WriteString(" for " + account(evs[0]))
	default:
		fmt.Fprintf(&b, " for %d accounts", len(accts))
	}
	ips := distinct(evs, func(e alertevent.Event) string { return e.SourceIP })
	switch len(ips) {
	case 0:
	case 1:
		b.WriteString(" from " + esc(ips[0], maxValue))
	default:
		fmt.Fprintf(&b, " from %d IPs", len(ips))
	}
	if !first.Time.IsZero() && !last.Time.IsZero() {
		b.WriteString(" in " + span(last.Time.Sub(first.Time)))
	}
	return b.String()
}

func span(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Second:
		return "under a second"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// moment is "2024-05-14T09:57:41Z from 192.0.2.77: Failed root sign-in".
func moment(e alertevent.Event) string {
	var parts []string
	if !e.Time.IsZero() {
		parts = append(parts, e.Time.Format(time.RFC3339))
	} else if e.RawTime != "" {
		parts = append(parts, e.RawTime)
	}
	if e.SourceIP != "" {
		parts = append(parts, "from "+e.SourceIP)
	}
	return strings.Join(parts, " ") + ": " + e.Title
}

func distinct(evs []alertevent.Event, key func(alertevent.Event) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range evs {
		if k := key(e); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// counted lists the most frequent values, "192.0.2.77 ×30" a line, with
// "+N more" when there are more than listLines.
func counted(evs []alertevent.Event, key func(alertevent.Event) string) string {
	counts := map[string]int{}
	for _, e := range evs {
		if k := key(e); k != "" {
			counts[k]++
		}
	}
	keys := distinct(evs, key)
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(counts[b], counts[a]) })
	var lines []string
	for i, k := range keys {
		if i == listLines {
			lines = append(lines, fmt.Sprintf("+%d more", len(keys)-listLines))
			break
		}
		lines = append(lines, fmt.Sprintf("%s ×%d", k, counts[k]))
	}
	return strings.Join(lines, "\n")
}

func summaryFooter(first, last alertevent.Event) slack.Block {
	link := func(label string, e alertevent.Event) string {
		if u := ConsoleURL(e.Region, e.EventID); u != "" {
			return "<" + u + "|" + label + " in CloudTrail>"
		}
		return label + " event has no CloudTrail link"
	}
	return slack.NewContextBlock("", mrkdwn(link("First", first)+" · "+link("Last", last)+" · rootguard"))
}
