package slackmsg

import (
	"strings"
	"unicode/utf8"
)

// Slack's Block Kit limits, in characters. Lengths here are counted in
// bytes, which is never less than Slack's count, so a cut text always fits.
const (
	MaxHeader       = 150
	MaxSectionText  = 3000
	MaxField        = 2000
	MaxFields       = 10
	MaxBlocks       = 50
	MaxContextItems = 10
)

// Shorter caps keep a message readable; a value is cut, never dropped.
const (
	maxValue    = 300  // one field's value
	maxLongText = 1200 // user agent, error message
)

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes a value taken from an event for mrkdwn and cuts it to limit
// bytes, so that "<!channel>" or "<https://x|click>" shows as text and can
// neither ping nor link.
func esc(s string, limit int) string {
	return cut(mrkdwnEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD")), limit)
}

// cut shortens s to at most limit bytes, ending with "…", never splitting a
// rune or an escape entity (&amp; &lt; &gt;).
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	n := limit - len(ellipsis)
	if n < 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if amp := strings.LastIndexByte(s[:n], '&'); amp >= 0 && !strings.Contains(s[amp:n], ";") {
		n = amp
	}
	return s[:n] + ellipsis
}

// plain makes text for a plain_text object (headers), which Slack shows
// literally: only length and valid UTF-8 matter.
func plain(s string, limit int) string {
	return cut(strings.ToValidUTF8(s, "\uFFFD"), limit)
}
