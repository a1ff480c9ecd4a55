package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/audit"
)

func renderHTML(t *testing.T, in HTMLInput) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, in); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, "html", sample(), Options{Version: "1.0.0", Generated: at}); err != nil {
		t.Fatal(err)
	}
	golden(t, "audit.html", buf.Bytes())
}

// Everything that came from AWS or the caller is text, never markup: an
// account ID, alias, OU, check, detail, evidence or note holding markup
// shows as typed, in every place the page puts it — HTML text, quoted
// attributes (id, title, data-*), the fragments of links, and the evidence's
// JSON inside <pre>.
func TestHTMLEscapesEveryValue(t *testing.T) {
	const hostile = `</pre></td>"'><script>alert(1)</script>+&`
	// html/template's escaping of it in text and quoted attributes, and
	// in a URL fragment, written out here rather than computed.
	const esc = `&lt;/pre&gt;&lt;/td&gt;&#34;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#43;&amp;`
	const frag = `%3c%2fpre%3e%3c%2ftd%3e%22%27%3e%3cscript%3ealert%281%29%3c%2fscript%3e%2b%26`
	if html.UnescapeString(esc) != hostile {
		t.Fatal("the test's escaped form is wrong")
	}
	accts := sample()
	id, check := "1111"+hostile, audit.CheckID("c"+hostile)
	accts[0].AccountID, accts[0].AccountAlias, accts[0].Access = id, hostile, hostile
	accts[0].Checks[0] = audit.CheckResult{ID: check, Status: audit.Fail, Severity: hostile, Title: hostile, Detail: hostile,
		Remediation: hostile, References: []string{hostile}, Evidence: map[string]any{hostile: hostile}}
	accts[1].Error = hostile
	accts[1].Checks = nil
	out := renderHTML(t, HTMLInput{Accounts: accts, Notes: []string{hostile}, Version: hostile,
		OUs:     map[string]string{id: hostile},
		Skipped: []SkippedAccount{{AccountID: hostile, Name: hostile, Status: hostile}}})
	if strings.Contains(out, hostile) || strings.Contains(out, `"'>`) || strings.Count(out, "<script") != 1 {
		t.Errorf("output contains markup from a value (%d <script elements, the page has one)", strings.Count(out, "<script"))
	}
	for _, want := range []string{
		// text
		`<meta name="generator" content="rootguard ` + esc + `">`,
		`colspan="4">` + esc + ` <span class="group-count">`,
		`<span class="badge s-fail">FAIL</span> 1111` + esc + ` (` + esc + `) <span class="access">` + esc + `</span></th>`,
		`<h3><span class="badge s-fail">FAIL</span> 1111` + esc + ` (` + esc + `) · c` + esc + ` <small>(` + esc + `)</small></h3>`,
		`<p><b>` + esc + `</b>: ` + esc + `</p>`,
		`<p>Remediation: ` + esc + `</p>`,
		`<p>References: ` + esc + `</p>`,
		`<a href="#a-444455556666">could not be audited: ` + esc + `</a>`,
		`<li>` + esc + `</li>`,
		`<li>` + esc + ` (` + esc + `): ` + esc + `</li>`,
		// attributes
		`<tr class="acct" id="r-1111` + esc + `" data-status="FAIL" data-account="1111` + esc + ` ` + esc + `">`,
		`<th title="` + esc + `" data-check="c` + esc + `">c` + esc + `<small>`,
		`<option value="c` + esc + `">c` + esc + `</option>`,
		`<td class="cell" data-check="c` + esc + `" data-status="FAIL">`,
		`title="c` + esc + `: ` + esc + `">FAIL</a>`,
		`<article id="c-1111` + esc + `-c` + esc + `" data-status="FAIL">`,
		// link fragments
		`href="#c-1111` + frag + `-c` + frag + `"`,
		`<a href="#r-1111` + frag + `">back to the grid</a>`,
		// JSON in <pre>: encoding/json writes <, > and & as \u escapes
		`<pre>{
  &#34;\u003c/pre\u003e\u003c/td\u003e\&#34;&#39;\u003e\u003cscript\u003ealert(1)\u003c/script\u003e&#43;\u0026&#34;: `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}
}

// The grid and the findings are written without html/template; their
// escaping is its escaping, value for value, in the same three contexts.
func FuzzHTMLEscapingIsHTMLTemplates(f *testing.F) {
	tmpl := template.Must(template.New("").Parse(`<p title="{{.}}">{{.}}<a href="#x-{{.}}">x</a></p>`))
	for _, s := range []string{"", "plain", `</pre>"'<>&+`, "\x00\xff\xfe\ufdd0\uffff\u2028 é", "a b\tc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want strings.Builder
		if err := tmpl.Execute(&want, s); err != nil {
			t.Skip(err)
		}
		got := `<p title="` + string(escapeHTML(nil, s)) + `">` + string(escapeHTML(nil, []byte(s))) + `<a href="#x-` + string(escapeFragment(nil, s)) + `">x</a></p>`
		if got != want.String() {
			t.Errorf("escaping of %q:\n got %s\nwant %s", s, got, want.String())
		}
	})
}

