package queuedepth

import (
	"errors"
	"strconv"
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

// FuzzCount feeds Count what GetQueueAttributes could answer: a count is
// never negative, and is exactly the number the answer spells.
func FuzzCount(f *testing.F) {
	for _, seed := range []string{"0", "17", "-1", "", "1e3", " 3", "99999999999999999999"} {
		f.Add(seed)
	}
	name := sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := Count(map[string]string{string(name): raw}, name)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("Count(%q) = %d, a negative depth", raw, n)
		}
		if back, _ := strconv.Atoi(raw); back != n {
			t.Fatalf("Count(%q) = %d", raw, n)
		}
	})
}
