package deploy

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/lambdazip"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

const (
	orgMgmt     = "111111111111"
	orgPrefix   = "rgorg"
	fakeWebhook = "https://hooks.slack.com/services/TEST/TEST/test"
)

// bootstrapZip builds the real alert function (cmd/bootstrap) for this
// machine, as `make lambda` does, zipped with bootstrap at its root.
func bootstrapZip(t *testing.T) string {
	t.Helper()
	zip, err := lambdazip.Build(t.Context(), "github.com/rootguard/rootguard/cmd/bootstrap", "linux", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bootstrap.zip")
	if err := os.WriteFile(path, zip, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// slackStandIn records what the alert function posts.
type slackStandIn struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []string
}

func newSlackStandIn(t *testing.T) *slackStandIn {
	s := &slackStandIn{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.posts = append(s.posts, string(body))
		s.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *slackStandIn) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts)
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
	}
}

// queueEmpty reports whether the alert queue of the hub deployed with names
// (in cfg's account, in the home Region) holds no message: none visible,
// in flight or delayed.
func queueEmpty(t *testing.T, cfg aws.Config, names stack.Names) bool {
	t.Helper()
	cfg = cfg.Copy()
	cfg.Region = stack.HomeRegion
	api := sqs.NewFromConfig(cfg)
	url, err := api.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(names.Queue())})
	if err != nil {
		t.Fatal(err)
	}
	out, err := api.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed} {
		if n, ok := out.Attributes[string(name)]; !ok || n != "0" {
			return false
		}
	}
	return true
}

// noBatchingWindow has the event-source mapping of the hub deployed with
// names (in cfg's account, in the home Region) invoke the function as soon
// as it receives a message, rather than after the template's 2 s window:
// these tests send one event at a time. Lambda allows no batch over 10
// messages without a window. A later deploy still plans no change, as
// CloudFormation compares templates, not live settings.
func noBatchingWindow(t *testing.T, cfg aws.Config, names stack.Names) {
	t.Helper()
	cfg = cfg.Copy()
	cfg.Region = stack.HomeRegion
	api := lambda.NewFromConfig(cfg)
	maps, err := api.ListEventSourceMappings(t.Context(), &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(names.Function())})
	if err != nil {
		t.Fatal(err)
	}
	if len(maps.EventSourceMappings) != 1 {
		t.Fatalf("%d event-source mappings for %s, want 1", len(maps.EventSourceMappings), names.Function())
	}
	if _, err := api.UpdateEventSourceMapping(t.Context(), &lambda.UpdateEventSourceMappingInput{
		UUID: maps.EventSourceMappings[0].UUID, BatchSize: aws.Int32(10), MaximumBatchingWindowInSeconds: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
}

// sampleOrg: the management account (the hub), OU prod with two members,
// OU dev with one, each with OrganizationAccountAccessRole, and trusted
// access for StackSets.
func sampleOrg(t *testing.T) (*awsemu.Server, *awsemu.Organization, string, aws.Credentials) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.CreateOrganization(orgMgmt)
	prod, dev := org.AddOU(org.RootID(), "prod"), org.AddOU(org.RootID(), "dev")
	for id, ou := range map[string]string{"222222222222": prod, "333333333333": prod, "444444444444": dev} {
		a := emu.AddAccount(id, "member-"+id[:1])
		a.AddRole(orgscan.DefaultRoleName, orgMgmt)
		org.AddAccount(a, ou)
	}
	org.EnableServiceAccess(engine.StackSetsPrincipal)
	// A world of two Regions, and an organization trail recording every
	// account's API calls.
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := emu.Account(orgMgmt).AddTrail(awsemu.Trail{Name: "org", Region: "us-east-1", S3BucketName: "org-trail", MultiRegion: true, Logging: true, Organization: true}); err != nil {
		t.Fatal(err)
	}
	return emu, org, dev, emu.Account(orgMgmt).AddUser("admin").AddAccessKey(awsemu.AccessKey{})
}

func orgOpts(ios *iostreams.IOStreams, cfg aws.Config, zipPath string) *Options {
	arch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
	opts := &Options{
		IO:          ios,
		Engine:      engineOf(func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, cfg) }),
		FunctionZip: zipPath,
		Poll:        20 * time.Millisecond,
		Org:         true,
		Approve:     true,
	}
	opts.Stack.Prefix, opts.Stack.Architecture, opts.Stack.ForwardRegions = orgPrefix, arch, []string{"eu-west-1"}
	return opts
}

