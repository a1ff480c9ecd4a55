package awsemu_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/rootguard/rootguard/internal/awsemu"
)

func TestPipelineSeedingIsPerAccount(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	ctx := t.Context()

	var keys []aws.Config
	for i, id := range []string{"200000000001", "200000000002"} {
		acct := emu.AddAccount(id, "member")
		keys = append(keys, emu.Config(acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{})))
		if i == 1 {
			continue
		}
		if err := acct.AddTrail(awsemu.Trail{Name: "mgmt", Region: "us-east-1", S3BucketName: "b", MultiRegion: true, Logging: true}); err != nil {
			t.Fatal(err)
		}
		if err := acct.AddRule(awsemu.Rule{Name: "root", Region: "us-east-1", EventPattern: rootSignInPattern,
			Targets: map[string]string{"q": "arn:aws:sqs:us-east-1:" + id + ":alerts"}}); err != nil {
			t.Fatal(err)
		}
	}

	for i, want := range []int{1, 0} {
		trails, err := cloudtrail.NewFromConfig(keys[i]).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
		if err != nil || len(trails.TrailList) != want {
			t.Errorf("account %d: %d trails (err %v), want %d", i, len(trails.TrailList), err, want)
		}
		rules, err := eventbridge.NewFromConfig(keys[i]).ListRules(ctx, &eventbridge.ListRulesInput{})
		if err != nil || len(rules.Rules) != want {
			t.Errorf("account %d: %d rules (err %v), want %d", i, len(rules.Rules), err, want)
		}
	}
	targets, err := eventbridge.NewFromConfig(keys[0]).ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("root")})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != "arn:aws:sqs:us-east-1:200000000001:alerts" {
		t.Errorf("targets: %v %+v", err, targets)
	}
	status, err := cloudtrail.NewFromConfig(keys[0]).GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("mgmt")})
	if err != nil || !aws.ToBool(status.IsLogging) {
		t.Errorf("seeded trail status: %v %+v", err, status)
	}
}
