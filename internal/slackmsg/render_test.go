package slackmsg

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/rootguard/rootguard/internal/alertevent"
)

var update = flag.Bool("update", false, "rewrite the golden Slack payloads in testdata")

const eventFixtures = "../alertevent/testdata"

func parseFixture(t testing.TB, name string) alertevent.Event {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(eventFixtures, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := alertevent.DefaultConfig()
	cfg.AccountAliases = map[string]string{"111122223333": "prod"}
	return alertevent.Parse(raw, cfg)
}

// readable re-encodes a payload without Go's \u003c-style escaping of
// <, > and &, so tests and golden files show the text Slack will see.
func readable(t testing.TB, body []byte, indent string) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	pretty := bytes.NewBuffer(readable(t, body, "  "))
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("payload differs from %s (go test -update to accept):\n%s", path, pretty.String())
	}
}

func TestEventGolden(t *testing.T) {
	entries, err := os.ReadDir(eventFixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := Body(Event(parseFixture(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			if err := checkLimits(body); err != nil {
				t.Fatal(err)
			}
			golden(t, name, body)
		})
	}
}

func TestEventSaysWhatMatters(t *testing.T) {
	body := mustBody(t, Event(parseFixture(t, "console-login-success-no-mfa")))
	for _, want := range []string{
		`"text":"[critical] Root signed in without MFA — account 111122223333 (prod) from 203.0.113.45"`,
		`*Source IP*\n203.0.113.45`,
		`*MFA used*\nNo`,
		`*Time (UTC)*\n2024-05-14T09:58:02Z`,
		`<https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/deb1e1f9-c99b-4612-8e9f-21f93b5d79c0|Open in CloudTrail>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("payload lacks %s\n%s", want, body)
		}
	}
}

func TestEventEscapesMrkdwn(t *testing.T) {
	body := mustBody(t, Event(parseFixture(t, "mrkdwn-injection")))
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<https://x|click>", "<https://evil", "<@U012AB3CD>"} {
		if strings.Contains(body, bad) {
			t.Errorf("payload carries %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;!channel&gt; &lt;https://x|click&gt; &amp; *bold*", "203.0.113.45 &lt;!here&gt;", "&lt;!everyone&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("payload lacks escaped %q", want)
		}
	}
}

func TestEventCutsOversizedValues(t *testing.T) {
	ev := parseFixture(t, "oversized")
	body := mustBody(t, Event(ev))
	if err := checkLimits([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Mozilla/5.0 (X11; Linux x86_64) &amp; &lt;AppleWebKit&gt;") || !strings.Contains(body, "…") {
		t.Errorf("oversized user agent not shown cut with an ellipsis")
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 8, "abcde…"},
		{"ab&amp;cdef", 8, "ab…"}, // never half an entity
		{"aé€😀bcdef", 10, "aé€…"}, // never half a rune
		{"abc", 2, ""},
	}
	for _, tt := range tests {
		if got := cut(tt.in, tt.limit); got != tt.want || len(got) > tt.limit {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestConsoleURL(t *testing.T) {
	if got := ConsoleURL("eu-west-1", "3fcfb182-98f8-4744-bd45-10a395ab61cb"); got != "https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/3fcfb182-98f8-4744-bd45-10a395ab61cb" {
		t.Errorf("ConsoleURL = %q", got)
	}
	for _, bad := range [][2]string{{"", "x"}, {"us-east-1", ""}, {"us-east-1|x>", "id"}, {"us-east-1", "a>b"}} {
		if got := ConsoleURL(bad[0], bad[1]); got != "" {
			t.Errorf("ConsoleURL(%q, %q) = %q, want none", bad[0], bad[1], got)
		}
	}
}

func TestSummary(t *testing.T) {
	base := parseFixture(t, "console-login-failure")
	start := base.Time
	var evs []alertevent.Event
	ips := []string{"192.0.2.77", "192.0.2.78", "2001:db8::1"}
	for i := range 37 {
		e := base
		e.Time = start.Add(time.Duration(i) * 5 * time.Second / 36)
		e.SourceIP = ips[i%3]
		e.EventID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		evs = append(evs, e)
	}
	evs[0], evs[36] = evs[36], evs[0] // arrival order is not time order
	body := mustBody(t, Summary(evs))
	if err := checkLimits([]byte(body)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"text":"[high] 37 failed root sign-ins for 111122223333 (prod) from 3 IPs in 5 s"`,
		`*First*\n2024-05-14T09:57:41Z from 192.0.2.77: Failed root sign-in`,
		`*Last*\n2024-05-14T09:57:46Z from 192.0.2.77: Failed root sign-in`,
		`192.0.2.77 ×13`,
		`#/events/00000000-0000-4000-8000-000000000000|First in CloudTrail>`,
		`#/events/00000000-0000-4000-8000-000000000036|Last in CloudTrail>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("summary lacks %s\n%s", want, body)
		}
	}
	golden(t, "summary-failed-sign-ins", []byte(body))

	mixed := mustBody(t, Summary([]alertevent.Event{base, parseFixture(t, "tampering-stop-logging"), parseFixture(t, "root-create-access-key")}))
	for _, want := range []string{`"text":"[critical] 3 alert events for 111122223333 (prod) from 3 IPs in 4 h 2 min"`, `*What*\n`} {
		if !strings.Contains(mixed, want) {
			t.Errorf("mixed summary lacks %s\n%s", want, mixed)
		}
	}
}

func mustBody(t *testing.T, msg *slack.WebhookMessage) string {
	t.Helper()
	body, err := Body(msg)
	if err != nil {
		t.Fatal(err)
	}
	return string(readable(t, body, ""))
}
