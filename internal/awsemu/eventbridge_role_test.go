package awsemu_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// TestCrossRegionBusTargetNeedsRole: a rule forwarding to the default bus of
// another Region delivers only through a role EventBridge may assume for
// that rule, as on AWS; each event below names the target it went through.
func TestCrossRegionBusTargetNeedsRole(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	home, eu := cfg.Copy(), cfg.Copy()
	home.Region, eu.Region = "us-east-1", "eu-west-1"

	q := sqs.NewFromConfig(home)
	url, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("forwarded")})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := "arn:aws:sqs:us-east-1:000000000000:forwarded"
	put := func(eb *eventbridge.Client, rule string, target ebtypes.Target) {
		t.Helper()
		if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: &rule, EventPattern: aws.String(`{"source":["aws.ec2"]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: &rule, Targets: []ebtypes.Target{target}}); err != nil {
			t.Fatal(err)
		}
	}
	put(eventbridge.NewFromConfig(home), "to-queue", ebtypes.Target{Id: aws.String("q"), Arn: aws.String(queueARN)})

	trust := func(sourceArn string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole",` +
			`"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnEquals":{"aws:SourceArn":"` + sourceArn + `"}}}]}`
	}
	roles := iam.NewFromConfig(home)
	for name, doc := range map[string]string{
		"forward":          trust("arn:aws:events:eu-west-1:111122223333:rule/forward"),
		"other-rule":       trust("arn:aws:events:eu-west-1:111122223333:rule/something-else"),
		"lambda-only":      `{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		"any-eu-west-rule": trust("arn:aws:events:eu-west-1:111122223333:rule/*"),
	} {
		if _, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("like"), AssumeRolePolicyDocument: aws.String(
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com"]},"Action":["sts:AssumeRole"],"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:111122223333:rule/forw*"}}}]}`)})

	// CloudTrail delivers API calls to EventBridge only where a trail logs.
	if err := emu.Account("111122223333").AddTrail(awsemu.Trail{Name: "all", Region: "us-east-1", S3BucketName: "b", MultiRegion: true, Logging: true}); err != nil {
		t.Fatal(err)
	}
	euEvents := eventbridge.NewFromConfig(eu)
	emit := func(id string) {
		t.Helper()
		detail, _ := json.Marshal(map[string]string{"case": id})
		if _, err := emu.EmitServiceEvent(awsemu.ServiceEvent{Account: "111122223333", Region: "eu-west-1", Source: "aws.ec2", DetailType: "AWS API Call via CloudTrail", Detail: detail}); err != nil {
			t.Fatal(err)
		}
	}
	roleARN := func(name string) *string { return aws.String("arn:aws:iam::111122223333:role/" + name) }
	homeBus := aws.String("arn:aws:events:us-east-1:111122223333:event-bus/default")
	for _, c := range []struct {
		id      string
		role    *string
		deliver bool
	}{
		{"no-role", nil, false},
		{"missing-role", roleARN("absent"), false},
		{"role-of-another-rule", roleARN("other-rule"), false},
		{"role-not-for-eventbridge", roleARN("lambda-only"), false},
		{"role-of-another-account", aws.String("arn:aws:iam::444455556666:role/forward"), false},
		{"role-for-this-rule", roleARN("forward"), true},
		{"role-for-any-rule-here", roleARN("any-eu-west-rule"), true},
		{"role-arn-like", roleARN("like"), true},
	} {
		put(euEvents, "forward", ebtypes.Target{Id: aws.String("home"), Arn: homeBus, RoleArn: c.role})
		emit(c.id)
	}

	want := map[string]bool{"role-for-this-rule": true, "role-for-any-rule-here": true, "role-arn-like": true}
	got := map[string]int{}
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			var ev struct {
				Region string
				Detail struct{ Case string }
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Region != "eu-west-1" {
				t.Errorf("forwarded event %s has region %q, want the Region it happened in", ev.Detail.Case, ev.Region)
			}
			got[ev.Detail.Case]++
		}
		if len(got) >= len(want) && len(out.Messages) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("%s: delivered %d times, want once", id, got[id])
		}
	}
	for id, n := range got {
		if !want[id] {
			t.Errorf("%s: delivered %d times through a role EventBridge may not assume", id, n)
		}
	}
}
