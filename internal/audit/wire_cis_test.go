package audit

import (
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// cisMetric is the CIS 4.3 metric the seeds filter into and alarm on.
const (
	cisNamespace = "CISBenchmark"
	cisMetric    = "RootAccountUsage"
)

// cisSeed seeds the CIS 4.3 path: a logging trail into the log group
// "cloudtrail" in us-east-1, a metric filter with pattern on it, and alarm
// (if not nil) on the filter's metric. There is no EventBridge rule.
func cisSeed(pattern string, alarm *awsemu.Alarm) func(t testing.TB, a *awsemu.Account) {
	return func(t testing.TB, a *awsemu.Account) {
		seedCISTrail(t, a)
		mustSeed(t, a.AddMetricFilter(awsemu.MetricFilter{Region: alertRegion, LogGroup: "cloudtrail", Name: "root-usage",
			Pattern: pattern, MetricName: cisMetric, Namespace: cisNamespace}))
		if alarm == nil {
			return
		}
		spec := *alarm
		spec.Name, spec.MetricName, spec.Namespace = "root-usage", cisMetric, cisNamespace
		if spec.Region == "" {
			spec.Region = alertRegion
		}
		mustSeed(t, a.AddAlarm(spec))
	}
}

// TestWireRootAlertingCIS43 covers the CIS 4.3 alternative to the rule:
// filters tested by CloudWatch Logs' TestMetricFilter on the local AWS
// against a root record and an IAM user's, and alarms read with
// DescribeAlarmsForMetric.
func TestWireRootAlertingCIS43(t *testing.T) {
	const noFilter = "no CIS 4.3 metric filter matching root use on the trail's log group"
	const noAlarm = "CIS 4.3 metric filter(s) root-usage have no alarm with an action"
	withAction := &awsemu.Alarm{AlarmActions: []string{"arn:aws:sns:us-east-1:111122223333:security"}}
	runAlertingCases(t, []alertingCase{
		{"CIS filter and alarm with an action", cisSeed(cisRootFilter, withAction), Pass, []string{"alerted by CIS 4.3 metric filter and alarm"}},
		{"filter with a wildcard on the root ARN", cisSeed(`{ $.userIdentity.arn = "arn:aws:iam::*:root" }`, withAction), Pass, nil},
		{"filter with || and parentheses", cisSeed(`{ ($.userIdentity.type = "Root") || ($.errorCode = "AccessDenied" && $.eventSource = "kms.amazonaws.com") }`, withAction), Pass, nil},
		{"filter on every sign-in, IAM users too", cisSeed(`{ $.eventName = "ConsoleLogin" }`, withAction), Fail, []string{noFilter}},
		{"filter excluding root", cisSeed(`{ $.userIdentity.type != "Root" }`, withAction), Fail, []string{noFilter}},
		{"filter with no alarm", cisSeed(cisRootFilter, nil), Fail, []string{noAlarm}},
		{"alarm without actions", cisSeed(cisRootFilter, &awsemu.Alarm{}), Fail, []string{noAlarm}},
		{"alarm with actions disabled", cisSeed(cisRootFilter, &awsemu.Alarm{AlarmActions: withAction.AlarmActions, ActionsDisabled: true}), Fail, []string{noAlarm}},
		{"alarm in another region than the log group", cisSeed(cisRootFilter, &awsemu.Alarm{Region: "eu-west-1", AlarmActions: withAction.AlarmActions}), Fail, []string{noAlarm}},
		{"filter on another log group", func(t testing.TB, a *awsemu.Account) {
			seedCISTrail(t, a)
			mustSeed(t, a.AddMetricFilter(awsemu.MetricFilter{Region: alertRegion, LogGroup: "other", Name: "root-usage",
				Pattern: cisRootFilter, MetricName: cisMetric, Namespace: cisNamespace}))
			mustSeed(t, a.AddAlarm(awsemu.Alarm{Region: alertRegion, Name: "root-usage", MetricName: cisMetric, Namespace: cisNamespace, AlarmActions: withAction.AlarmActions}))
		}, Fail, []string{noFilter}},
		{"filter and alarm, but the trail is not logging", func(t testing.TB, a *awsemu.Account) {
			mustSeed(t, a.AddTrail(awsemu.Trail{Name: "stopped", Region: alertRegion, S3BucketName: "trail-" + a.ID, MultiRegion: true,
				CloudWatchLogsLogGroupArn: logGroupARN(a)}))
			mustSeed(t, a.AddMetricFilter(awsemu.MetricFilter{Region: alertRegion, LogGroup: "cloudtrail", Name: "root-usage",
				Pattern: cisRootFilter, MetricName: cisMetric, Namespace: cisNamespace}))
			mustSeed(t, a.AddAlarm(awsemu.Alarm{Region: alertRegion, Name: "root-usage", MetricName: cisMetric, Namespace: cisNamespace, AlarmActions: withAction.AlarmActions}))
		}, Fail, []string{"trail stopped is not logging"}},
	})
}
