package audit

import (
	"context"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// alertingCase is one state of the alerting pipeline and what root-alerting
// must say about it.
type alertingCase struct {
	name      string
	seed      func(t testing.TB, a *awsemu.Account)
	want      Status
	detailHas []string
}

// runAlertingCases audits root-alerting for each case in a fresh account,
// through EventBridge's own TestEventPattern and CloudTrail on the local AWS.
func runAlertingCases(t *testing.T, tests []alertingCase) {
	t.Helper()
	emu := newWireEmu(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := emu.AddAccount(newAccountID(), "alerting")
			tt.seed(t, acct)
			creds := acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
			res := Account(context.Background(), emu.Config(creds), Options{Checks: []CheckID{"root-alerting"}})
			c := checkOf(t, res, "root-alerting")
			if c.Status != tt.want {
				t.Errorf("root-alerting = %s %q, want %s", c.Status, c.Detail, tt.want)
			}
			for _, sub := range tt.detailHas {
				if !contains(c.Detail, sub) {
					t.Errorf("detail %q does not say %q", c.Detail, sub)
				}
			}
			if t.Failed() {
				t.Logf("evidence %v", c.Evidence)
			}
		})
	}
}

func TestWireRootAlertingRulePath(t *testing.T) {
	const noRule = "no ENABLED EventBridge rule in us-east-1 matches a root ConsoleLogin event"
	const noCIS = "no CIS 4.3 metric filter"
	trailOnly := func(t testing.TB, a *awsemu.Account) {
		mustSeed(t, a.AddTrail(awsemu.Trail{Name: "org-trail", Region: "eu-west-1", S3BucketName: "trail-" + a.ID, MultiRegion: true, Logging: true}))
	}
	withRule := func(rule awsemu.Rule) func(t testing.TB, a *awsemu.Account) {
		return func(t testing.TB, a *awsemu.Account) {
			trailOnly(t, a)
			if rule.Region == "" {
				rule.Region = alertRegion
			}
			mustSeed(t, a.AddRule(rule))
		}
	}
	target := map[string]string{"alert": "arn:aws:sqs:us-east-1:111122223333:root-alerts"}
	runAlertingCases(t, []alertingCase{
		{"rule and multi-region trail", seedRulePath, Pass, []string{"alerted by EventBridge rule"}},
		{"a rule among others, matched by EventBridge itself", withRule(awsemu.Rule{Name: "all-signins", EventPattern: `{"source":["aws.signin"],"detail":{"eventName":["ConsoleLogin"]}}`, Targets: target}), Pass, nil},
		{"no rule", trailOnly, Fail, []string{noRule, noCIS}},
		{"rule disabled", withRule(awsemu.Rule{Name: "root-signin", EventPattern: rootSignInPattern, Disabled: true, Targets: target}), Fail, []string{noRule}},
		{"rule without target", withRule(awsemu.Rule{Name: "root-signin", EventPattern: rootSignInPattern}), Fail, []string{"root-signin match root ConsoleLogin but have no target"}},
		{"rule pattern matches IAM users, not root", withRule(awsemu.Rule{Name: "iam-signin", EventPattern: `{"source":["aws.signin"],"detail":{"userIdentity":{"type":["IAMUser"]}}}`, Targets: target}), Fail, []string{noRule}},
		{"rule pattern on another event source", withRule(awsemu.Rule{Name: "ec2", EventPattern: `{"source":["aws.ec2"]}`, Targets: target}), Fail, []string{noRule}},
		{"rule in eu-west-1, where root sign-in never arrives", withRule(awsemu.Rule{Name: "root-signin", Region: "eu-west-1", EventPattern: rootSignInPattern, Targets: target}), Fail, []string{noRule}},
	})
}

func TestWireRootAlertingTrails(t *testing.T) {
	const noTrail = "no trail logs management events into us-east-1"
	rule := func(t testing.TB, a *awsemu.Account) {
		mustSeed(t, a.AddRule(awsemu.Rule{Name: "root-signin", Region: alertRegion, EventPattern: rootSignInPattern,
			Targets: map[string]string{"alert": "arn:aws:sqs:us-east-1:" + a.ID + ":root-alerts"}}))
	}
	withTrail := func(trail awsemu.Trail) func(t testing.TB, a *awsemu.Account) {
		return func(t testing.TB, a *awsemu.Account) {
			rule(t, a)
			trail.S3BucketName = "trail-" + a.ID
			mustSeed(t, a.AddTrail(trail))
		}
	}
	runAlertingCases(t, []alertingCase{
		{"no trail", rule, Fail, []string{noTrail, "no multi-region trail and no trail homed in us-east-1"}},
		{"no trail and no rule: both named", func(testing.TB, *awsemu.Account) {}, Fail, []string{noTrail, "no ENABLED EventBridge rule"}},
		{"trail not logging", withTrail(awsemu.Trail{Name: "org-trail", Region: "eu-west-1", MultiRegion: true}), Fail, []string{"trail org-trail is not logging"}},
		{"single-region trail elsewhere", withTrail(awsemu.Trail{Name: "eu-only", Region: "eu-west-1", Logging: true}), Fail, []string{"no multi-region trail"}},
		{"single-region trail in us-east-1", withTrail(awsemu.Trail{Name: "east", Region: alertRegion, Logging: true}), Pass, nil},
		{"read-only management events", withTrail(awsemu.Trail{Name: "reads", Region: alertRegion, MultiRegion: true, Logging: true,
			EventSelectors: `[{"ReadWriteType":"ReadOnly","IncludeManagementEvents":true}]`}), Fail, []string{"trail reads's event selectors do not log management write events"}},
		{"write-only management events", withTrail(awsemu.Trail{Name: "writes", Region: alertRegion, MultiRegion: true, Logging: true,
			EventSelectors: `[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true}]`}), Pass, nil},
		{"sign-in excluded from management events", withTrail(awsemu.Trail{Name: "no-signin", Region: alertRegion, MultiRegion: true, Logging: true,
			EventSelectors: `[{"ReadWriteType":"All","IncludeManagementEvents":true,"ExcludeManagementEventSources":["signin.amazonaws.com"]}]`}), Fail, []string{"no-signin's event selectors"}},
		{"data events only", withTrail(awsemu.Trail{Name: "data", Region: alertRegion, MultiRegion: true, Logging: true,
			EventSelectors: `[{"ReadWriteType":"All","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]`}), Fail, []string{"data's event selectors"}},
	})
}
