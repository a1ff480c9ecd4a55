// Package queuedepth reads an SQS queue's message counts without ever
// taking an unknown count for an empty queue.
package queuedepth

import (
	"fmt"
	"strconv"

	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awserr"
)

// Count reads the count attribute name (ApproximateNumberOfMessages,
// …NotVisible, …Delayed) from a GetQueueAttributes answer. A missing,
// unparseable or negative value is an error: "no dead letters" or "the
// queue is drained" must never be a guess.
func Count(attrs map[string]string, name sqstypes.QueueAttributeName) (int, error) {
	raw, ok := attrs[string(name)]
	n, err := strconv.Atoi(raw)
	if !ok || err != nil || n < 0 {
		return 0, fmt.Errorf("%s is %q, not a message count", name, raw)
	}
	return n, nil
}

// NoQueue reports whether err says the queue does not exist:
// QueueDoesNotExist, the error the SQS API reference names
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html),
// or AWS.SimpleQueueService.NonExistentQueue, its older Query-protocol code.
func NoQueue(err error) bool {
	code := awserr.Code(err)
	return code == "AWS.SimpleQueueService.NonExistentQueue" || code == "QueueDoesNotExist"
}
