package alertstatus

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// MetricsAPI reads the alert queue's CloudWatch metrics.
type MetricsAPI interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var _ MetricsAPI = (*cloudwatch.Client)(nil)

// QueueAge is what CloudWatch says of a queue's messages: SQS publishes no
// message age in GetQueueAttributes, only the metric
// ApproximateAgeOfOldestMessage ("the approximate age of the oldest
// non-deleted message in the queue", seconds) with
// ApproximateNumberOfMessagesNotVisible, in the AWS/SQS namespace with the
// dimension QueueName (Amazon SQS Developer Guide, "Available CloudWatch
// metrics for Amazon SQS",
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
// SQS publishes the age only while the queue has an active message.
type QueueAge struct {
	// Known is whether CloudWatch had a datapoint for the age in the
	// window; Oldest and NotVisible are the latest datapoints.
	Known      bool
	Oldest     time.Duration
	NotVisible int
}

// ageWindow is how far back readQueueAge asks CloudWatch: SQS metrics
// arrive at one-minute periods, some minutes late.
const ageWindow = 15 * time.Minute

// readQueueAge reads the queue's latest ApproximateAgeOfOldestMessage and
// ApproximateNumberOfMessagesNotVisible. A failed read, or a query
// CloudWatch could not complete, is an error: the age is unknown, and
// status says so rather than healthy.
func readQueueAge(ctx context.Context, api MetricsAPI, queue string, now time.Time) (QueueAge, error) {
	var qa QueueAge
	if api == nil {
		return qa, fmt.Errorf("read the age of queue %s: no CloudWatch client", queue)
	}
	query := func(id, metric string) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(id), ReturnData: aws.Bool(true), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/SQS"), MetricName: aws.String(metric),
				Dimensions: []cwtypes.Dimension{{Name: aws.String("QueueName"), Value: aws.String(queue)}}},
			Period: aws.Int32(60), Stat: aws.String("Maximum"),
		}}
	}
	out, err := api.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-ageWindow)), EndTime: aws.Time(now.Add(time.Minute)),
		ScanBy:            cwtypes.ScanByTimestampDescending,
		MetricDataQueries: []cwtypes.MetricDataQuery{query("age", "ApproximateAgeOfOldestMessage"), query("notvisible", "ApproximateNumberOfMessagesNotVisible")},
	})
	if err != nil {
		return qa, fmt.Errorf("read the age of queue %s: %w", queue, err)
	}
	for _, r := range out.MetricDataResults {
		if r.StatusCode != cwtypes.StatusCodeComplete && r.StatusCode != cwtypes.StatusCodePartialData {
			return qa, fmt.Errorf("read the age of queue %s: CloudWatch answered %s for %s", queue, r.StatusCode, aws.ToString(r.Id))
		}
		latest, ok := latestValue(r)
		if !ok {
			continue
		}
		switch aws.ToString(r.Id) {
		case "age":
			qa.Known, qa.Oldest = true, time.Duration(latest*float64(time.Second))
		case "notvisible":
			qa.NotVisible = int(latest)
		}
	}
	return qa, nil
}

// latestValue is the value of the newest timestamp (ScanBy may be
// ignored by a stand-in; the timestamps decide).
func latestValue(r cwtypes.MetricDataResult) (float64, bool) {
	best := -1
	for i := range r.Values {
		if i < len(r.Timestamps) && (best < 0 || r.Timestamps[i].After(r.Timestamps[best])) {
			best = i
		}
	}
	if best < 0 {
		return 0, false
	}
	return r.Values[best], true
}

// stuckInFlight names messages the function received and did not delete
// within the queue's visibility timeout plus its own timeout: a function
// that fails, times out or cannot start keeps alerts in flight, received
// again and again, however healthy its configuration reads.
func (r Report) stuckInFlight() (problem, warning string) {
	q := r.Queue
	if !q.Exists || q.InFlight == 0 {
		return "", ""
	}
	if !q.Age.Known {
		return "", fmt.Sprintf("%d message(s) in flight in %s, and CloudWatch has no age of the oldest yet: whether they are stuck is unknown", q.InFlight, q.Name)
	}
	limit := q.VisibilityTimeout + r.Function.Timeout
	if q.Age.NotVisible == 0 || q.Age.Oldest <= limit {
		return "", ""
	}
	return fmt.Sprintf("%d message(s) in flight, the oldest for longer than the visibility timeout: the function is failing or timing out "+
		"(queue %s: oldest message %s old; visibility timeout %s + function timeout %s)",
		q.InFlight, q.Name, q.Age.Oldest.Round(time.Second), q.VisibilityTimeout, r.Function.Timeout), ""
}
