package report

import (
	"bytes"
	"html/template"
	"os"
	"strconv"
	"testing"

	"github.com/rootguard/rootguard/internal/audit"
)

// shellTemplate is the template the page's shell was written from, as
// html.go executed it before html_shell.go replaced it, with its static
// parts (style sheet, filter form, script) taken from html_shell.go.
func shellTemplate(tb testing.TB) *template.Template {
	tb.Helper()
	src, err := os.ReadFile("testdata/html.tmpl")
	if err != nil {
		tb.Fatal(err)
	}
	// The static parts are the writer's own constants, written once: the
	// comparison is about the values and their escaping.
	static := func(s string) func() template.HTML { return func() template.HTML { return template.HTML(s) } }
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"thousands": thousands,
		"style":     static(htmlStyle),
		"filters":   static(htmlFilters),
		"tail":      static(htmlTail),
	}).Parse(string(src)))
}

// compareShell writes each part of p's shell with the template and with
// the writer and fails on the first byte where they differ.
func compareShell(t *testing.T, tmpl *template.Template, p *htmlPage) {
	t.Helper()
	for _, part := range []struct {
		name  string
		write func(*htmlWriter)
	}{{"head", p.writeHead}, {"problems", p.writeProblems}, {"others", p.writeOthers}, {"tail", p.writeTail}} {
		var want bytes.Buffer
		if err := tmpl.ExecuteTemplate(&want, part.name, p); err != nil {
			t.Fatalf("template %s: %v", part.name, err)
		}
		h := &htmlWriter{}
		part.write(h)
		if got := h.buf; !bytes.Equal(got, want.Bytes()) {
			i := 0
			for i < len(got) && i < want.Len() && got[i] == want.Bytes()[i] {
				i++
			}
			from := max(0, i-60)
			t.Errorf("%s differs from the template's at byte %d:\n got …%q\nwant …%q", part.name, i,
				got[from:min(len(got), i+60)], want.Bytes()[from:min(want.Len(), i+60)])
		}
	}
}

// The shell of real pages: what newHTMLPage makes of the golden test's
// accounts, with and without OUs, skipped accounts and notes.
func TestHTMLShellIsTemplates(t *testing.T) {
	tmpl := shellTemplate(t)
	for _, in := range []HTMLInput{
		{},
		{Accounts: sample(), Version: "1.0.0", Generated: at},
		{Accounts: sample(), OUs: map[string]string{}, Notes: []string{"a note", "<b>another</b>"},
			Skipped: []SkippedAccount{{AccountID: "111122223333", Name: "old", Status: "SUSPENDED"}, {AccountID: "444455556666", Status: "PENDING_CLOSURE"}}},
	} {
		compareShell(t, tmpl, newHTMLPage(in))
	}
}

// For any values — markup, quotes, '+', NUL, invalid UTF-8, Unicode
// noncharacters, line separators — and any counts, the hand-written shell
// is the template's, byte for byte: every value escaped as html/template
// escapes it in that place (HTML text, <title>, double-quoted attributes).
func FuzzHTMLShellIsTemplates(f *testing.F) {
	tmpl := shellTemplate(f)
	hostile := `</title></style>"'><script>alert(1)</script>+&amp;` + "\x00\xff\xfe\ufdd0\uffff\u2028 é\t\n"
	f.Add("1.0.0", "2026-01-02T03:04:05Z", "a note", "old", "Root user has MFA", "root-mfa", uint32(1234567), uint8(0xff))
	f.Add("", "", "", "", "", "", uint32(0), uint8(0))
	f.Add(hostile, hostile, hostile, hostile, hostile, hostile, uint32(999), uint8(0x1d))
	f.Add("v+1", "<t>", "\x00", "+", "&", "a\"b", uint32(1<<31), uint8(0x2a))
	f.Fuzz(func(t *testing.T, version, generated, note, name, title, id string, n uint32, shape uint8) {
		p := &htmlPage{
			Version: version, Generated: generated, Accounts: int(n),
			AccountSummary: AccountSummary{Fail: int(n % 1000), Error: int(n >> 20), Pass: int(n >> 8)},
			Summary:        Summary{Fail: int(n >> 4), Error: int(n % 7), Pass: int(n >> 1), NotApplicable: int(n >> 12)},
			Problems:       int(n%3) * int(n>>16), Others: int(n >> 2),
		}
		for i := range int(shape % 4) {
			p.Columns = append(p.Columns, htmlColumn{ID: audit.CheckID(id + strconv.Itoa(i)), Title: title + strconv.Itoa(i),
				Fail: int(n>>(3*i)) % 3, Error: int(n>>(5*i)) % 2})
		}
		if shape&4 != 0 {
			p.Skipped = append(p.Skipped, SkippedAccount{AccountID: id, Name: name, Status: title})
		}
		if shape&8 != 0 {
			p.Skipped = append(p.Skipped, SkippedAccount{AccountID: name, Status: version})
		}
		switch {
		case shape&16 != 0:
			p.Notes = []string{note, name + note}
		case shape&32 != 0:
			p.Notes = []string{}
		}
		compareShell(t, tmpl, p)
	})
}
