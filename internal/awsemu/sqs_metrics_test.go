package awsemu_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestSQSMetrics: the depth metrics SQS publishes in AWS/SQS (dimension
// QueueName) read what GetQueueAttributes says, over RPC v2 CBOR (the SDK
// for Go) and the Query protocol (the aws CLI); a queue no consumer of the
// emulator received from has no ApproximateAgeOfOldestMessage datapoint,
// never an age of 0.
func TestSQSMetrics(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	api := sqs.NewFromConfig(cfg)
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rgmetrics-queue")})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 60}); err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v", err)
	}
	now := time.Now()
	query := func(id, metric string) cwtypes.MetricDataQuery {
		return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{Period: aws.Int32(60), Stat: aws.String("Maximum"),
			Metric: &cwtypes.Metric{Namespace: aws.String("AWS/SQS"), MetricName: aws.String(metric),
				Dimensions: []cwtypes.Dimension{{Name: aws.String("QueueName"), Value: aws.String("rgmetrics-queue")}}}}}
	}
	out, err := cloudwatch.NewFromConfig(cfg).GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-5 * time.Minute)), EndTime: aws.Time(now.Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{query("visible", "ApproximateNumberOfMessagesVisible"), query("notvisible", "ApproximateNumberOfMessagesNotVisible"), query("age", "ApproximateAgeOfOldestMessage")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]float64{}
	for _, r := range out.MetricDataResults {
		if r.StatusCode != cwtypes.StatusCodeComplete {
			t.Errorf("%s: status %s", aws.ToString(r.Id), r.StatusCode)
		}
		got[aws.ToString(r.Id)] = r.Values
	}
	if len(got["visible"]) != 1 || got["visible"][0] != 1 || len(got["notvisible"]) != 1 || got["notvisible"][0] != 1 || len(got["age"]) != 0 {
		t.Errorf("datapoints %v, want visible 1, not visible 1, no age", got)
	}

	status, body := queryCall(t, emu, cfg, "monitoring", url.Values{
		"Action": {"GetMetricStatistics"}, "Version": {"2010-08-01"}, "Namespace": {"AWS/SQS"},
		"MetricName": {"ApproximateNumberOfMessagesNotVisible"}, "Period": {"60"}, "Statistics.member.1": {"Maximum"},
		"Dimensions.member.1.Name": {"QueueName"}, "Dimensions.member.1.Value": {"rgmetrics-queue"},
		"StartTime": {now.Add(-5 * time.Minute).UTC().Format(time.RFC3339)}, "EndTime": {now.Add(time.Minute).UTC().Format(time.RFC3339)},
	})
	if status != http.StatusOK || !strings.Contains(string(body), "<Maximum>1</Maximum>") || !strings.Contains(string(body), "<Unit>Count</Unit>") {
		t.Errorf("GetMetricStatistics over Query: %d %s", status, body)
	}
}
