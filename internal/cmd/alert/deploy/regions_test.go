package deploy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/rootguard/rootguard/internal/cmdutil"
)

// newQuickRegionsEnv is regionsEnv with a stand-in function package: the
// stacks deploy as with the real one, but nothing runs, so a test that only
// reads what was deployed stays fast and needs no Go toolchain.
func newQuickRegionsEnv(t *testing.T, prefix string) *regionsEnv {
	t.Helper()
	zip := filepath.Join(t.TempDir(), "bootstrap.zip")
	if err := os.WriteFile(zip, []byte("PK\x05\x06 stand-in function"), 0o600); err != nil {
		t.Fatal(err)
	}
	return newRegionsAccount(t, &regionsEnv{prefix: prefix, zip: zip, webhook: "https://hooks.slack.com/services/T000/B000/regions-quick-secret"})
}

// deploy runs `alert deploy --approve` with args, storing the webhook on
// the first run, and fails the test if it fails.
func (e *regionsEnv) deploy(t *testing.T, args ...string) (string, string) {
	t.Helper()
	args = append([]string{"--prefix", e.prefix, "--function-zip", e.zip, "--arch", "arm64"}, args...)
	out, errOut, err := e.run(t, "deploy", e.webhook+"\n", args...)
	if err != nil {
		t.Fatalf("deploy %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out, errOut
}

// ruleState is the state of rule on region's default bus.
func (e *regionsEnv) ruleState(t *testing.T, region, rule string) string {
	t.Helper()
	out, err := eventbridge.NewFromConfig(e.in(region)).DescribeRule(t.Context(), &eventbridge.DescribeRuleInput{Name: &rule})
	if err != nil {
		t.Fatalf("rule %s in %s: %v", rule, region, err)
	}
	return string(out.State)
}

// CloudTrail delivers a read-only call to EventBridge in the region it was
// made in, and only to rules in the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS:
// the forwarders must be in that state with the hub, or read-only root
// calls outside us-east-1 never reach it.
func TestDeployAllManagementEventsReachesTheForwarders(t *testing.T) {
	e := newQuickRegionsEnv(t, "rgall")
	const all, plain = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "ENABLED"

	e.deploy(t, "--regions", "eu-west-1,ap-northeast-2", "--all-management-events", "--approve")
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-northeast-2"} {
		rule := "rgall-root-activity-forward"
		if region == "us-east-1" {
			rule = "rgall-root-activity"
		}
		if got := e.ruleState(t, region, rule); got != all {
			t.Errorf("with --all-management-events, rule %s in %s is %s, want %s", rule, region, got, all)
		}
	}

	// Without the option the forwarders go back to ENABLED, in place.
	out, _ := e.deploy(t, "--regions", "eu-west-1,ap-northeast-2", "--approve")
	if !strings.Contains(out, "(plan) would update stack rgall-alert-forward in eu-west-1:\n  ~ ForwardRule (AWS::Events::Rule)\n") {
		t.Errorf("the plan does not update the forwarder's rule in place:\n%s", out)
	}
	for _, region := range []string{"eu-west-1", "ap-northeast-2"} {
		if got := e.ruleState(t, region, "rgall-root-activity-forward"); got != plain {
			t.Errorf("without --all-management-events, the forward rule in %s is %s, want %s", region, got, plain)
		}
	}
	if got := e.ruleState(t, "us-east-1", "rgall-root-activity"); got != plain {
		t.Errorf("without --all-management-events, the hub rule is %s, want %s", got, plain)
	}
}

// Deploying with fewer --regions drops the region's role from the hub
// stack; its forwarder stack must go too, shown in the plan first, and only
// with --approve.
func TestDeployDeletesTheForwarderOfADroppedRegion(t *testing.T) {
	e := newQuickRegionsEnv(t, "rgdrop")
	e.deploy(t, "--regions", "eu-west-1,ap-northeast-2", "--approve")

	out, errOut := e.deploy(t, "--regions", "eu-west-1")
	for _, want := range []string{
		"(plan) would update stack rgdrop-alert in us-east-1:\n  - ForwardRoleApNortheast2 (AWS::IAM::Role)\n",
		"stack rgdrop-alert-forward in eu-west-1: no changes\n",
		"(plan) would delete stack rgdrop-alert-forward in ap-northeast-2 (the region is not in --regions, so the hub stack drops its forwarding role):\n  - ForwardRule (AWS::Events::Rule)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "No changes were applied; run again with --approve.") {
		t.Errorf("stderr of the plan: %s", errOut)
	}
	if got := e.stackStatus(t, "ap-northeast-2", "rgdrop-alert-forward"); got != "CREATE_COMPLETE" {
		t.Fatalf("a plan without --approve left the dropped forwarder %q", got)
	}

	out, errOut = e.deploy(t, "--regions", "eu-west-1", "--approve")
	if !strings.Contains(out, "(plan) would delete stack rgdrop-alert-forward in ap-northeast-2") ||
		!strings.Contains(errOut, "Deleting stack rgdrop-alert-forward in ap-northeast-2: the region is no longer forwarded") {
		t.Errorf("approved deploy does not show the deletion:\n%s%s", out, errOut)
	}
	e.assertNothingManagedIn(t, "ap-northeast-2")
	if got := e.stackStatus(t, "eu-west-1", "rgdrop-alert-forward"); got != "CREATE_COMPLETE" {
		t.Errorf("the kept forwarder in eu-west-1 is %q", got)
	}

	out, errOut = e.deploy(t, "--regions", "eu-west-1")
	if !strings.Contains(errOut, "No changes: the alert pipeline is up to date.") || strings.Contains(out, "(plan) would") {
		t.Errorf("deploying the same regions again is not a no-op:\n%s%s", out, errOut)
	}
}

// `alert status` checks each forwarder the hub stack has a role for, and
// its problem lines give a fix that works: following it makes status clean
// again. An unconfirmed alarm e-mail is a warning, announced by the deploy
// that subscribes it.
func TestStatusChecksTheForwardersAndTheAlarmEmail(t *testing.T) {
	e := newQuickRegionsEnv(t, "rgstat")
	// A world of the home Region and the one deployed to, where status
	// finds no Region without a forwarder; me-south-1 is opted into last.
	if err := e.emu.SetRegions([]string{"eu-west-1", "us-east-1"}, []string{"me-south-1"}); err != nil {
		t.Fatal(err)
	}
	const hint = "AWS sent a confirmation link to ops@example.com: the pipeline's alarms e-mail it only once the link is followed"
	_, errOut := e.deploy(t, "--regions", "eu-west-1", "--email", "ops@example.com", "--approve")
	if !strings.Contains(errOut, hint) {
		t.Errorf("deploy with --email does not say a confirmation link was sent:\n%s", errOut)
	}

	out, errOut, err := e.run(t, "status", "", "--prefix", e.prefix)
	if err != nil || !strings.Contains(errOut, "Root activity reaches Slack.") ||
		!strings.Contains(out, "forwarder    eu-west-1: stack CREATE_COMPLETE, rule ENABLED, targets the hub bus: true, role ready: true\n") ||
		!strings.Contains(out, "alarm e-mail ops@example.com (pending confirmation)\n") ||
		!strings.Contains(errOut, "warning: the alarm e-mail subscription of ops@example.com is pending confirmation") {
		t.Errorf("status of the deployed pipeline (%v):\n%s%s", err, out, errOut)
	}

	// A disabled rule: CloudFormation does not see the change, so the fix
	// drops the region and deploys it again.
	if _, err := eventbridge.NewFromConfig(e.in("eu-west-1")).DisableRule(t.Context(), &eventbridge.DisableRuleInput{Name: aws.String("rgstat-root-activity-forward")}); err != nil {
		t.Fatal(err)
	}
	problem := e.statusProblem(t, "root activity in eu-west-1 does not reach us-east-1: rule rgstat-root-activity-forward is disabled")
	for _, errOut := range e.follow(t, problem, "--email", "ops@example.com") {
		if strings.Contains(errOut, hint) {
			t.Errorf("a deploy that keeps the e-mail subscription says a new link was sent:\n%s", errOut)
		}
	}
	e.assertStatusClean(t)

	// A deleted forwarder stack, in JSON.
	if _, err := cloudformation.NewFromConfig(e.in("eu-west-1")).DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String("rgstat-alert-forward")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the forwarder stack is deleted", func() bool { return e.stackStatus(t, "eu-west-1", "rgstat-alert-forward") == "" })
	out, _, err = e.run(t, "status", "", "--prefix", e.prefix, "--output", "json")
	var report struct {
		Forwarders []struct {
			Region      string
			StackStatus string `json:"stack_status"`
		}
		AlarmEmails []struct {
			Address string
			Pending bool `json:"pending_confirmation"`
		} `json:"alarm_emails"`
		Problems, Warnings []string
	}
	if jerr := json.Unmarshal([]byte(out), &report); jerr != nil {
		t.Fatalf("status --output json: %v\n%s", jerr, out)
	}
	if exitCode(err) != cmdutil.ExitFindings || len(report.Forwarders) != 1 || report.Forwarders[0].Region != "eu-west-1" || report.Forwarders[0].StackStatus != "" ||
		len(report.Problems) != 1 || len(report.AlarmEmails) != 1 || !report.AlarmEmails[0].Pending || len(report.Warnings) != 1 {
		t.Errorf("status --output json with the forwarder stack deleted (%v):\n%s", err, out)
	}
	problem = e.statusProblem(t, "root activity in eu-west-1 does not reach us-east-1: forwarder stack rgstat-alert-forward does not exist there; run `rootguard alert deploy --prefix rgstat --regions eu-west-1`")
	e.follow(t, problem, "--email", "ops@example.com")
	e.assertStatusClean(t)

	// A Region enabled after the deploy is a gap; the deploy it names (no
	// --regions: every enabled Region) closes it.
	if err := e.emu.Account(regAccount).EnableRegion("me-south-1"); err != nil {
		t.Fatal(err)
	}
	problem = e.statusProblem(t, "root activity in me-south-1 does not reach us-east-1: the Region is enabled in the account and has no forwarder; run `rootguard alert deploy --prefix rgstat --approve`")
	e.follow(t, problem, "--email", "ops@example.com")
	e.assertStatusClean(t)
	if got := e.stackStatus(t, "me-south-1", "rgstat-alert-forward"); got != "CREATE_COMPLETE" {
		t.Errorf("the forwarder in the newly enabled Region is %q", got)
	}

	if strings.Contains(e.transcript.String(), "regions-quick-secret") {
		t.Error("a command printed the webhook URL")
	}
}

// statusProblem runs `alert status`, which must exit 3 with one problem
// starting with want, and returns that problem.
func (e *regionsEnv) statusProblem(t *testing.T, want string) string {
	t.Helper()
	out, errOut, err := e.run(t, "status", "", "--prefix", e.prefix)
	var problems []string
	for _, line := range strings.Split(errOut, "\n") {
		if p, ok := strings.CutPrefix(line, "problem: "); ok {
			problems = append(problems, p)
		}
	}
	if exitCode(err) != cmdutil.ExitFindings || len(problems) != 1 || !strings.HasPrefix(problems[0], want) {
		t.Fatalf("status (%v) does not report one problem %q:\n%s%s", err, want, out, errOut)
	}
	return problems[0]
}

// follow runs each `rootguard alert deploy …` command problem names, with
// extra (the deploy options it leaves to the user) and --approve, and
// returns their stderr.
func (e *regionsEnv) follow(t *testing.T, problem string, extra ...string) []string {
	t.Helper()
	cmds := regexp.MustCompile("`rootguard alert deploy([^`]*)`").FindAllStringSubmatch(problem, -1)
	if len(cmds) == 0 {
		t.Fatalf("problem gives no deploy command: %s", problem)
	}
	var errOuts []string
	for _, c := range cmds {
		args := append(strings.Fields(c[1]), append(extra, "--function-zip", e.zip, "--arch", "arm64", "--approve")...)
		out, errOut, err := e.run(t, "deploy", "", args...)
		if err != nil {
			t.Fatalf("following %q: %v\n%s%s", c[0], err, out, errOut)
		}
		errOuts = append(errOuts, errOut)
	}
	return errOuts
}

func (e *regionsEnv) assertStatusClean(t *testing.T) {
	t.Helper()
	out, errOut, err := e.run(t, "status", "", "--prefix", e.prefix)
	if err != nil || strings.Contains(errOut, "problem: ") || !strings.Contains(out, "forwarder    eu-west-1: stack CREATE_COMPLETE, rule ENABLED, targets the hub bus: true, role ready: true\n") {
		t.Errorf("status after following the fix (%v):\n%s%s", err, out, errOut)
	}
}

func exitCode(err error) int {
	var exit *cmdutil.ExitCodeError
	if errors.As(err, &exit) {
		return exit.Code
	}
	return -1
}
