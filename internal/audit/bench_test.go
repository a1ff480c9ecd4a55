package audit

import (
	"context"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// benchLatency is injected on every call of the benchmark.
const benchLatency = 50 * time.Millisecond

// longestChain is the longest chain of calls that wait for each other in
// a full audit of an account with both alerting paths: DescribeTrails →
// DescribeMetricFilters (the trail's log group) → TestMetricFilter (is it a
// root filter?) → DescribeAlarmsForMetric (only for root filters: a CIS
// account has ~14 filters on that log group, and reading every filter's
// alarms to save one round trip would cost 13 calls). The other chains are
// shorter: ListRules → TestEventPattern → ListTargetsByRule, and
// GetCallerIdentity → the root reads (the session kind decides which).
const longestChain = 4

// BenchmarkAuditOneAccount audits one fully seeded account (root
// credentials, EventBridge rule, trail with the CIS 4.3 filter and alarm;
// fresh credential report) with benchLatency on every call, and reports
// the calls made, the wall time and the ideal: longestChain × benchLatency.
//
//	go test -run '^$' -bench AuditOneAccount -benchtime 20x ./internal/audit
func BenchmarkAuditOneAccount(b *testing.B) {
	emu := newWireEmu(b)
	acct := emu.AddAccount(newAccountID(), "bench")
	seedEveryPath(b, acct, "rule")
	mustSeed(b, acct.AddMetricFilter(awsemu.MetricFilter{Region: alertRegion, LogGroup: "cloudtrail", Name: "root-usage",
		Pattern: cisRootFilter, MetricName: cisMetric, Namespace: cisNamespace}))
	mustSeed(b, acct.AddAlarm(awsemu.Alarm{Region: alertRegion, Name: "root-usage", MetricName: cisMetric, Namespace: cisNamespace,
		AlarmActions: []string{"arn:aws:sns:us-east-1:" + acct.ID + ":security"}}))
	mustSeed(b, acct.AddTrail(awsemu.Trail{Name: "cis-trail", Region: alertRegion, S3BucketName: "cis-" + acct.ID, MultiRegion: true, Logging: true,
		CloudWatchLogsLogGroupArn: logGroupARN(acct)}))
	cfg := emu.Config(acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{}))
	ctx := context.Background()

	// Generate the credential report once: AWS keeps it for four hours, so
	// audits after the first read it as it is.
	if res := Account(ctx, cfg, Options{Sleep: noSleep}); len(errorsIn(res)) > 0 || statuses(res)["root-alerting"] != Pass {
		b.Fatalf("warm-up audit: %v %v", errorsIn(res), statuses(res))
	}
	emu.InjectFault(awsemu.Fault{Latency: benchLatency})

	calls := 0
	var wall time.Duration
	b.ResetTimer()
	for b.Loop() {
		emu.ResetCalls()
		start := time.Now()
		res := Account(ctx, cfg, Options{})
		wall += time.Since(start)
		calls += len(emu.Calls())
		if errs := errorsIn(res); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(calls)/n, "calls/op")
	b.ReportMetric(float64(wall.Milliseconds())/n, "wall-ms/op")
	b.ReportMetric(float64((longestChain * benchLatency).Milliseconds()), "ideal-ms/op")
}
