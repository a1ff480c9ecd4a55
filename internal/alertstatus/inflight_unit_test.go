package alertstatus

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

type metricsFunc func(*cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error)

func (f metricsFunc) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return f(in)
}

// TestUnreadableAgeIsAnError: a refused or incomplete metric read is an
// error (status cannot say healthy), never an age of zero.
func TestUnreadableAgeIsAnError(t *testing.T) {
	now := time.Now()
	for name, api := range map[string]MetricsAPI{
		"refused": metricsFunc(func(*cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error) {
			return nil, errors.New("AccessDenied")
		}),
		"incomplete": metricsFunc(func(*cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error) {
			return &cloudwatch.GetMetricDataOutput{MetricDataResults: []cwtypes.MetricDataResult{{Id: aws.String("age"), StatusCode: cwtypes.StatusCodeInternalError}}}, nil
		}),
		"no client": nil,
	} {
		if _, err := readQueueAge(context.Background(), api, "rootguard-alerts", now); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// The newest datapoint decides, whatever order CloudWatch returns.
	api := metricsFunc(func(in *cloudwatch.GetMetricDataInput) (*cloudwatch.GetMetricDataOutput, error) {
		var out cloudwatch.GetMetricDataOutput
		for _, q := range in.MetricDataQueries {
			if aws.ToString(q.MetricStat.Metric.Namespace) != "AWS/SQS" || aws.ToString(q.MetricStat.Metric.Dimensions[0].Value) != "rootguard-alerts" {
				t.Errorf("query %+v", q.MetricStat.Metric)
			}
			out.MetricDataResults = append(out.MetricDataResults, cwtypes.MetricDataResult{Id: q.Id, StatusCode: cwtypes.StatusCodeComplete,
				Timestamps: []time.Time{now.Add(-5 * time.Minute), now.Add(-time.Minute)}, Values: []float64{1, 400}})
		}
		return &out, nil
	})
	qa, err := readQueueAge(context.Background(), api, "rootguard-alerts", now)
	if err != nil || !qa.Known || qa.Oldest != 400*time.Second || qa.NotVisible != 400 {
		t.Errorf("age %+v, %v", qa, err)
	}
}

// TestStuckInFlight: in flight past the visibility timeout plus the
// function timeout is a problem; under it nothing; in flight with no age
// a warning, never silence.
func TestStuckInFlight(t *testing.T) {
	base := Report{Function: FunctionState{Name: "rootguard-alert", Timeout: 30 * time.Second}}
	for _, tc := range []struct {
		q                QueueState
		problem, warning bool
	}{
		{QueueState{Name: "q", Exists: true, InFlight: 1, VisibilityTimeout: 180 * time.Second, Age: QueueAge{Known: true, Oldest: 211 * time.Second, NotVisible: 1}}, true, false},
		{QueueState{Name: "q", Exists: true, InFlight: 1, VisibilityTimeout: 180 * time.Second, Age: QueueAge{Known: true, Oldest: 200 * time.Second, NotVisible: 1}}, false, false},
		{QueueState{Name: "q", Exists: true, InFlight: 1, VisibilityTimeout: 180 * time.Second}, false, true},
		{QueueState{Name: "q", Exists: true, VisibilityTimeout: 180 * time.Second, Age: QueueAge{Known: true, Oldest: time.Hour}}, false, false},
	} {
		r := base
		r.Queue = tc.q
		p, w := r.stuckInFlight()
		if (p != "") != tc.problem || (w != "") != tc.warning {
			t.Errorf("%+v: problem %q, warning %q", tc.q, p, w)
		}
		if tc.problem && !strings.Contains(p, "1 message(s) in flight, the oldest for longer than the visibility timeout: the function is failing or timing out") {
			t.Errorf("problem %q", p)
		}
	}
}
