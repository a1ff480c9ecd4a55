package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rootguard/rootguard/internal/audit"
)

// htmlFlushAt is the size of the writes to the page's writer.
const htmlFlushAt = 64 << 10

// htmlWriter appends the page to a buffer it writes out every htmlFlushAt
// bytes (the caller flushes between rows and findings). Values go
// only where html/template would put them in the same markup — HTML text,
// double-quoted attributes, and URL fragments in href — and are escaped as
// it escapes them there.
type htmlWriter struct {
	w   io.Writer
	buf []byte
	err error
	ev  []byte // a finding's evidence as JSON
	js  bytes.Buffer
	enc *json.Encoder // into js, for evidence appendEvidence does not encode
}

func (h *htmlWriter) flushIfFull() error {
	if len(h.buf) < htmlFlushAt {
		return h.err
	}
	return h.flush()
}

func (h *htmlWriter) flush() error {
	if h.err == nil && len(h.buf) > 0 {
		_, h.err = h.w.Write(h.buf)
	}
	h.buf = h.buf[:0]
	return h.err
}

// raw writes markup.
func (h *htmlWriter) raw(s string) { h.buf = append(h.buf, s...) }

// text writes a value as HTML text or a double-quoted attribute's value.
func (h *htmlWriter) text(s string) { h.buf = escapeHTML(h.buf, s) }

// fragment writes a value in the fragment of an href="#…".
func (h *htmlWriter) fragment(s string) { h.buf = escapeFragment(h.buf, s) }

func (h *htmlWriter) int(n int) { h.buf = strconv.AppendInt(h.buf, int64(n), 10) }

// thousands writes a count with thousands separators; digits, '-' and ','
// need no escaping in text or attributes.
func (h *htmlWriter) thousands(n int) { h.raw(thousands(n)) }

func (h *htmlWriter) badge(s audit.Status) {
	h.raw(`<span class="badge s-`)
	h.text(lowerStatus(s))
	h.raw(`">`)
	h.text(string(s))
	h.raw("</span>")
}

// accountError writes the finding of an account that could not be audited.
func (h *htmlWriter) accountError(a *audit.AccountResult) {
	h.raw(`<article id="a-`)
	h.text(a.AccountID)
	h.raw("\" data-status=\"ERROR\">\n<h3>")
	h.badge(audit.Error)
	h.raw(" ")
	h.accountName(a)
	h.raw("</h3>\n<p><b>The account could not be audited</b>: ")
	h.text(a.Error)
	h.raw("</p>\n")
	h.backToGrid(a)
}

// finding writes a check's finding: what it found, the fix command, the
// remediation, references and evidence.
func (h *htmlWriter) finding(a *audit.AccountResult, c *audit.CheckResult) error {
	// What json.MarshalIndent(c.Evidence, "", "  ") returns.
	var ok bool
	if h.ev, ok = appendEvidence(h.ev[:0], c.Evidence); !ok {
		h.js.Reset()
		if err := h.enc.Encode(c.Evidence); err != nil { // and a newline
			return fmt.Errorf("evidence of %s in %s: %w", c.ID, a.AccountID, err)
		}
		h.ev = append(h.ev[:0], bytes.TrimSuffix(h.js.Bytes(), []byte("\n"))...)
	}
	h.raw(`<article id="c-`)
	h.text(a.AccountID)
	h.raw("-")
	h.text(string(c.ID))
	h.raw(`" data-status="`)
	h.text(string(c.Status))
	h.raw("\">\n<h3>")
	h.badge(c.Status)
	h.raw(" ")
	h.accountName(a)
	if c.ID != "" {
		h.raw(" · ")
		h.text(string(c.ID))
	}
	if c.Severity != "" {
		h.raw(" <small>(")
		h.text(string(c.Severity))
		h.raw(")</small>")
	}
	h.raw("</h3>\n<p><b>")
	h.text(c.Title)
	h.raw("</b>: ")
	h.text(c.Detail)
	h.raw("</p>\n")
	if fix := FixCommand(*a, *c); fix != "" {
		h.raw(`<p>Fix (plans first; add <code>--approve</code> to apply):</p><code class="fix">`)
		h.text(fix)
		h.raw("</code>\n")
	}
	if c.Remediation != "" {
		h.raw("<p>Remediation: ")
		h.text(c.Remediation)
		h.raw("</p>\n")
	}
	if len(c.References) > 0 {
		h.raw("<p>References: ")
		for i, r := range c.References {
			if i > 0 {
				h.raw(", ")
			}
			h.text(r)
		}
		h.raw("</p>\n")
	}
	h.raw("<p>Evidence:</p><pre>")
	h.buf = escapeHTML(h.buf, h.ev)
	h.raw("</pre>\n")
	h.backToGrid(a)
	return nil
}

func (h *htmlWriter) accountName(a *audit.AccountResult) {
	h.text(a.AccountID)
	if a.AccountAlias != "" {
		h.raw(" (")
		h.text(a.AccountAlias)
		h.raw(")")
	}
}

func (h *htmlWriter) backToGrid(a *audit.AccountResult) {
	h.raw(`<p><a href="#r-`)
	h.fragment(a.AccountID)
	h.raw("\">back to the grid</a></p>\n</article>\n")
}

// htmlEscapes is html/template's escaping of a value in HTML text, RCDATA
// and quoted attributes (its htmlReplacementTable, which it applies to
// those contexts without its "bad runes" rule): NUL becomes U+FFFD, the
// five markup characters and '+' become references, every other byte —
// any of a multi-byte UTF-8 sequence, or an invalid one — stays as it is.
var htmlEscapes = [256]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

func escapeHTML[T string | []byte](dst []byte, s T) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if r := htmlEscapes[s[i]]; r != "" {
			dst = append(dst, s[last:i]...)
			dst = append(dst, r...)
			last = i + 1
		}
	}
	return append(dst, s[last:]...)
}

// escapeFragment is html/template's escaping of a value in a URL's query or
// fragment (its urlEscaper): every byte but RFC 3986's unreserved ones is
// percent-encoded, which leaves nothing to escape for the attribute.
func escapeFragment(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			dst = append(dst, c)
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// lowerStatus is strings.ToLower of a status, without an allocation for
// the known ones.
func lowerStatus(s audit.Status) string {
	switch s {
	case audit.Fail:
		return "fail"
	case audit.Error:
		return "error"
	case audit.Pass:
		return "pass"
	case audit.NotApplicable:
		return "not_applicable"
	}
	return strings.ToLower(string(s))
}

// oneLineFast is oneLine(s), without an allocation when s is one line
// already (no space at either end, none doubled, no other white space).
func oneLineFast(s string) string {
	prevSpace := true // a leading space is collapsed too
	for _, r := range s {
		if r == ' ' {
			if prevSpace {
				return oneLine(s)
			}
			prevSpace = true
			continue
		}
		if r >= utf8.RuneSelf || r < ' ' {
			if unicode.IsSpace(r) {
				return oneLine(s)
			}
		}
		prevSpace = false
	}
	if prevSpace && s != "" {
		return oneLine(s)
	}
	return s
}