// memberConfig reaches a member account as the management account's
// administrator does, through OrganizationAccountAccessRole.
func memberConfig(t *testing.T, base aws.Config, account, region string) aws.Config {
	t.Helper()
	cfg, _, err := (&orgscan.Credentials{Base: base, Home: orgMgmt}).For(t.Context(), account)
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.Copy()
	cfg.Region = region
	return cfg
}

func coverage(t *testing.T, cfg aws.Config) *alertstatus.Coverage {
	t.Helper()
	sess, err := account.Resolve(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cov, err := alertstatus.CheckCoverage(t.Context(), alertstatus.NewCoverageClients(sess), alertstatus.CoverageOptions{Prefix: orgPrefix})
	if err != nil {
		t.Fatal(err)
	}
	return cov
}

func TestDeployOrgEndToEnd(t *testing.T) {
	t.Parallel() // its own local AWS and prefix; waits on the pipeline, not the CPU
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the end-to-end test builds cmd/bootstrap and needs go on PATH")
	}
	zipPath := bootstrapZip(t)
	emu, org, dev, admin := sampleOrg(t)
	cfg := emu.Config(admin)
	cfg.Region = stack.HomeRegion
	ctx := t.Context()

	// Plan only: nothing is created.
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(fakeWebhook + "\n")
	opts := orgOpts(ios, cfg, zipPath)
	opts.Approve = false
	if err := runDeploy(ctx, opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hub in account " + orgMgmt, "spokes in 3 accounts × 2 regions", "(plan) would create the service-managed StackSet rgorg-alert-spokes", "(plan) would create stack rgorg-alert in us-east-1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s%s", want, out.String(), errOut.String())
		}
	}
	cfn := cloudformation.NewFromConfig(cfg)
	if _, err := cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String("rgorg-alert-spokes")}); err == nil {
		t.Fatal("a plan without --approve created the StackSet")
	}

	// Deploy.
	ios, in, out, errOut = iostreams.Test()
	in.WriteString(fakeWebhook + "\n")
	if err := runDeploy(ctx, orgOpts(ios, cfg, zipPath)); err != nil {
		t.Fatalf("deploy: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, acct := range []string{"222222222222", "333333333333", "444444444444"} {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			if !regexpLine(out.String(), acct, region, "CURRENT") {
				t.Errorf("no CURRENT spoke for %s %s:\n%s", acct, region, out.String())
			}
		}
	}
	if !strings.Contains(errOut.String(), "6 spokes: 6 current, 0 not current.") {
		t.Errorf("summary: %s", errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), "hooks.slack.com") {
		t.Error("the webhook URL was printed")
	}

	// Point the stored webhook at the stand-in Slack (deploy only accepts
	// hooks.slack.com URLs), then sign in as root in a member account.
	slack := newSlackStandIn(t)
	if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String("/rgorg/slack-webhook"), Value: aws.String(slack.srv.URL + "/services/T/B/x"),
		Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	noBatchingWindow(t, cfg, stack.Names{Prefix: orgPrefix})
	// An account outside the organization cannot use the hub bus.
	outsider := emu.AddAccount("999999999999", "outsider").AddUser("x").AddAccessKey(awsemu.AccessKey{})
	outsiderCfg := emu.Config(outsider)
	outsiderCfg.Region = stack.HomeRegion
	forwardTo(t, outsiderCfg, stack.Names{Prefix: orgPrefix}.OrgBusARN(account.AWS, orgMgmt))
	putRootSignIn(t, emu, "999999999999")
	putRootSignIn(t, emu, "333333333333")
	eventually(t, 15*time.Second, "the member's root sign-in reached the stand-in Slack", func() bool {
		return slices.ContainsFunc(slack.received(), func(p string) bool { return strings.Contains(p, "333333333333") })
	})
	// The outsider's sign-in would have reached the hub's queue before one
	// made now: once that one is posted and the queue holds nothing, the
	// outsider's cannot still arrive.
	putRootSignIn(t, emu, "222222222222")
	eventually(t, 15*time.Second, "a later sign-in reached the stand-in Slack and the hub's queue drained", func() bool {
		return slices.ContainsFunc(slack.received(), func(p string) bool { return strings.Contains(p, "222222222222") }) &&
			queueEmpty(t, cfg, stack.Names{Prefix: orgPrefix})
	})
	for _, p := range slack.received() {
		if strings.Contains(p, "999999999999") {
			t.Errorf("an account outside the organization reached the hub: %s", p)
		}
	}

	// Re-running changes nothing.
	ios, _, out, errOut = iostreams.Test()
	if err := runDeploy(ctx, orgOpts(ios, cfg, zipPath)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "No changes") {
		t.Errorf("second deploy:\n%s\n%s", out.String(), errOut.String())
	}

	// A new account in a targeted OU gets a spoke automatically.
	newcomer := emu.AddAccount("555555555555", "newcomer")
	newcomer.AddRole(orgscan.DefaultRoleName, orgMgmt)
	org.AddAccount(newcomer, dev)
	eventually(t, 10*time.Second, "the new account has no working spoke", func() bool {
		cov := coverage(t, cfg)
		return cov.Accounts == 4 && len(cov.Gaps) == 0 && cov.Covered == 8
	})

	// A deleted spoke rule is a coverage gap.
	eb := eventbridge.NewFromConfig(memberConfig(t, cfg, "444444444444", "eu-west-1"))
	rule := aws.String("rgorg-root-activity-spoke")
	if _, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: rule, Ids: []string{stack.SpokeTargetID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: rule}); err != nil {
		t.Fatal(err)
	}
	cov := coverage(t, cfg)
	if len(cov.Gaps) != 1 || cov.Gaps[0].Account != "444444444444" || cov.Gaps[0].Region != "eu-west-1" || !strings.Contains(cov.Gaps[0].Problem, "missing") {
		t.Errorf("gaps %+v, want 444444444444 eu-west-1 rule missing", cov.Gaps)
	}

	// Remove cleans up: instances, StackSet, hub.
	ios, _, out, errOut = iostreams.Test()
	opts = orgOpts(ios, cfg, "")
	if err := runRemove(ctx, opts); err != nil {
		t.Fatalf("remove: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "deleted 8 spoke stack instances") || !strings.Contains(out.String(), "deleted stack rgorg-alert in us-east-1") {
		t.Errorf("remove output:\n%s", out.String())
	}
	if _, err := cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String("rgorg-alert-spokes")}); err == nil {
		t.Error("the StackSet remains after remove")
	}
	if _, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("rgorg-alert")}); err == nil {
		t.Error("the hub stack remains after remove")
	}
	member := eventbridge.NewFromConfig(memberConfig(t, cfg, "222222222222", stack.HomeRegion))
	if _, err := member.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: rule}); err == nil {
		t.Error("a member's spoke rule remains after remove")
	}
}

func regexpLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if slices.Equal(strings.Fields(line)[:min(len(fields), len(strings.Fields(line)))], fields) {
			return true
		}
	}
	return false
}

func forwardTo(t *testing.T, cfg aws.Config, busARN string) {
	t.Helper()
	eb := eventbridge.NewFromConfig(cfg)
	if _, err := eb.PutRule(t.Context(), &eventbridge.PutRuleInput{Name: aws.String("sneaky"), EventPattern: aws.String(stack.ForwardPattern())}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(t.Context(), &eventbridge.PutTargetsInput{Rule: aws.String("sneaky"), Targets: []ebtypes.Target{{Id: aws.String("hub"), Arn: &busARN}}}); err != nil {
		t.Fatal(err)
	}
}

// putRootSignIn has the local AWS deliver a root sign-in to account's
// default bus in us-east-1, as CloudTrail does.
func putRootSignIn(t *testing.T, emu *awsemu.Server, account string) {
	t.Helper()
	detail, _ := json.Marshal(map[string]any{
		"eventVersion": "1.09", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": "us-east-1",
		"eventTime": time.Now().UTC().Format(time.RFC3339), "eventType": "AwsConsoleSignIn", "eventID": "e2e-" + account,
		"sourceIPAddress": "203.0.113.45", "recipientAccountId": account,
		"userIdentity":        map[string]any{"type": "Root", "principalId": account, "arn": "arn:aws:iam::" + account + ":root", "accountId": account},
		"responseElements":    map[string]any{"ConsoleLogin": "Success"},
		"additionalEventData": map[string]any{"MFAUsed": "Yes", "LoginTo": "https://console.aws.amazon.com/"},
	})
	if _, err := emu.EmitServiceEvent(awsemu.ServiceEvent{Account: account, Region: stack.HomeRegion, Source: "aws.signin",
		DetailType: "AWS Console Sign In via CloudTrail", Detail: detail}); err != nil {
		t.Fatalf("deliver the root sign-in: %v", err)
	}
}
