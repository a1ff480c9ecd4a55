package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emutest"
)

// roles is Links with one execution role and no functions.
type roles struct{ trust, policy string }

func (r roles) Role(_, name string) (string, []string, error) {
	if name != "exec" {
		return "", nil, ErrNoRole
	}
	return r.trust, []string{r.policy}, nil
}

func (roles) InvokeFunction(context.Context, emu.Scope, string, []byte) error { return ErrNoFunction }

// flakyQueues is SQS (JSON protocol) where sending to "target" always
// fails with a 500, and what is sent to "dlq" is kept.
type flakyQueues struct {
	mu       sync.Mutex
	attempts int
	dead     []map[string]any
}

func (q *flakyQueues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.") {
	case "GetQueueUrl":
		_ = json.NewEncoder(w).Encode(map[string]string{"QueueUrl": "http://queues/" + in["QueueName"].(string)})
	case "SendMessage":
		q.mu.Lock()
		defer q.mu.Unlock()
		if strings.HasSuffix(in["QueueUrl"].(string), "/target") {
			q.attempts++
			w.Header().Set("X-Amzn-Query-Error", "InternalError;Receiver")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.sqs#InternalError","message":"try again"}`))
			return
		}
		q.dead = append(q.dead, in)
		_, _ = w.Write([]byte(`{"MessageId":"m1"}`))
	}
}

func newScheduler(t *testing.T, links Links, queues http.Handler) (*Scheduler, emutest.Host) {
	t.Helper()
	srv := httptest.NewServer(queues)
	t.Cleanup(srv.Close)
	client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: aws.AnonymousCredentials{}, DisableMessageChecksumValidation: true})
	ctx, cancel := context.WithCancel(context.Background())
	h := emutest.Host{}
	s := Register(ctx, h, links, client)
	t.Cleanup(func() {
		cancel()
		s.Wait()
	})
	return s, h
}

// TestRetriesEndInTheDeadLetterQueueWithAWSAttributes: a target that keeps
// failing is retried MaximumRetryAttempts times, then the dead-letter event
// — the Input, with EXHAUSTED_RETRY_CONDITION MaximumRetryAttempts and the
// retry count — goes to the schedule's dead-letter queue.
func TestRetriesEndInTheDeadLetterQueueWithAWSAttributes(t *testing.T) {
	trust := `{"Statement":{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole",
		"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:scheduler:us-east-1:111122223333:schedule-group/*"}}}}`
	policy := `{"Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:*"}]}`
	queues := &flakyQueues{}
	s, _ := newScheduler(t, roles{trust, policy}, queues)
	k := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	sc := &schedule{scope: k, name: "nightly", group: defaultGroup, state: "ENABLED", target: Target{
		Arn: "arn:aws:sqs:us-east-1:111122223333:target", RoleArn: "arn:aws:iam::111122223333:role/exec", Input: `{"n":1}`,
		RetryPolicy:      &RetryPolicy{MaximumEventAgeInSeconds: ptr(3600), MaximumRetryAttempts: ptr(2)},
		DeadLetterConfig: &DeadLetterConfig{Arn: "arn:aws:sqs:us-east-1:111122223333:dlq"},
	}}
	scheduled := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	err := s.invoke(t.Context(), sc, scheduled)
	var failed *InvocationError
	if !errors.As(err, &failed) || !failed.DeadLettered || failed.Code != "InternalServerException" {
		t.Fatalf("invoke = %v, want a dead-lettered InternalServerException", err)
	}
	if queues.attempts != 3 {
		t.Errorf("%d attempts, want 1 and 2 retries", queues.attempts)
	}
	if len(queues.dead) != 1 {
		t.Fatalf("%d dead-letter events", len(queues.dead))
	}
	dead := queues.dead[0]
	attrs, _ := dead["MessageAttributes"].(map[string]any)
	attr := func(k string) string {
		v, _ := attrs[k].(map[string]any)
		s, _ := v["StringValue"].(string)
		return s
	}
	if dead["MessageBody"] != `{"n":1}` || attr("EXHAUSTED_RETRY_CONDITION") != "MaximumRetryAttempts" || attr("RETRY_ATTEMPTS") != "2" ||
		attr("SCHEDULED_TIME") != "2026-12-03T12:00:00Z" || attr("SCHEDULE_ARN") != "arn:aws:scheduler:us-east-1:111122223333:schedule/default/nightly" {
		t.Errorf("dead-letter event %v", dead)
	}

	// A role whose trust does not hold for this account is never assumed:
	// nothing is attempted and, unable to send as the role, nothing is
	// dead-lettered either.
	other := *sc
	other.scope.Account = "444455556666"
	queues.attempts = 0
	err = s.invoke(t.Context(), &other, scheduled)
	if !errors.As(err, &failed) || failed.Code != "AccessDenied" || failed.DeadLettered || queues.attempts != 0 {
		t.Errorf("untrusted: %v (attempts %d)", err, queues.attempts)
	}
}

// TestClockStopsWithItsContext: Wait returns once Register's context ends,
// with the loop's goroutine gone.
func TestClockStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := Register(ctx, emutest.Host{}, roles{}, nil)
	done := make(chan struct{})
	go func() { s.Wait(); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after the context ended")
	}
}

// TestAMissingFunctionIsDeadLetteredAtOnce: a Lambda target that does not
// exist is an error no retry fixes: the dead-letter event goes out at
// once, with no EXHAUSTED_RETRY_CONDITION.
func TestAMissingFunctionIsDeadLetteredAtOnce(t *testing.T) {
	trust := `{"Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	policy := `{"Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction","sqs:SendMessage"],"Resource":"*"}]}`
	queues := &flakyQueues{}
	s, _ := newScheduler(t, roles{trust, policy}, queues)
	sc := &schedule{scope: emu.Scope{Account: "111122223333", Region: "us-east-1"}, name: "gone", group: defaultGroup, state: "ENABLED",
		target: Target{Arn: "arn:aws:lambda:us-east-1:111122223333:function:gone", RoleArn: "arn:aws:iam::111122223333:role/exec",
			RetryPolicy:      &RetryPolicy{MaximumEventAgeInSeconds: ptr(86400), MaximumRetryAttempts: ptr(185)},
			DeadLetterConfig: &DeadLetterConfig{Arn: "arn:aws:sqs:us-east-1:111122223333:dlq"}}}
	err := s.invoke(t.Context(), sc, time.Now())
	var failed *InvocationError
	if !errors.As(err, &failed) || failed.Code != "ResourceNotFoundException" || !failed.DeadLettered {
		t.Fatalf("invoke = %v, want ResourceNotFoundException dead-lettered", err)
	}
	attrs, _ := queues.dead[0]["MessageAttributes"].(map[string]any)
	if _, ok := attrs["EXHAUSTED_RETRY_CONDITION"]; ok || queues.dead[0]["MessageBody"] != "{}" {
		t.Errorf("dead-letter event %v", queues.dead[0])
	}
}
