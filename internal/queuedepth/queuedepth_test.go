package queuedepth

import (
	"errors"
	"testing"

	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

func TestCount(t *testing.T) {
	name := sqstypes.QueueAttributeNameApproximateNumberOfMessages
	for _, tc := range []struct {
		attrs map[string]string
		want  int
		ok    bool
	}{
		{map[string]string{string(name): "0"}, 0, true},
		{map[string]string{string(name): "42"}, 42, true},
		{map[string]string{}, 0, false},                   // missing: unknown, not empty
		{map[string]string{string(name): ""}, 0, false},   // empty
		{map[string]string{string(name): "-1"}, 0, false}, // negative
		{map[string]string{string(name): "many"}, 0, false},
	} {
		got, err := Count(tc.attrs, name)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Count(%v) = %d, %v; want %d, ok %v", tc.attrs, got, err, tc.want, tc.ok)
		}
	}
}

func TestNoQueue(t *testing.T) {
	for code, want := range map[string]bool{
		"AWS.SimpleQueueService.NonExistentQueue": true,
		"QueueDoesNotExist":                       true,
		"AccessDenied":                            false,
	} {
		if got := NoQueue(&smithy.GenericAPIError{Code: code}); got != want {
			t.Errorf("NoQueue(%s) = %v, want %v", code, got, want)
		}
	}
	if NoQueue(errors.New("connection refused")) || NoQueue(nil) {
		t.Error("an error without an API code is not a missing queue")
	}
}
