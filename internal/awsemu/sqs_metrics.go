package awsemu

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/sqsage"
)

// queueMetrics publishes SQS's queue metrics (cloudwatch.QueueMetrics) for
// kumo's queues: the depths from kumo's GetQueueAttributes, the age of the
// oldest message from the ledger of the emulator's consumers. kumo's queues
// are one namespace for the process, so the scope's account is not needed.
type queueMetrics struct {
	sqs  *sqs.Client // kumo's, untracked
	ages *sqsage.Ledger
	now  func() time.Time
}

var queueDepthMetrics = map[string]sqstypes.QueueAttributeName{
	"ApproximateNumberOfMessagesVisible":    sqstypes.QueueAttributeNameApproximateNumberOfMessages,
	"ApproximateNumberOfMessagesNotVisible": sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	"ApproximateNumberOfMessagesDelayed":    sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
}

func (q queueMetrics) QueueMetric(_ emu.Scope, queue, metric string) (float64, bool, error) {
	if _, depth := queueDepthMetrics[metric]; !depth && metric != "ApproximateAgeOfOldestMessage" {
		return 0, false, nil // not modelled: no datapoint, as for a metric SQS does not publish
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url, err := q.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return 0, false, nil // no such queue: no metric
	}
	out, err := q.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
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
