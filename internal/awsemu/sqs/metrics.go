package sqs

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/sqsage"
)

// Metrics publishes SQS's queue metrics (cloudwatch.QueueMetrics) for
// kumo's queues: the depths from kumo's GetQueueAttributes, the age of the
// oldest message from the ledger of the emulator's consumers.
type Metrics struct {
	sqs    *awssqs.Client // kumo's, untracked
	ages   *sqsage.Ledger
	now    func() time.Time
	owners *owners
}

// Metrics publishes the metrics of kumo's queues read through client (not
// one of the consumers the ledger tracks), the age of the oldest message
// from ages, on the clock now; a queue another account owns has none in
// the caller's (owners.go).
func (f *Front) Metrics(client *awssqs.Client, ages *sqsage.Ledger, now func() time.Time) Metrics {
	return Metrics{sqs: client, ages: ages, now: now, owners: &f.owners}
}

var queueDepthMetrics = map[string]sqstypes.QueueAttributeName{
	"ApproximateNumberOfMessagesVisible":    sqstypes.QueueAttributeNameApproximateNumberOfMessages,
	"ApproximateNumberOfMessagesNotVisible": sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	"ApproximateNumberOfMessagesDelayed":    sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
}

// QueueMetric is metric of queue (cloudwatch.QueueMetrics).
func (q Metrics) QueueMetric(s emu.Scope, queue, metric string) (float64, bool, error) {
	if _, depth := queueDepthMetrics[metric]; !depth && metric != "ApproximateAgeOfOldestMessage" {
		return 0, false, nil // not modelled: no datapoint, as for a metric SQS does not publish
	}
	if owner := q.owners.get(queue); owner != "" && owner != s.Account {
		return 0, false, nil // another account's queue: none in this one
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url, err := q.sqs.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return 0, false, nil // no such queue: no metric
	}
	out, err := q.sqs.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		return 0, false, err
	}
	count := func(a sqstypes.QueueAttributeName) int {
		n, _ := strconv.Atoi(out.Attributes[string(a)])
		return n
	}
	if a, ok := queueDepthMetrics[metric]; ok {
		return float64(count(a)), true, nil
	}
	depth := count(sqstypes.QueueAttributeNameApproximateNumberOfMessages) + count(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)
	age, ok := q.ages.OldestAge(queue, depth, q.now())
	return age.Seconds(), ok, nil
}
