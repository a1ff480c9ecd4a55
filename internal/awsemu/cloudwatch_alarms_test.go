package awsemu_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
)

const rootMetric, cisNamespace = "RootAccountUsageCount", "CISBenchmark"

func putRootAlarm(t *testing.T, cw *cloudwatch.Client, name string, actions ...string) {
	t.Helper()
	_, err := cw.PutMetricAlarm(t.Context(), &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), MetricName: aws.String(rootMetric), Namespace: aws.String(cisNamespace),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(300), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, AlarmActions: actions,
		Dimensions: []cwtypes.Dimension{{Name: aws.String("Trail"), Value: aws.String("org")}},
	})
	if err != nil {
		t.Fatalf("put alarm %s: %v", name, err)
	}
}

func TestCloudWatchAlarmsPerAccountAndRegion(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	cw := cloudwatch.NewFromConfig(cfg)
	topic := "arn:aws:sns:us-east-1:111122223333:root-alerts"
	putRootAlarm(t, cw, "root-usage", topic)

	got, err := cw.DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{
		MetricName: aws.String(rootMetric), Namespace: aws.String(cisNamespace),
	})
	if err != nil || len(got.MetricAlarms) != 1 {
		t.Fatalf("alarms for metric: %v %+v", err, got)
	}
	a := got.MetricAlarms[0]
	if aws.ToString(a.AlarmArn) != "arn:aws:cloudwatch:us-east-1:111122223333:alarm:root-usage" ||
		!aws.ToBool(a.ActionsEnabled) || !slices.Equal(a.AlarmActions, []string{topic}) ||
		a.StateValue != cwtypes.StateValueInsufficientData || aws.ToFloat64(a.Threshold) != 1 ||
		aws.ToInt32(a.EvaluationPeriods) != 1 || a.Statistic != cwtypes.StatisticSum ||
		len(a.Dimensions) != 1 || aws.ToString(a.Dimensions[0].Value) != "org" ||
		a.AlarmConfigurationUpdatedTimestamp == nil || a.AlarmConfigurationUpdatedTimestamp.IsZero() {
		t.Errorf("alarm = %+v", a)
	}

	// Another region of the same account, and another account, see nothing.
	west := cfg.Copy()
	west.Region = "eu-west-1"
	other := emu.AddAccount("444455556666", "other").AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
	for name, c := range map[string]*cloudwatch.Client{"eu-west-1": cloudwatch.NewFromConfig(west), "other account": cloudwatch.NewFromConfig(emu.Config(other))} {
		out, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
		if err != nil || len(out.MetricAlarms) != 0 {
			t.Errorf("%s: %v, %d alarms, want none", name, err, len(out.MetricAlarms))
		}
	}

	// Filters: another metric or dimension set does not match.
	for _, in := range []*cloudwatch.DescribeAlarmsForMetricInput{
		{MetricName: aws.String("Other"), Namespace: aws.String(cisNamespace)},
		{MetricName: aws.String(rootMetric), Namespace: aws.String(cisNamespace), Dimensions: []cwtypes.Dimension{{Name: aws.String("Trail"), Value: aws.String("x")}}},
	} {
		out, err := cw.DescribeAlarmsForMetric(ctx, in)
		if err != nil || len(out.MetricAlarms) != 0 {
			t.Errorf("alarms for %s %v: %v %d, want none", aws.ToString(in.MetricName), in.Dimensions, err, len(out.MetricAlarms))
		}
	}

	// SetAlarmState then StateValue filter; a re-put keeps the state.
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("root-usage"), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("test")}); err != nil {
		t.Fatal(err)
	}
	putRootAlarm(t, cw, "root-usage", topic)
	inAlarm, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm})
	if err != nil || len(inAlarm.MetricAlarms) != 1 || aws.ToString(inAlarm.MetricAlarms[0].StateReason) != "test" {
		t.Errorf("alarms in ALARM: %v %+v", err, inAlarm)
	}
	ok, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueOk})
	if err != nil || len(ok.MetricAlarms) != 0 {
		t.Errorf("alarms in OK: %v %+v", err, ok)
	}

	if _, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"root-usage"}}); err != nil {
		t.Fatal(err)
	}
	left, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	if err != nil || len(left.MetricAlarms) != 0 {
		t.Errorf("after delete: %v %+v", err, left)
	}
}

