package audit

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func TestRootAlerting(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(f *fakeAWS)
		want   Status
		detail string
	}{
		{"rule and trail", func(f *fakeAWS) {}, Pass, "EventBridge rule"},
		{"CIS 4.3 filter and alarm instead of a rule", func(f *fakeAWS) { f.ruleMatches = nil }, Pass, "CIS 4.3"},
		{"rule without target, no CIS alarm", func(f *fakeAWS) { f.targets = nil; f.alarms = nil }, Fail, "root-signin match root ConsoleLogin but have no target"},
		{"no matching rule, filter has no alarm with action", func(f *fakeAWS) {
			f.ruleMatches = nil
			f.alarms = []cwtypes.MetricAlarm{{AlarmName: aws.String("a"), ActionsEnabled: aws.Bool(false), AlarmActions: []string{"x"}}}
		}, Fail, "root-usage have no alarm with an action"},
		{"trail not logging", func(f *fakeAWS) { f.logging = false }, Fail, "trail org is not logging"},
		{"trail logs read-only events only", func(f *fakeAWS) {
			f.selectors = []cttypes.EventSelector{{IncludeManagementEvents: aws.Bool(true), ReadWriteType: cttypes.ReadWriteTypeReadOnly}}
		}, Fail, "do not log management write events"},
		{"single-region trail elsewhere does not reach us-east-1", func(f *fakeAWS) { f.trails[0].IsMultiRegionTrail = aws.Bool(false) }, Fail, "no multi-region trail"},
		{"single-region trail in us-east-1", func(f *fakeAWS) {
			f.trails[0].IsMultiRegionTrail = aws.Bool(false)
			f.trails[0].HomeRegion = aws.String("us-east-1")
		}, Pass, ""},
		{"advanced selectors with management events", func(f *fakeAWS) {
			f.selectors = nil
			f.advanced = []cttypes.AdvancedEventSelector{{FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Management"}}}}}
		}, Pass, ""},
		{"advanced selectors excluding sign-in", func(f *fakeAWS) {
			f.selectors = nil
			f.advanced = []cttypes.AdvancedEventSelector{{FieldSelectors: []cttypes.AdvancedFieldSelector{
				{Field: aws.String("eventCategory"), Equals: []string{"Management"}},
				{Field: aws.String("eventSource"), NotEquals: []string{"signin.amazonaws.com"}},
			}}}
		}, Fail, "do not log"},
		{"rules unreadable but trail missing: still FAIL", func(f *fakeAWS) {
			f.errs = map[string]error{"events:ListRules": apiErr("EventBridge", "ListRules", "AccessDeniedException")}
			f.trails = nil
		}, Fail, "no trail"},
		{"trails unreadable: ERROR", func(f *fakeAWS) {
			f.errs = map[string]error{"cloudtrail:DescribeTrails": apiErr("CloudTrail", "DescribeTrails", "AccessDeniedException")}
		}, Error, "grant cloudtrail:DescribeTrails"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hardenedIAMAccount()
			tt.mod(f)
			opts := testOpts()
			opts.Checks = []CheckID{"root-alerting"}
			res := run(context.Background(), f.clients(), opts)
			if len(res.Checks) != 1 {
				t.Fatalf("checks = %+v (error %q)", res.Checks, res.Error)
			}
			c := res.Checks[0]
			assertVerdict(t, verdict{status: c.Status, detail: c.Detail}, tt.want, tt.detail)
		})
	}
}
