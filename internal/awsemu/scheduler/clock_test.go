package scheduler

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emutest"
)

// movingHost is a Host whose clock a test moves.
type movingHost struct {
	emutest.Host
	now atomic.Int64 // Unix nanoseconds
}

func (h *movingHost) Now() time.Time { return time.Unix(0, h.now.Load()).UTC() }

// recordingQueues is SQS (JSON protocol) keeping every message body sent.
type recordingQueues struct{ sent chan string }

func (q recordingQueues) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct{ QueueName, MessageBody string }
	body, _ := io.ReadAll(r.Body)
	_ = emu.DecodeJSON(body, &in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "GetQueueUrl") {
		_, _ = w.Write([]byte(`{"QueueUrl":"http://queues/` + in.QueueName + `"}`))
		return
	}
	q.sent <- in.MessageBody
	_, _ = w.Write([]byte(`{"MessageId":"m"}`))
}

// create calls CreateSchedule through the registered handler.
func create(t *testing.T, h emutest.Host, name, body string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/schedules/"+name, strings.NewReader(body))
	req.SetPathValue("Name", name)
	c := &emu.Call{Service: "scheduler", Region: "us-east-1", Body: []byte(body), Request: req,
		Caller: emu.Principal{Account: "111122223333", Type: emu.PrincipalRoot}, Reply: &emutest.Reply{}}
	if err := h["scheduler:POST /schedules/{Name}"](c); err != nil {
		t.Fatalf("CreateSchedule %s: %v", name, err)
	}
}

// TestClockHonoursEndDateAndActionAfterCompletion: on a moving clock a
// rate schedule starts at once and stops at its EndDate, and an at()
// schedule with ActionAfterCompletion DELETE fires once and is gone.
func TestClockHonoursEndDateAndActionAfterCompletion(t *testing.T) {
	h := &movingHost{Host: emutest.Host{}}
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	h.now.Store(t0.UnixNano())
	queues := recordingQueues{sent: make(chan string, 16)}
	srv := httptest.NewServer(queues)
	t.Cleanup(srv.Close)
	client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		RetryMaxAttempts: 1, DisableMessageChecksumValidation: true})
	trust := `{"Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	policy := `{"Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`
	ctx, cancel := context.WithCancel(context.Background())
	s := Register(ctx, h, roles{trust, policy}, client)
	t.Cleanup(func() { cancel(); s.Wait() })

	target := `"Target":{"Arn":"arn:aws:sqs:us-east-1:111122223333:q","RoleArn":"arn:aws:iam::111122223333:role/exec","Input":"%s"}`
	want := func(body string) {
		t.Helper()
		select {
		case got := <-queues.sent:
			if got != body {
				t.Fatalf("sent %q, want %q", got, body)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("nothing sent, want %q", body)
		}
	}
	create(t, h.Host, "hourly", `{"ScheduleExpression":"rate(1 hour)","FlexibleTimeWindow":{"Mode":"OFF"},
		"EndDate":`+epochText(t0.Add(150*time.Minute))+`,`+strings.Replace(target, "%s", "hourly", 1)+`}`)
	create(t, h.Host, "once", `{"ScheduleExpression":"at(2026-12-03T12:30:00)","ActionAfterCompletion":"DELETE",
		"FlexibleTimeWindow":{"Mode":"OFF"},`+strings.Replace(target, "%s", "once", 1)+`}`)

	want("hourly") // a rate schedule without a StartDate starts at once
	h.now.Store(t0.Add(31 * time.Minute).UnixNano())
	want("once")
	h.now.Store(t0.Add(61 * time.Minute).UnixNano())
	want("hourly")
	s.mu.Lock()
	_, stillThere := s.scopeGroups(emu.Scope{Account: "111122223333", Region: "us-east-1"})[defaultGroup].schedules["once"]
	s.mu.Unlock()
	if stillThere {
		t.Error("the at() schedule with ActionAfterCompletion DELETE is still there after firing")
	}
	h.now.Store(t0.Add(121 * time.Minute).UnixNano())
	want("hourly")
	// Past the EndDate: the 3:00 firing must not come. The marker is a
	// schedule due later still; it arrives alone.
	create(t, h.Host, "marker", `{"ScheduleExpression":"at(2026-12-03T15:30:00)","FlexibleTimeWindow":{"Mode":"OFF"},`+strings.Replace(target, "%s", "marker", 1)+`}`)
	h.now.Store(t0.Add(211 * time.Minute).UnixNano())
	want("marker")
}

func epochText(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
