package alertstatus

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// depthSQS answers with the given attributes for every queue.
type depthSQS map[string]string

func (d depthSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/111111111111/" + aws.ToString(in.QueueName))}, nil
}

func (d depthSQS) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return &sqs.GetQueueAttributesOutput{Attributes: d}, nil
}

// TestUnreadableQueueDepthIsAnError: status never reads a depth it could
// not read as an empty queue ("no dead letters").
func TestUnreadableQueueDepthIsAnError(t *testing.T) {
	ok := depthSQS{"ApproximateNumberOfMessages": "3", "ApproximateNumberOfMessagesNotVisible": "1"}
	st, err := readQueue(context.Background(), ok, "q")
	if err != nil || !st.Exists || st.Visible != 3 || st.InFlight != 1 {
		t.Fatalf("readable depths: %+v, %v", st, err)
	}
	for _, attrs := range []depthSQS{
		{"ApproximateNumberOfMessagesNotVisible": "0"},
		{"ApproximateNumberOfMessages": "0"},
		{"ApproximateNumberOfMessages": "lots", "ApproximateNumberOfMessagesNotVisible": "0"},
		{"ApproximateNumberOfMessages": "-2", "ApproximateNumberOfMessagesNotVisible": "0"},
	} {
		if _, err := readQueue(context.Background(), attrs, "q"); err == nil || !strings.Contains(err.Error(), "not a message count") {
			t.Errorf("attributes %v: err = %v, want an unreadable-depth error", attrs, err)
		}
	}
}