func TestCloudWatchDescribeAlarmsPaginates(t *testing.T) {
	_, cfg := newHub(t)
	cw := cloudwatch.NewFromConfig(cfg)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("alarm-%02d", i)
		putRootAlarm(t, cw, name)
		want = append(want, name)
	}
	putRootAlarm(t, cw, "zz-other")

	var got []string
	pages := 0
	p := cloudwatch.NewDescribeAlarmsPaginator(cw, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("alarm-"), MaxRecords: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range page.MetricAlarms {
			got = append(got, aws.ToString(a.AlarmName))
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("paged %d pages of %v, want 3 pages of %v", pages, got, want)
	}

	named, err := cw.DescribeAlarms(t.Context(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"zz-other", "alarm-03", "missing"}})
	if err != nil || len(named.MetricAlarms) != 2 || aws.ToString(named.MetricAlarms[0].AlarmName) != "alarm-03" {
		t.Errorf("by names: %v %+v", err, named)
	}
}

func TestCloudWatchTypedErrors(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	cw := cloudwatch.NewFromConfig(cfg)
	putRootAlarm(t, cw, "kept")

	var notFound *cwtypes.ResourceNotFound
	_, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"kept", "missing"}})
	if !errors.As(err, &notFound) || notFound.ErrorCode() != "ResourceNotFound" {
		t.Errorf("delete a missing alarm: %v, want ResourceNotFound", err)
	}
	if out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); err != nil || len(out.MetricAlarms) != 1 {
		t.Errorf("a failed DeleteAlarms deleted something: %v %+v", err, out)
	}

	var badToken *cwtypes.InvalidNextToken
	if _, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{NextToken: aws.String("not a token!")}); !errors.As(err, &badToken) {
		t.Errorf("made-up token: %v, want InvalidNextToken", err)
	}

	var combination *cwtypes.InvalidParameterCombinationException
	_, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"kept"}, AlarmNamePrefix: aws.String("k")})
	if !errors.As(err, &combination) || combination.ErrorCode() != "InvalidParameterCombination" {
		t.Errorf("names and prefix: %v, want InvalidParameterCombination", err)
	}

	var invalid *cwtypes.InvalidParameterValueException
	_, err = cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("bad"), MetricName: aws.String(rootMetric), Namespace: aws.String(cisNamespace),
		Statistic: cwtypes.StatisticSum, EvaluationPeriods: aws.Int32(1), ComparisonOperator: "Bigger",
	})
	if !errors.As(err, &invalid) || invalid.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("bad comparison operator: %v, want InvalidParameterValue", err)
	}

	// Errors raised before the handler (here an injected denial) are CBOR too.
	emu.InjectFault(awsemu.Fault{Service: "monitoring", Action: "DescribeAlarms", DenyRate: 1})
	var apiErr smithy.APIError
	if _, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Errorf("denied: %v, want AccessDenied", err)
	}
	if calls := emu.CallsTo("monitoring", "DescribeAlarms"); len(calls) == 0 || calls[len(calls)-1].ErrorCode != "AccessDenied" {
		t.Errorf("call log: %+v", calls)
	}
}

func TestCloudWatchSeededAlarm(t *testing.T) {
	emu, cfg := newHub(t)
	acct := emu.Account("111122223333")
	topic := "arn:aws:sns:us-east-1:111122223333:root-alerts"
	if err := acct.AddAlarm(awsemu.Alarm{Region: "us-east-1", Name: "root", MetricName: rootMetric, Namespace: cisNamespace, AlarmActions: []string{topic}, State: "OK"}); err != nil {
		t.Fatal(err)
	}
	if err := acct.AddAlarm(awsemu.Alarm{Region: "us-east-1", Name: "muted", MetricName: rootMetric, Namespace: cisNamespace, ActionsDisabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := acct.AddAlarm(awsemu.Alarm{Region: "us-east-1", Name: "bad-state", MetricName: rootMetric, Namespace: cisNamespace, State: "RED"}); err == nil {
		t.Error("AddAlarm accepted state RED")
	}

	out, err := cloudwatch.NewFromConfig(cfg).DescribeAlarmsForMetric(t.Context(), &cloudwatch.DescribeAlarmsForMetricInput{
		MetricName: aws.String(rootMetric), Namespace: aws.String(cisNamespace),
	})
	if err != nil || len(out.MetricAlarms) != 2 {
		t.Fatalf("seeded alarms: %v %+v", err, out)
	}
	byName := map[string]cwtypes.MetricAlarm{}
	for _, a := range out.MetricAlarms {
		byName[aws.ToString(a.AlarmName)] = a
	}
	if a := byName["root"]; a.StateValue != cwtypes.StateValueOk || !aws.ToBool(a.ActionsEnabled) || !slices.Equal(a.AlarmActions, []string{topic}) {
		t.Errorf("root = %+v", a)
	}
	if a := byName["muted"]; aws.ToBool(a.ActionsEnabled) {
		t.Errorf("muted has actions enabled")
	}
}
