// Package slackmsg renders alert events as Slack Block Kit messages for an
// incoming webhook: one message per event, or one summary for many.
//
// Every value taken from an event is escaped for mrkdwn and cut to fit
// Slack's limits; text objects are verbatim, so Slack does not turn URLs or
// names inside event values into links or mentions.
package slackmsg

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/rootguard/rootguard/internal/alertevent"
)

// Body is the JSON a webhook receives for msg.
func Body(msg *slack.WebhookMessage) ([]byte, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode slack message: %w", err)
	}
	return body, nil
}

// Event renders one event. A posture digest is rendered by Digest; the
// auditor sends one only when it is to be posted, so as a heartbeat too.
func Event(ev alertevent.Event) *slack.WebhookMessage {
	if ev.Kind == alertevent.KindPostureDigest && ev.Digest != nil {
		return Digest(ev.Digest, DigestOptions{Heartbeat: true})
	}
	blocks := []slack.Block{
		header(ev.Severity, ev.Title),
		section(fmt.Sprintf("*%s* %s", strings.ToUpper(ev.Severity.String()), intro(ev))),
	}
	if f := fields(ev); len(f) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(nil, f, nil))
	}
	if s := rootSession(ev); s != "" {
		blocks = append(blocks, section(s))
	}
	if ev.UserAgent != "" {
		blocks = append(blocks, section("*User agent*\n"+esc(ev.UserAgent, maxLongText)))
	}
	if ev.ErrorMessage != "" {
		blocks = append(blocks, section("*Error message*\n"+esc(ev.ErrorMessage, maxLongText)))
	}
	if ev.Message != "" {
		blocks = append(blocks, section(esc(ev.Message, maxLongText)))
	}
	if ev.Kind == alertevent.KindUnrecognised {
		blocks = append(blocks,
			section("*Could not read:* "+esc(strings.Join(ev.Problems, "; "), maxLongText)),
			section("*Raw event (start)*\n```"+esc(ev.Excerpt, MaxSectionText-len("*Raw event (start)*\n``````"))+"```"))
	}
	blocks = append(blocks, footer(ev))
	return &slack.WebhookMessage{
		Text:   fallback(ev.Severity, ev.Title, ev),
		Blocks: &slack.Blocks{BlockSet: blocks},
	}
}

var severityEmoji = map[alertevent.Severity]string{
	alertevent.SeverityInfo:     ":information_source:",
	alertevent.SeverityMedium:   ":large_orange_diamond:",
	alertevent.SeverityHigh:     ":red_circle:",
	alertevent.SeverityCritical: ":rotating_light:",
}

func header(sev alertevent.Severity, title string) slack.Block {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, plain(severityEmoji[sev]+" "+title, MaxHeader), true, false))
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(mrkdwn(cut(text, MaxSectionText)), nil, nil)
}

func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
}

// intro is the one-line "who, where, when" under the header.
func intro(ev alertevent.Event) string {
	var b strings.Builder
	switch ev.Kind {
	case alertevent.KindTest:
		b.WriteString("test alert — nothing happened in AWS; this checks the route to Slack")
	case alertevent.KindTampering:
		b.WriteString("change to rootguard's own alert pipeline by " + esc(actor(ev), maxValue))
	default:
		b.WriteString(esc(ev.Title, maxValue))
	}
	if ev.Account != "" {
		b.WriteString(" in account " + account(ev))
	}
	if !ev.Time.IsZero() {
		b.WriteString(" at " + ev.Time.Format("2006-01-02 15:04:05") + " UTC")
	}
	return b.String()
}

func actor(ev alertevent.Event) string {
	switch {
	case ev.Identity.ARN != "":
		return ev.Identity.ARN
	case ev.Identity.Type != "":
		return ev.Identity.Type
	default:
		return "an unknown principal"
	}
}

func account(ev alertevent.Event) string {
	s := esc(ev.Account, maxValue)
	if ev.AccountAlias != "" {
		s += " (" + esc(ev.AccountAlias, maxValue) + ")"
	}
	return s
}

func field(label, value string) *slack.TextBlockObject {
	return mrkdwn("*" + label + "*\n" + esc(value, maxValue))
}

