package sqsmove

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emutest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// host records the handlers Register installs, so the tasks are driven
// without awsemu's Server.
type host = emutest.Host

type reply = emutest.Reply

// queues is a kumo with the named queues and nothing else: only
// GetQueueUrl is answered.
type queues struct {
	API
	names map[string]bool
}

func (q queues) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if !q.names[aws.ToString(in.QueueName)] {
		return nil, &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue"}
	}
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("http://kumo/000000000000/" + aws.ToString(in.QueueName))}, nil
}

func call(t *testing.T, h host, action, body string) error {
	t.Helper()
	handler := h["sqs:"+action]
	if handler == nil {
		t.Fatalf("sqs:%s is not registered", action)
	}
	return handler(&emu.Call{Service: "sqs", Action: action, Region: "us-east-1", Body: []byte(body),
		Request: httptest.NewRequest("POST", "/", nil), Reply: &reply{}})
}

// TestRefusalsBeforeAnyMessageMoves: the requests a task cannot start or
// be found from are refused with SQS's codes, before any message moves.
func TestRefusalsBeforeAnyMessageMoves(t *testing.T) {
	h := host{}
	Register(t.Context(), h, queues{names: map[string]bool{"dlq": true}})
	const dlq = "arn:aws:sqs:us-east-1:111122223333:dlq"
	tests := []struct{ action, body, code string }{
		{"StartMessageMoveTask", `{"SourceArn":"` + dlq + `","MaxNumberOfMessagesPerSecond":501}`, "InvalidParameterValue"},
		{"StartMessageMoveTask", `{"SourceArn":"` + dlq + `","DestinationArn":"arn:aws:sqs:us-east-1:111122223333:dlq"}`, "InvalidParameterValue"},
		{"StartMessageMoveTask", `{"SourceArn":"arn:aws:sns:us-east-1:111122223333:dlq"}`, "InvalidParameterValue"},
		{"StartMessageMoveTask", `{"SourceArn":"arn:aws:sqs:us-east-1:111122223333:gone"}`, "ResourceNotFoundException"},
		{"ListMessageMoveTasks", `{"SourceArn":"` + dlq + `","MaxResults":11}`, "InvalidParameterValue"},
		{"CancelMessageMoveTask", `{"TaskHandle":"not base64"}`, "InvalidParameterValue"},
		{"CancelMessageMoveTask", `{"TaskHandle":"eyJ0YXNrSWQiOiJ4Iiwic291cmNlQXJuIjoieSJ9"}`, "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		var apiErr *emu.Error
		if err := call(t, h, tt.action, tt.body); !errors.As(err, &apiErr) || apiErr.Code != tt.code {
			t.Errorf("%s %s: err = %v, want %s", tt.action, tt.body, err, tt.code)
		}
	}
}
