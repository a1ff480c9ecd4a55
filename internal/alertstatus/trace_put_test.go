package alertstatus

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/rootguard/rootguard/internal/stack"
)

type putFunc func() *eventbridge.PutEventsOutput

func (f putFunc) PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	return f(), nil
}

// TestRefusedTestEventIsAnError: an answer that refuses the event, or
// holds no entry for it, is an error naming why — never a panic.
func TestRefusedTestEventIsAnError(t *testing.T) {
	for name, tc := range map[string]struct {
		out  *eventbridge.PutEventsOutput
		want string
	}{
		"refused":    {&eventbridge.PutEventsOutput{FailedEntryCount: 1, Entries: []ebtypes.PutEventsResultEntry{{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")}}}, "InternalFailure try again"},
		"no entries": {&eventbridge.PutEventsOutput{FailedEntryCount: 1}, "0 entries in its answer for 1 event"},
	} {
		_, err := SendTest(context.Background(), putFunc(func() *eventbridge.PutEventsOutput { return tc.out }), Clients{}, stack.Names{Prefix: "rootguard"}, time.Second, time.Millisecond, time.Now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", name, err, tc.want)
		}
	}
}
