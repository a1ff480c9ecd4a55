package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/audit"
)

// sarifMultitool finds Microsoft's SARIF validator (`npm install -g
// @microsoft/sarif-multitool`, which .ci/run does). Locally a missing
// validator skips the tests that need it; in CI (CI=true) it fails them.
func sarifMultitool(t *testing.T) string {
	t.Helper()
	path := os.Getenv("SARIF_MULTITOOL")
	if path == "" {
		var err error
		if path, err = exec.LookPath("sarif-multitool"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("sarif-multitool is not installed, and CI must run it: .ci/run installs it with npm install -g @microsoft/sarif-multitool")
			}
			t.Skip("sarif-multitool not installed (npm install -g @microsoft/sarif-multitool); CI runs this test")
		}
	}
	return path
}

// validateSARIF runs `sarif-multitool validate --rule-kind "Gh;Sarif"` —
// the SARIF spec's rules and GitHub code scanning's — on the given logs
// and returns the errors it reports, as "file: RULE: message".
func validateSARIF(t *testing.T, tool string, logs map[string][]byte) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for name, data := range logs {
		p := filepath.Join(dir, name+".sarif")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out := filepath.Join(dir, "validation.sarif")
	ruleKind := "Gh;Sarif"
	if resolved, err := filepath.EvalSymlinks(tool); err == nil && strings.HasSuffix(resolved, ".js") {
		// npm's launcher runs the tool through a shell, where ";" would
		// end the command.
		ruleKind = "'" + ruleKind + "'"
	}
	cmd := exec.Command(tool, append([]string{"validate", "--rule-kind", ruleKind, "--log", "ForceOverwrite", "-o", out}, files...)...)
	// The validator is a .NET program: without ICU on the machine it
	// must be told to run culture-invariant.
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1")
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sarif-multitool: %v\n%s", err, console)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no validation log: %v\n%s", err, console)
	}
	var log struct {
		Runs []struct {
			Artifacts []struct {
				Location struct {
					URI string `json:"uri"`
				} `json:"location"`
			} `json:"artifacts"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text      string   `json:"text"`
					ID        string   `json:"id"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful            bool `json:"executionSuccessful"`
				ToolConfigurationNotifications []struct {
					Level   string `json:"level"`
					Message struct {
						Text string `json:"text"`
					} `json:"message"`
				} `json:"toolConfigurationNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("validation log: %v\n%s", err, data)
	}
	run := log.Runs[0]
	for _, inv := range run.Invocations {
		for _, n := range inv.ToolConfigurationNotifications {
			if n.Level == "error" {
				t.Fatalf("validator configuration error: %s\n%s", n.Message.Text, console)
			}
		}
	}
	var errs []string
	for _, r := range run.Results {
		if r.Level != "error" {
			continue
		}
		file := ""
		if len(r.Locations) > 0 {
			file = filepath.Base(r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		}
		errs = append(errs, file+": "+r.RuleID+": "+r.Message.ID+" "+strings.Join(r.Message.Arguments, " "))
	}
	return errs
}

// TestSARIFPassesGitHubValidation: SARIF from a failing, an erroring and an
// organization run — rendered from rows and from real audits of the local
// AWS — passes sarif-multitool with GitHub's rules, with zero
// errors. A log that lacks fullDescription fails it (GH2012), so the test
// can fail.
func TestSARIFPassesGitHubValidation(t *testing.T) {
	t.Parallel()
	tool := sarifMultitool(t)
	render := func(run Run) []byte {
		var buf bytes.Buffer
		if err := SARIF(&buf, run, "v1.2.3"); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	failing := render(Run{Accounts: sample()})
	erroring := render(Run{Accounts: []audit.AccountResult{audit.NotAudited("111122223333", nil, "sts:GetAssumeRole: connection refused")}})
	org := render(Run{Org: true, Accounts: withUnaudited(), Skipped: []SkippedAccount{{AccountID: "999999999999", Status: "SUSPENDED"}, {AccountID: "888888888888", Status: "EXCLUDED"}}})
	broken := bytes.Replace(failing, []byte(`"fullDescription"`), []byte(`"fullDescriptionX"`), 1)
	realSingle, realOrg := realRuns(t)

	errs := validateSARIF(t, tool, map[string][]byte{"failing": failing, "erroring": erroring, "org": org, "broken": broken,
		"real-single": render(realSingle), "real-org": render(realOrg)})
	var ours, brokenErrs []string
	for _, e := range errs {
		if strings.HasPrefix(e, "broken.sarif") {
			brokenErrs = append(brokenErrs, e)
		} else {
			ours = append(ours, e)
		}
	}
	if len(ours) > 0 {
		t.Errorf("sarif-multitool --rule-kind Gh;Sarif reports %d errors:\n%s", len(ours), strings.Join(ours, "\n"))
	}
	if !strings.Contains(strings.Join(brokenErrs, "\n"), "GH2012") {
		t.Errorf("the validator did not catch a rule without fullDescription (GH2012): %v", brokenErrs)
	}
}
