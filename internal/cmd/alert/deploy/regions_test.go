package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
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