// fields are the event's facts, at most MaxFields, the missing ones left out.
func fields(ev alertevent.Event) []*slack.TextBlockObject {
	when := ev.RawTime
	if !ev.Time.IsZero() {
		when = ev.Time.Format(time.RFC3339)
	}
	var who string
	if ev.Kind == alertevent.KindTampering || ev.Kind == alertevent.KindUnrecognised || ev.Kind == alertevent.KindRootSessionOpened {
		who = actor(ev)
		if ev.Identity.Type == "" && ev.Identity.ARN == "" {
			who = ""
		}
	}
	result := ev.Result
	if ev.ErrorCode != "" {
		result = strings.TrimSpace(result + " (" + ev.ErrorCode + ")")
	}
	candidates := []struct{ label, value string }{
		{"Account", accountPlain(ev)},
		{"Time (UTC)", when},
		{"Source IP", ev.SourceIP},
		{"Region", ev.Region},
		{"Result", result},
		{"MFA used", ev.MFAUsed},
		{"Event", ev.EventName},
		{"Principal", who},
		{"Target", ev.Target},
		{"Event source", ev.EventSource},
	}
	var out []*slack.TextBlockObject
	for _, c := range candidates {
		if c.value != "" && len(out) < MaxFields {
			out = append(out, field(c.label, c.value))
		}
	}
	return out
}

func accountPlain(ev alertevent.Event) string {
	if ev.AccountAlias != "" && ev.Account != "" {
		return ev.Account + " (" + ev.AccountAlias + ")"
	}
	return ev.Account
}

var (
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,128}$`)
)

// rootSession says who is behind a root session, so a reader can tell an
// approved task (rootguard fix, a break-glass task) from an intruder: for
// an sts:AssumeRoot call, who opened a session where and for which task;
// for a call made in such a session, the opener when the record names it
// (its source identity), and otherwise where to find it — the AssumeRoot
// call that returned this session's access key — rather than a guess.
func rootSession(ev alertevent.Event) string {
	if ev.Kind == alertevent.KindRootSessionOpened {
		var b strings.Builder
		b.WriteString("*Root session (sts:AssumeRoot)*\nOpened by " + esc(actor(ev), maxValue))
		if ev.Target != "" {
			b.WriteString(" in member account " + esc(ev.Target, maxValue))
		}
		if ev.TaskPolicy != "" {
			b.WriteString(", scoped to " + esc(ev.TaskPolicy, maxValue))
		}
		if ev.SessionKey != "" {
			b.WriteString(".\nEvery call of the session in the member carries access key " + esc(ev.SessionKey, maxValue))
		}
		return b.String()
	}
	s := ev.Identity.Session
	if s == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("*Root session (sts:AssumeRoot)* — root acted through centralized root access, not with root's own credentials")
	if s.Created != "" {
		b.WriteString("; session opened " + esc(s.Created, maxValue))
	}
	if s.SourceIdentity != "" {
		b.WriteString(".\n*Opened by* source identity " + esc(s.SourceIdentity, maxValue) + " (carried over from the principal that called AssumeRoot)")
	} else {
		b.WriteString(".\n*Opened by:* not in this event. It is the principal of the AssumeRoot call whose response carries access key " +
			esc(orUnknown(s.AccessKeyID), maxValue) + ", in the CloudTrail of the management account (or the IAM delegated administrator)")
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "(not recorded)"
	}
	return s
}

// ConsoleURL links to the event in the CloudTrail console, or is "" when the
// region or event ID is missing or not shaped like one.
func ConsoleURL(region, eventID string) string {
	if !regionPattern.MatchString(region) || !eventIDPattern.MatchString(eventID) {
		return ""
	}
	return fmt.Sprintf("https://%s.console.aws.amazon.com/cloudtrail/home?region=%s#/events/%s", region, region, eventID)
}

func footer(ev alertevent.Event) slack.Block {
	var parts []string
	if u := ConsoleURL(ev.Region, ev.EventID); u != "" {
		parts = append(parts, "<"+u+"|Open in CloudTrail>")
	} else if ev.EventID != "" {
		parts = append(parts, "CloudTrail event "+esc(ev.EventID, maxValue))
	}
	if ev.ID != "" {
		parts = append(parts, "EventBridge id "+esc(ev.ID, maxValue))
	}
	parts = append(parts, "rootguard")
	return slack.NewContextBlock("", mrkdwn(cut(strings.Join(parts, " · "), MaxSectionText)))
}

// fallback is the message's top-level text: what notifications and
// screen readers show.
func fallback(sev alertevent.Severity, title string, ev alertevent.Event) string {
	s := "[" + sev.String() + "] " + esc(title, maxValue)
	if ev.Account != "" {
		s += " — account " + account(ev)
	}
	if ev.SourceIP != "" {
		s += " from " + esc(ev.SourceIP, maxValue)
	}
	return cut(s, MaxSectionText)
}