// The page loads nothing: no src or external href, no stylesheet link, and a
// Content-Security-Policy that would block a fetch if one slipped in.
func TestHTMLSelfContained(t *testing.T) {
	out := renderHTML(t, HTMLInput{Accounts: sample()})
	if !strings.Contains(out, `http-equiv="Content-Security-Policy" content="default-src 'none';`) {
		t.Error("no Content-Security-Policy forbidding fetches")
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`\ssrc=`),
		regexp.MustCompile(`<link\b`),
		regexp.MustCompile(`href="[^#]`),
		regexp.MustCompile(`url\(`),
		regexp.MustCompile(`@import`),
	} {
		if loc := bad.FindStringIndex(out); loc != nil {
			t.Errorf("page references something outside itself (%s): %q", bad, out[max(0, loc[0]-40):min(len(out), loc[1]+40)])
		}
	}
}

// FAIL accounts come before ERROR accounts before passing ones; every cell
// links to a finding with that anchor, and a failing fixable check carries
// its fix command.
func TestHTMLOrderLinksAndFix(t *testing.T) {
	accts := []audit.AccountResult{
		{AccountID: "000000000001", Access: "assume-root", Checks: []audit.CheckResult{{ID: "root-mfa", Status: audit.Pass, Title: "Root user has MFA"}}},
		{AccountID: "000000000002", Access: "assume-root", Error: "cannot reach the account: AccessDenied"},
		{AccountID: "000000000003", Access: "assume-root", Checks: []audit.CheckResult{
			{ID: "root-access-keys", Status: audit.Fail, Severity: audit.Critical, Title: "Root user has no access keys", Evidence: map[string]any{"AccountAccessKeysPresent": 1}},
			{ID: "root-mfa", Status: audit.Pass, Title: "Root user has MFA"}}},
		{AccountID: "000000000004", Access: "assume-root", Checks: []audit.CheckResult{{ID: "root-mfa", Status: audit.Error, Title: "Root user has MFA"}}},
	}
	out := renderHTML(t, HTMLInput{Accounts: accts})
	rows := regexp.MustCompile(`<tr class="acct" id="r-(\d+)"`).FindAllStringSubmatch(out, -1)
	var order []string
	for _, r := range rows {
		order = append(order, r[1])
	}
	if got, want := strings.Join(order, " "), "000000000003 000000000002 000000000004 000000000001"; got != want {
		t.Errorf("row order = %s, want %s (FAIL, ERROR, PASS)", got, want)
	}
	links := regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(out, -1)
	if len(links) < 6 {
		t.Fatalf("only %d links", len(links))
	}
	for _, l := range links {
		if !strings.Contains(out, `id="`+l[1]+`"`) {
			t.Errorf("link #%s has no target", l[1])
		}
	}
	// The account 000000000003 did not run root-access-keys in 0001: not run, not PASS.
	if !strings.Contains(out, `<td class="cell" data-check="root-access-keys" data-status="NOT_RUN">`) {
		t.Error("a check an account did not run is not shown as not run")
	}
	if !strings.Contains(out, `<code class="fix">rootguard fix --accounts 000000000003 --only root-access-keys</code>`) {
		t.Error("failing root-access-keys lacks its fix command")
	}
	if !strings.Contains(out, `&#34;AccountAccessKeysPresent&#34;: 1`) {
		t.Error("evidence not shown")
	}
}

func TestHTMLGroupsByOU(t *testing.T) {
	accts := []audit.AccountResult{
		{AccountID: "000000000001", Checks: []audit.CheckResult{{ID: "root-mfa", Status: audit.Pass}}},
		{AccountID: "000000000002", Checks: []audit.CheckResult{{ID: "root-mfa", Status: audit.Fail}}},
		{AccountID: "000000000003", Checks: []audit.CheckResult{{ID: "root-mfa", Status: audit.Pass}}},
	}
	ous := map[string]string{"000000000001": "Root/dev", "000000000002": "Root/prod"}
	out := renderHTML(t, HTMLInput{Accounts: accts, OUs: ous})
	heads := regexp.MustCompile(`<tr class="ou"><th colspan="2">([^<]+) <span class="group-count">([^<]+)</span>`).FindAllStringSubmatch(out, -1)
	var got []string
	for _, h := range heads {
		got = append(got, h[1]+": "+h[2])
	}
	want := "Root/prod: 1 accounts: 1 fail, 0 error, 0 pass | OU not known: 1 accounts: 0 fail, 0 error, 1 pass | Root/dev: 1 accounts: 0 fail, 0 error, 1 pass"
	if strings.Join(got, " | ") != want {
		// Groups with failures first, then by name: "OU not known" < "Root/dev".
		t.Errorf("groups =\n%s\nwant\n%s", strings.Join(got, " | "), want)
	}
	if ungrouped := renderHTML(t, HTMLInput{Accounts: accts}); strings.Contains(ungrouped, `<tr class="ou">`) {
		t.Error("grouped without OUs")
	}
}

