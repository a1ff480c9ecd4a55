package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestSARIFCarriesEveryFailAndError: an account that could not be audited
// is a warning result per check with the reason — never "results": [] —
// and every result has the account:check fingerprint.
func TestSARIFCarriesEveryFailAndError(t *testing.T) {
	var buf bytes.Buffer
	run := Run{Accounts: withUnaudited(), Org: true, Skipped: []SkippedAccount{{AccountID: "999999999999", Status: "SUSPENDED"}}}
	if err := SARIF(&buf, run, "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	r := log.Runs[0]
	if r.Tool.Driver.Version != "1.2.3" {
		t.Errorf("version %q", r.Tool.Driver.Version)
	}
	want := map[string]string{
		"111122223333:root-access-keys": "error",
		"111122223333:root-alerting":    "warning",
		"777788889999:root-access-keys": "warning",
		"777788889999:root-mfa":         "warning",
	}
	got := map[string]string{}
	for _, res := range r.Results {
		got[res.PartialFingerprints[sarifFingerprint]] = res.Level
		if uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI; strings.Contains(uri, ":") || strings.HasPrefix(uri, "/") {
			t.Errorf("location %q: code scanning takes repository-relative paths only", uri)
		}
		rule := r.Tool.Driver.Rules[res.RuleIndex]
		if rule.ID != res.RuleID || rule.FullDescription.Text == "" || rule.HelpURI != checksDoc+"#"+string(rule.ID) {
			t.Errorf("rule %+v of result %s", rule, res.RuleID)
		}
	}
	if len(got) != len(want) {
		t.Errorf("results %v, want %v", got, want)
	}
	for fp, level := range want {
		if got[fp] != level {
			t.Errorf("%s: level %q, want %q", fp, got[fp], level)
		}
	}
	notes := map[string]bool{}
	for _, n := range r.Invocations[0].ToolExecutionNotifications {
		notes[n.Level+" "+n.Message.Text] = true
	}
	for _, n := range []string{
		"error account 777788889999 was not fully audited: cannot reach the account: sts:AssumeRole: access denied",
		"note account 999999999999 was skipped: SUSPENDED",
	} {
		if !notes[n] {
			t.Errorf("no notification %q in %v", n, notes)
		}
	}
}
