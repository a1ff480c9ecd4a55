package redrive

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/stack"
)

// depthSQS answers GetQueueAttributes with the given depth attribute
// (missing when depth is nil).
type depthSQS struct {
	SQSAPI
	depth *string
}

func (d depthSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/111111111111/" + aws.ToString(in.QueueName))}, nil
}

func (d depthSQS) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	attrs := map[string]string{"QueueArn": "arn:aws:sqs:us-east-1:111111111111:" + (*in.QueueUrl)[strings.LastIndex(*in.QueueUrl, "/")+1:]}
	if d.depth != nil {
		attrs["ApproximateNumberOfMessages"] = *d.depth
	}
	return &sqs.GetQueueAttributesOutput{Attributes: attrs}, nil
}

// TestUnreadableDepthIsAnError: a dead-letter depth that is missing or not
// a count must stop the redrive with the reason, never read as "no dead
// letters".
func TestUnreadableDepthIsAnError(t *testing.T) {
	for _, depth := range []*string{nil, aws.String(""), aws.String("many"), aws.String("-1")} {
		_, err := Read(context.Background(), depthSQS{depth: depth}, stack.Names{})
		if err == nil || !strings.Contains(err.Error(), "not a message count") {
			t.Errorf("depth %v: err = %v, want an unreadable-depth error", depth, err)
		}
	}
}