func TestFixCommand(t *testing.T) {
	fail := func(id string) audit.CheckResult { return audit.CheckResult{ID: audit.CheckID(id), Status: audit.Fail} }
	for _, tc := range []struct {
		access, check, want string
	}{
		{"", "root-access-keys", "rootguard fix --only root-access-keys"},
		{"caller", "root-signing-certificates", "rootguard fix --only root-signing-certificates"},
		{"assume-root", "root-signing-certificates", "rootguard fix --accounts 123456789012 --only root-signing-certificates"},
		{"assume-role", "root-access-keys", "rootguard fix --only root-access-keys   # with credentials of account 123456789012"},
		{"assume-root", "root-mfa", "rootguard fix --accounts 123456789012 --remove-root-credentials"},
		{"", "root-hardware-mfa", "rootguard mfa"},
		{"caller", "org-centralized-root-access", "rootguard fix --only org-centralized-root-access"},
		{"", "root-alerting", "rootguard alert deploy"},
		{"assume-role", "root-alerting", "rootguard alert deploy --org"},
		{"", "root-recent-use", ""},
	} {
		t.Run(fmt.Sprint(tc.access, "/", tc.check), func(t *testing.T) {
			a := audit.AccountResult{AccountID: "123456789012", Access: tc.access}
			if got := FixCommand(a, fail(tc.check)); got != tc.want {
				t.Errorf("FixCommand = %q, want %q", got, tc.want)
			}
			pass := fail(tc.check)
			pass.Status = audit.Pass
			if got := FixCommand(a, pass); got != "" {
				t.Errorf("a passing check has fix %q", got)
			}
		})
	}
}

// The evidence's JSON is written without reflection for the types the
// checks use; it is encoding/json's, byte for byte, and anything else is
// left to encoding/json.
func FuzzEvidenceJSONIsEncodingJSONs(f *testing.F) {
	f.Add([]byte{6, 1, 9, 7, 10, 1, 8, 3, 4, 5, 2, 11, 12, 13, 14, 0, 6, 15}, "a<b>&\"\\\x00\x1f\u2028\xff é", "k")
	f.Add([]byte{6, 6, 6, 1, 6, 9, 9, 10}, "", "")
	f.Add([]byte{8, 15, 1}, "x", "y") // a float: left to encoding/json
	f.Fuzz(func(t *testing.T, shape []byte, s, k string) {
		pos := 0
		var build func(depth int) any
		build = func(depth int) any {
			if pos >= len(shape) || depth > 4 {
				return s
			}
			op := shape[pos]
			pos++
			switch op % 16 {
			case 0:
				return nil
			case 1:
				return s
			case 2:
				return op%32 == 2
			case 3:
				return int(op) - 100
			case 4:
				return int32(op) << 20
			case 5:
				return int64(op) << 40
			case 6:
				return map[string]any{k: build(depth + 1), s: build(depth + 1), "z": build(depth + 1)}
			case 7:
				return map[string]string{k: s, "x": k}
			case 8:
				return []any{build(depth + 1), build(depth + 1)}
			case 9:
				return []string{s, k}
			case 10:
				return []map[string]any{{k: build(depth + 1)}, {}}
			case 11:
				return []map[string]string{{k: s}}
			case 12:
				return map[string]any(nil)
			case 13:
				return []string(nil)
			case 14:
				return []any{}
			}
			return float64(op) / 3 // not written by appendEvidence
		}
		v := build(0)
		want, wantErr := json.MarshalIndent(v, "", "  ")
		got, ok := appendEvidence([]byte("prefix"), v)
		if !ok {
			if string(got) != "prefix" {
				t.Errorf("a value left to encoding/json changed dst: %q", got)
			}
			return
		}
		if wantErr != nil || string(got) != "prefix"+string(want) {
			t.Errorf("evidence %#v:\n got %s\nwant %s (%v)", v, got[len("prefix"):], want, wantErr)
		}
	})
}
