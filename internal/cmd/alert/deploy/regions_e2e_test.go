package deploy

import (
	"context"
	"encoding/json"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	statuscmd "github.com/rootguard/rootguard/internal/cmd/alert/status"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/stack"
)

const (
	regAccount = "111122223333"
	regPrefix  = "rgreg"
	regEmail   = "ops@example.com"
)

// regionsEnv is one account on the local AWS and a stand-in Slack, driven
// through the commands' own flag parsing and run functions.
type regionsEnv struct {
	emu *awsemu.Server
	cfg aws.Config // the deployer, in us-east-1
	// prefix names the pipeline: functions, queues and buckets are shared
	// by every local AWS in the process, so each test needs its own.
	prefix  string
	slack   *slackStandIn
	webhook string
	zip     string
	// transcript is everything the commands printed, on stdout and stderr.
	transcript strings.Builder
}

func newRegionsEnv(t *testing.T) *regionsEnv {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil || runtime.GOOS != "linux" {
		t.Skip("runs the real alert function on the local AWS: needs Linux and go on PATH")
	}
	slack := newSlackStandIn(t)
	return newRegionsAccount(t, &regionsEnv{prefix: regPrefix, zip: bootstrapZip(t), slack: slack, webhook: slack.srv.URL + "/services/T000/B000/regions-e2e-secret"})
}

