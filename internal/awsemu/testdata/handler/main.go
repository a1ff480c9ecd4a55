// Command handler is the test Lambda function of awsemu's pipeline tests:
// a real lambda.Start binary that posts every event it receives to
// $RECEIVER_URL and, for SQS batches, reports each record whose body
// contains "poison" as a batch item failure.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	receiver := os.Getenv("RECEIVER_URL")

	lambda.Start(func(ctx context.Context, event json.RawMessage) (any, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, receiver, bytes.NewReader(event))
		if err != nil {
			return nil, err
		}

		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("post event: %w", err)
		}
		_ = resp.Body.Close()

		var batch events.SQSEvent
		if err := json.Unmarshal(event, &batch); err != nil || len(batch.Records) == 0 {
			return "ok", nil
		}

		var out events.SQSEventResponse
		for _, r := range batch.Records {
			if strings.Contains(r.Body, "poison") {
				out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}

		return out, nil
	})
}
