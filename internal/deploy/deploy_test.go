package deploy

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/stack"
)

const fakeWebhook = "https://hooks.slack.com/services/TEST/TEST/test"

func localAWS(t *testing.T) (Clients, *awsemu.Server) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	cfg := emu.Config(creds)
	return Clients{
		CFN: func(region string) CFNAPI {
			c := cfg.Copy()
			c.Region = region
			return cloudformation.NewFromConfig(c)
		},
		S3:      s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		SSM:     ssm.NewFromConfig(cfg),
		Trail:   cloudtrail.NewFromConfig(cfg),
		Account: "111122223333",
	}, emu
}

func TestDeployPlansThenCreatesThenConvergesThenRemoves(t *testing.T) {
	clients, _ := localAWS(t)
	ctx := t.Context()
	var progress bytes.Buffer
	opts := Options{
		Stack:       stack.HubOptions{Prefix: "rgdeploy"},
		FunctionZip: []byte("PK\x05\x06 test function"),
		Webhook:     fakeWebhook,
		Progress:    &progress,
		Poll:        20 * time.Millisecond,
	}

	plan, err := New(clients, opts).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 3 || !strings.Contains(plan.Steps[2], "store the Slack webhook URL") {
		t.Errorf("steps %q", plan.Steps)
	}
	if !plan.Trail.Create {
		t.Error("no trail in the account, yet the plan does not create one")
	}
	if got := len(plan.Stacks[0].Changes); got != 13 {
		t.Errorf("first plan adds %d resources, want 13: %v", got, plan.Stacks[0].Changes)
	}
	plan.Discard(ctx)
	if _, exists, _ := stackState(ctx, clients.CFN(stack.HomeRegion), "rgdeploy-alert"); exists {
		t.Fatal("a plan without --approve left a stack behind")
	}
	if _, err := clients.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/rgdeploy/slack-webhook")}); err == nil {
		t.Fatal("a plan without --approve stored the webhook")
	}

	opts.Approve = true
	plan, err = New(clients, opts).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatalf("deploy: %v\n%s", err, progress.String())
	}
	st, _, err := stackState(ctx, clients.CFN(stack.HomeRegion), "rgdeploy-alert")
	if err != nil || st.StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("stack %s, %v\n%s", st.StackStatus, err, progress.String())
	}
	param, err := clients.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/rgdeploy/slack-webhook"), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if param.Parameter.Type != "SecureString" || aws.ToString(param.Parameter.Value) != fakeWebhook {
		t.Errorf("parameter %s holds a different value", param.Parameter.Type)
	}
	pol, err := clients.S3.(*s3.Client).GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("rgdeploy-artifacts-111122223333-us-east-1")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"aws:SecureTransport":"false"`) || !strings.Contains(aws.ToString(pol.Policy), `"Effect":"Deny"`) {
		t.Errorf("artifacts bucket policy %v, %v: want TLS only", aws.ToString(pol.Policy), err)
	}
	if strings.Contains(progress.String(), "hooks.slack.com") {
		t.Error("progress output shows the webhook URL")
	}
	if !strings.Contains(progress.String(), "CREATE_COMPLETE") {
		t.Errorf("no progress shown:\n%s", progress.String())
	}

	opts.Webhook = ""
	again, err := New(clients, opts).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !again.NoChanges() {
		t.Errorf("second deploy plans changes: steps %q, stack %v", again.Steps, again.Stacks[0].Changes)
	}

	removal, err := New(clients, opts).Remove(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(removal.Delete) != 3 || len(removal.Keep) != 1 || !strings.Contains(removal.Keep[0], "trail bucket") {
		t.Errorf("removal plan: delete %q keep %q", removal.Delete, removal.Keep)
	}
	if _, exists, _ := stackState(ctx, clients.CFN(stack.HomeRegion), "rgdeploy-alert"); exists {
		t.Error("stack remains after remove")
	}
	if _, err := clients.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/rgdeploy/slack-webhook")}); err == nil {
		t.Error("webhook parameter remains after remove")
	}
	if ok, _ := bucketExists(ctx, clients.S3, "rgdeploy-artifacts-111122223333-us-east-1"); ok {
		t.Error("artifacts bucket remains after remove")
	}
}

func TestDeployNeedsAWebhookTheFirstTime(t *testing.T) {
	clients, _ := localAWS(t)
	_, err := New(clients, Options{Stack: stack.HubOptions{Prefix: "rgnohook"}, FunctionZip: []byte("PK")}).Plan(t.Context())
	if err != ErrNoWebhook {
		t.Errorf("err = %v, want ErrNoWebhook", err)
	}
}

func TestValidateWebhook(t *testing.T) {
	for _, tt := range []struct {
		in    string
		ok    bool
		local bool // the AWS endpoint is the local AWS
	}{
		{fakeWebhook, true, false},
		{fakeWebhook, true, true},
		{"  " + fakeWebhook + "\n", true, false},
		{"http://hooks.slack.com/services/TEST/TEST/test", false, false},
		{"https://hooks.slack.com.evil.example/services/TEST", false, false},
		{"https://user@hooks.slack.com/services/TEST", false, false},
		{"https://hooks.slack.com/", false, false},
		{"hooks.slack.com/services/TEST/TEST/test", false, false},
		{"http://127.0.0.1:8080/services/T/B/x", true, true},
		{"http://[::1]:8080/services/T/B/x", true, true},
		{"http://127.0.0.1:8080/services/T/B/x", false, false}, // real AWS could never reach it
		{"http://10.0.0.1/services/T/B/x", false, true},
		{"https://127.0.0.1/services/T/B/x", false, true},
	} {
		got, err := ValidateWebhook(tt.in, tt.local)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateWebhook(%q) err = %v", tt.in, err)
		}
		if err != nil && strings.Contains(err.Error(), "TEST") {
			t.Errorf("error repeats the input: %v", err)
		}
		if err == nil && got != strings.TrimSpace(tt.in) {
			t.Errorf("ValidateWebhook(%q) = %q", tt.in, got)
		}
	}
}

// TestRemoveFindsForwardersWithoutRegions: removing without the regions the
// pipeline was deployed with still deletes their forwarder stacks, found
// through the hub's forwarding roles; before, they were left forwarding to a
// bus through roles the removal had deleted.
func TestRemoveFindsForwardersWithoutRegions(t *testing.T) {
	clients, _ := localAWS(t)
	ctx := t.Context()
	opts := Options{
		Stack:       stack.HubOptions{Prefix: "rgfwd", ForwardRegions: []string{"eu-west-1", "ap-southeast-2"}},
		FunctionZip: []byte("PK\x05\x06 test function"),
		Webhook:     fakeWebhook,
		Approve:     true,
		Poll:        20 * time.Millisecond,
	}
	plan, err := New(clients, opts).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}

	opts.Stack.ForwardRegions = nil
	removal, err := New(clients, opts).Remove(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"ap-southeast-2", "eu-west-1"} {
		if !slices.ContainsFunc(removal.Delete, func(d string) bool { return strings.HasPrefix(d, "stack rgfwd-alert-forward in "+region) }) {
			t.Errorf("removal %q does not name the forwarder in %s", removal.Delete, region)
		}
		if _, exists, _ := stackState(ctx, clients.CFN(region), "rgfwd-alert-forward"); exists {
			t.Errorf("the forwarder stack in %s remains after remove", region)
		}
	}
}

// A deploy refused for its webhook — none stored and none given, or one
// that is not a Slack URL — creates nothing, even with Approve: the webhook
// is read and validated before the artifacts bucket or the upload.
func TestRefusedWebhookLeavesNothingBehind(t *testing.T) {
	clients, _ := localAWS(t)
	ctx := t.Context()
	for name, tc := range map[string]struct {
		webhook string
		want    error
	}{
		"none stored, none given": {"", ErrNoWebhook},
		"not a Slack URL":         {"https://example.com/services/x", ErrInvalidWebhook},
	} {
		_, err := New(clients, Options{
			Stack: stack.HubOptions{Prefix: "rgrefused"}, FunctionZip: []byte("PK\x05\x06 test"),
			Webhook: tc.webhook, Approve: true, Poll: 20 * time.Millisecond,
		}).Plan(ctx)
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: err = %v, want %v", name, err, tc.want)
		}
		exists, err := bucketExists(ctx, clients.S3, stack.Names{Prefix: "rgrefused"}.ArtifactBucket("111122223333", stack.HomeRegion))
		if err != nil || exists {
			t.Fatalf("%s: artifacts bucket exists=%v (%v) after a refused deploy", name, exists, err)
		}
		if stored, err := WebhookStored(ctx, clients, "rgrefused"); err != nil || stored {
			t.Fatalf("%s: webhook stored=%v (%v)", name, stored, err)
		}
	}
}

// With other Regions forwarded, a single-Region trail homed in the home
// Region records none of their API calls, so it is not reused.
func TestChooseTrailNeedsMultiRegionWhenForwarding(t *testing.T) {
	clients, emu := localAWS(t)
	ctx := t.Context()
	if err := emu.Account("111122223333").AddTrail(awsemu.Trail{Name: "east-only", Region: stack.HomeRegion, S3BucketName: "b", Logging: true}); err != nil {
		t.Fatal(err)
	}
	names := stack.Names{Prefix: "rgtrail"}
	alone, err := ChooseTrail(ctx, clients.Trail, stack.HomeRegion, names, false)
	if err != nil || alone.Existing != "east-only" {
		t.Fatalf("no forwarding: %+v %v, want east-only reused", alone, err)
	}
	fwd, err := ChooseTrail(ctx, clients.Trail, stack.HomeRegion, names, true)
	if err != nil || fwd.Existing != "" || !fwd.Create {
		t.Fatalf("forwarding: %+v %v, want a multi-Region trail created", fwd, err)
	}
	if err := emu.Account("111122223333").AddTrail(awsemu.Trail{Name: "all", Region: "eu-west-1", S3BucketName: "b", MultiRegion: true, Logging: true}); err != nil {
		t.Fatal(err)
	}
	if got, err := ChooseTrail(ctx, clients.Trail, stack.HomeRegion, names, true); err != nil || got.Existing != "all" {
		t.Fatalf("forwarding with a multi-Region trail: %+v %v", got, err)
	}
}