// newRegionsAccount starts the local AWS with the one account e deploys
// to, as deployer.
func newRegionsAccount(t *testing.T, e *regionsEnv) *regionsEnv {
	t.Helper()
	var err error
	if e.emu, err = awsemu.New(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.emu.Close)
	e.cfg = e.emu.Config(e.emu.AddAccount(regAccount, "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{}))
	e.cfg.Region = stack.HomeRegion
	return e
}

// in returns the deployer's configuration for region.
func (e *regionsEnv) in(region string) aws.Config {
	c := e.cfg.Copy()
	c.Region = region
	return c
}

// run executes `rootguard alert <cmd> args…` with stdin, as the CLI does,
// polling stacks quickly; it returns stdout and stderr.
func (e *regionsEnv) run(t *testing.T, cmd, stdin string, args ...string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now,
		AWSConfig: func(context.Context, awsconfig.Options) (aws.Config, error) { return e.cfg, nil }}
	fast := func(o *Options, run func(context.Context, *Options) error) error {
		o.Poll = 20 * time.Millisecond
		return run(t.Context(), o)
	}
	var c *cobra.Command
	switch cmd {
	case "deploy":
		c = NewCmdDeploy(f, func(o *Options) error { return fast(o, runDeploy) })
	case "remove":
		c = NewCmdRemove(f, func(o *Options) error { return fast(o, runRemove) })
	case "status":
		c = statuscmd.NewCmdStatus(f, nil)
	}
	c.SetArgs(args)
	c.SetOut(ios.Out)
	c.SetErr(ios.ErrOut)
	c.SilenceUsage, c.SilenceErrors = true, true
	err := c.ExecuteContext(t.Context())
	e.transcript.WriteString(out.String() + errOut.String())
	return out.String(), errOut.String(), err
}

// postsNaming counts the Slack posts that name id.
func (e *regionsEnv) postsNaming(id string) int {
	n := 0
	for _, p := range e.slack.received() {
		if strings.Contains(p, id) {
			n++
		}
	}
	return n
}

func TestDeployRegionsForwardsToHubEndToEnd(t *testing.T) {
	t.Parallel() // its own local AWS and prefix; waits on the pipeline, not the CPU
	e := newRegionsEnv(t)
	ctx := t.Context()
	arch := hostArch()
	// A world of the home Region and the one forwarded, so status finds
	// no enabled Region without a forwarder.
	if err := e.emu.SetRegions([]string{"eu-west-1", "us-east-1"}, nil); err != nil {
		t.Fatal(err)
	}
	args := []string{"--prefix", regPrefix, "--regions", "eu-west-1", "--email", regEmail, "--arch", arch, "--function-zip", e.zip, "--approve"}

	out, errOut, err := e.run(t, "deploy", e.webhook+"\n", args...)
	if err != nil {
		t.Fatalf("deploy: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{
		"(plan) would create stack rgreg-alert in us-east-1:", "+ ForwardRoleEuWest1 (AWS::IAM::Role)",
		"(plan) would create stack rgreg-alert-forward in eu-west-1:", "+ ForwardRule (AWS::Events::Rule)",
		"+ AlarmTopic (AWS::SNS::Topic)", "+ AlarmEmail (AWS::SNS::Subscription)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}

	// The forwarder lives in eu-west-1, and only there.
	for region, want := range map[string]bool{"eu-west-1": true, "us-east-1": false, "ap-southeast-2": false} {
		if got := e.stackStatus(t, region, "rgreg-alert-forward"); (got == "CREATE_COMPLETE") != want {
			t.Errorf("forwarder stack in %s: %q", region, got)
		}
	}
	// Its rule sends to the hub's default bus through the hub's role.
	targets, err := eventbridge.NewFromConfig(e.in("eu-west-1")).ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("rgreg-root-activity-forward")})
	if err != nil {
		t.Fatal(err)
	}
	if len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != "arn:aws:events:us-east-1:"+regAccount+":event-bus/default" {
		t.Fatalf("forward rule targets %+v, want the us-east-1 default bus", targets.Targets)
	}
	if got, want := aws.ToString(targets.Targets[0].RoleArn), "arn:aws:iam::"+regAccount+":role/rgreg-forward-eu-west-1"; got != want {
		t.Errorf("forward target's role is %s, want %s", got, want)
	}

	// Root activity in eu-west-1 reaches Slack through the hub, once; in a
	// region without a forwarder it does not.
	noBatchingWindow(t, e.cfg, stack.Names{Prefix: regPrefix})
	emitRootCall(t, e.emu, regAccount, "ap-southeast-2", "uncovered-ap-southeast-2")
	emitRootCall(t, e.emu, regAccount, "eu-west-1", "forwarded-eu-west-1")
	eventually(t, 20*time.Second, "the root call in eu-west-1 reached Slack", func() bool { return e.postsNaming("forwarded-eu-west-1") > 0 })
	// A duplicate, or the call in ap-southeast-2, would have been queued
	// before a call made now: once that one is posted and the hub's queue
	// holds nothing, neither can still arrive.
	emitRootCall(t, e.emu, regAccount, "eu-west-1", "barrier-eu-west-1")
	eventually(t, 20*time.Second, "a later root call reached Slack and the hub's queue drained", func() bool {
		return e.postsNaming("barrier-eu-west-1") > 0 && queueEmpty(t, e.cfg, stack.Names{Prefix: regPrefix})
	})
	if n := e.postsNaming("forwarded-eu-west-1"); n != 1 {
		t.Errorf("the root call in eu-west-1 was posted %d times, want once", n)
	}
	if n := e.postsNaming("uncovered-ap-southeast-2"); n != 0 {
		t.Errorf("a root call in ap-southeast-2, which has no forwarder, was posted %d times", n)
	}
	for _, p := range e.slack.received() {
		if strings.Contains(p, "forwarded-eu-west-1") && !strings.Contains(p, "eu-west-1") {
			t.Errorf("the post does not name the region the call was made in: %s", p)
		}
	}

	// `alert status` checks the forwarders of the regions the hub stack has
	// a role for: eu-west-1's, not ap-southeast-2, which was never asked for.
	// It counts two posts: the forwarded call's and the later one's.
	out, errOut, err = e.run(t, "status", "", "--prefix", regPrefix)
	if err != nil || !strings.Contains(errOut, "Root activity reaches Slack.") || !strings.Contains(out, "(2 posts, 0 errors") ||
		!strings.Contains(out, "forwarder    eu-west-1: stack CREATE_COMPLETE, rule ENABLED, targets the hub bus: true, role ready: true\n") || strings.Contains(out, "ap-southeast-2") {
		t.Errorf("status after the forwarded alert (%v):\n%s%s", err, out, errOut)
	}

	e.assertAlarmsMail(t, regEmail)
	e.assertWebhookNowhere(t)

	// Deploying again with the same options changes nothing, in any region.
	out, errOut, err = e.run(t, "deploy", "", args...)
	if err != nil {
		t.Fatalf("second deploy: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{"stack rgreg-alert in us-east-1: no changes", "stack rgreg-alert-forward in eu-west-1: no changes"} {
		if !strings.Contains(out, want) {
			t.Errorf("second deploy output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "No changes: the alert pipeline is up to date.") || strings.Contains(out, "(plan) would") {
		t.Errorf("second deploy is not a no-op:\n%s%s", out, errOut)
	}

	// Removing takes the forwarder with it, even without --regions: nothing
	// managed stays in eu-west-1.
	out, errOut, err = e.run(t, "remove", "", "--prefix", regPrefix, "--approve")
	if err != nil {
		t.Fatalf("remove: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, "deleted stack rgreg-alert-forward in eu-west-1") || !strings.Contains(out, "deleted stack rgreg-alert in us-east-1") {
		t.Errorf("remove output:\n%s", out)
	}
	e.assertNothingManagedIn(t, "eu-west-1")
	e.assertNothingManagedIn(t, stack.HomeRegion)

	if strings.Contains(e.transcript.String(), e.webhook) || strings.Contains(e.transcript.String(), "regions-e2e-secret") {
		t.Error("a command printed the webhook URL")
	}
}

// stackStatus is the status of stack name in region, "" if there is none.
func (e *regionsEnv) stackStatus(t *testing.T, region, name string) string {
	t.Helper()
	out, err := cloudformation.NewFromConfig(e.in(region)).DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: &name})
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return ""
		}
		t.Fatal(err)
	}
	return string(out.Stacks[0].StackStatus)
}

// assertNothingManagedIn fails if a rootguard stack, rule or alarm is left
// in region.
func (e *regionsEnv) assertNothingManagedIn(t *testing.T, region string) {
	t.Helper()
	ctx := t.Context()
	for _, name := range []string{e.prefix + "-alert", e.prefix + "-alert-forward"} {
		if st := e.stackStatus(t, region, name); st != "" {
			t.Errorf("stack %s is left in %s (%s)", name, region, st)
		}
	}
	alarms, err := cloudwatch.NewFromConfig(e.in(region)).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String(e.prefix)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alarms.MetricAlarms {
		t.Errorf("alarm %s is left in %s", aws.ToString(a.AlarmName), region)
	}
	topics, err := sns.NewFromConfig(e.in(region)).ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics.Topics {
		t.Errorf("topic %s is left in %s", aws.ToString(tp.TopicArn), region)
	}
	rules, err := eventbridge.NewFromConfig(e.in(region)).ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String(e.prefix)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.Rules {
		t.Errorf("rule %s is left in %s", aws.ToString(r.Name), region)
	}
}

// assertAlarmsMail checks that the pipeline's alarms notify a topic whose
// only subscription is email to address.
func (e *regionsEnv) assertAlarmsMail(t *testing.T, address string) {
	t.Helper()
	ctx := t.Context()
	topicARN := "arn:aws:sns:us-east-1:" + regAccount + ":rgreg-alert-alarms"
	subs, err := sns.NewFromConfig(e.cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &topicARN})
	if err != nil {
		t.Fatalf("subscriptions of the alarm topic %s: %v", topicARN, err)
	}
	// AWS mails the address a link; until it is followed the subscription
	// is pending, and the local AWS sends no mail.
	if len(subs.Subscriptions) != 1 || aws.ToString(subs.Subscriptions[0].Protocol) != "email" || aws.ToString(subs.Subscriptions[0].Endpoint) != address ||
		aws.ToString(subs.Subscriptions[0].SubscriptionArn) != "PendingConfirmation" {
		var got []string
		for _, s := range subs.Subscriptions {
			got = append(got, aws.ToString(s.Protocol)+":"+aws.ToString(s.Endpoint)+" "+aws.ToString(s.SubscriptionArn))
		}
		t.Errorf("alarm topic subscriptions %q, want one pending e-mail to %s", got, address)
	}
	alarms, err := cloudwatch.NewFromConfig(e.cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String(regPrefix + "-")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range alarms.MetricAlarms {
		names = append(names, aws.ToString(a.AlarmName))
		if !slices.Equal(a.AlarmActions, []string{topicARN}) || !aws.ToBool(a.ActionsEnabled) {
			t.Errorf("alarm %s: actions %v (enabled %v), want [%s]", aws.ToString(a.AlarmName), a.AlarmActions, aws.ToBool(a.ActionsEnabled), topicARN)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"rgreg-dead-letters", "rgreg-function-errors"}) {
		t.Errorf("alarms %v, want the dead-letter and function-error alarms", names)
	}
}

// assertWebhookNowhere looks for the webhook URL where the deploy put
// things: templates, stack parameters, outputs and events, the function's
// configuration, and every log group in the regions involved.
func (e *regionsEnv) assertWebhookNowhere(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	secret := "regions-e2e-secret"
	var seen []string
	for region, name := range map[string]string{stack.HomeRegion: "rgreg-alert", "eu-west-1": "rgreg-alert-forward"} {
		cfn := cloudformation.NewFromConfig(e.in(region))
		tmpl, err := cfn.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: &name})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, aws.ToString(tmpl.TemplateBody))
		st, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := json.Marshal(st.Stacks)
		seen = append(seen, string(doc))
		events, err := cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: &name})
		if err != nil {
			t.Fatal(err)
		}
		doc, _ = json.Marshal(events.StackEvents)
		seen = append(seen, string(doc))
		logs := cloudwatchlogs.NewFromConfig(e.in(region))
		groups, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups.LogGroups {
			out, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: g.LogGroupName})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range out.Events {
				seen = append(seen, aws.ToString(ev.Message))
			}
		}
	}
	fn, err := lambda.NewFromConfig(e.cfg).GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("rgreg-alert")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(fn)
	seen = append(seen, string(doc))
	if !strings.Contains(strings.Join(seen, "\n"), "alert posted") {
		t.Fatal("read no function log: the search below would prove nothing")
	}
	for _, s := range seen {
		if strings.Contains(s, secret) {
			t.Errorf("the webhook URL is in %.300s", s)
		}
	}
}
