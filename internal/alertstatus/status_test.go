package alertstatus_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/stack"
)

// clientsOf are status's clients for cfg's caller, in cfg's region but for
// the regional ones.
func clientsOf(t testing.TB, cfg aws.Config) alertstatus.Clients {
	t.Helper()
	caller, err := account.Resolve(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	in := func(region string) aws.Config {
		c := cfg.Copy()
		c.Region = region
		return c
	}
	return alertstatus.Clients{Partition: caller.Partition, Account: caller.AccountID,
		Events: eventbridge.NewFromConfig(cfg), Trails: cloudtrail.NewFromConfig(cfg),
		Lambda: lambda.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg), SQS: sqs.NewFromConfig(cfg),
		Metrics: cloudwatch.NewFromConfig(cfg),
		IAM:     iam.NewFromConfig(cfg), SNS: sns.NewFromConfig(cfg),
		Stacks:       func(region string) alertstatus.StacksAPI { return cloudformation.NewFromConfig(in(region)) },
		RegionEvents: func(region string) alertstatus.ForwardRuleAPI { return eventbridge.NewFromConfig(in(region)) },
	}
}

func TestReadDeployedPipeline(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	cfg := emu.Config(emu.AddAccount("111122223333", "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{}))
	ctx := t.Context()
	prefix := "rgstatus"
	names := stack.Names{Prefix: prefix}
	clients := clientsOf(t, cfg)

	r, err := alertstatus.Read(ctx, clients, names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.Account != "111122223333" || r.Rule.Exists || r.Function.Exists || r.DLQ.Exists || len(r.Problems) != 4 {
		t.Errorf("nothing deployed: %+v", r)
	}

	engine := deploy.New(deploy.Clients{
		CFN: func(string) deploy.CFNAPI { return cloudformation.NewFromConfig(cfg) },
		S3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		SSM: ssm.NewFromConfig(cfg), Trail: cloudtrail.NewFromConfig(cfg), Account: "111122223333",
	}, deploy.Options{Stack: stack.HubOptions{Prefix: prefix}, FunctionZip: []byte("PK\x05\x06 status test"),
		Webhook: "https://hooks.slack.com/services/T/B/x", Approve: true, Progress: io.Discard, Poll: 20 * time.Millisecond})
	plan, err := engine.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}

	r, err = alertstatus.Read(ctx, clients, names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 0 || !r.Rule.MatchesRootLog || r.Rule.Targets != 1 || r.Function.State != "Active" || !r.DLQ.Exists {
		t.Fatalf("deployed: %+v", r)
	}

	// Two alerts dead-lettered, one posted, one error logged.
	sq := sqs.NewFromConfig(cfg)
	dlq, err := sq.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(names.DeadLetterQueue())})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: dlq.QueueUrl, MessageBody: aws.String("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(names.LogGroup()), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	posted := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	if _, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(names.LogGroup()), LogStreamName: aws.String("s"), LogEvents: []logtypes.InputLogEvent{
		{Timestamp: aws.Int64(time.Now().Add(-48 * time.Hour).UnixMilli()), Message: aws.String(`{"level":"ERROR","msg":"alert not posted"}`)},
		{Timestamp: aws.Int64(posted.UnixMilli()), Message: aws.String(`{"level":"INFO","msg":"alert posted","event_ids":["e1"]}`)},
		{Timestamp: aws.Int64(posted.Add(time.Minute).UnixMilli()), Message: aws.String(`{"level":"ERROR","msg":"alert not posted","http_status":404,"slack_code":"channel_not_found"}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	r, err = alertstatus.Read(ctx, clients, names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.DLQ.Visible != 2 || r.Deliveries.Posted != 1 || !r.Deliveries.LastPosted.Equal(posted) || r.Deliveries.Errors != 1 {
		t.Errorf("after failures: DLQ %+v deliveries %+v", r.DLQ, r.Deliveries)
	}
	want := []string{"the function logged 1 errors in the last 24h0m0s", "2 undelivered alerts in rgstatus-alerts-dlq (fix the webhook, then `rootguard alert redrive`)"}
	if !slices.Equal(r.Problems, want) {
		t.Errorf("problems %q, want %q", r.Problems, want)
	}

	if _, err := eventbridge.NewFromConfig(cfg).DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String(names.Rule())}); err != nil {
		t.Fatal(err)
	}
	if r, err = alertstatus.Read(ctx, clients, names, time.Now()); err != nil || !slices.Contains(r.Problems, "rule rgstatus-root-activity is disabled") {
		t.Errorf("disabled rule: %q, %v", r.Problems, err)
	}
}
