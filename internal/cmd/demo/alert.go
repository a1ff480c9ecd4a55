package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/lambdazip"
	"github.com/rootguard/rootguard/internal/queuedepth"
	"github.com/rootguard/rootguard/internal/stack"
)

// lambdaArch maps Go's architecture names to Lambda's.
var lambdaArch = map[string]string{"amd64": "x86_64", "arm64": "arm64"}

// buildFunctions builds the alert function (cmd/bootstrap) and the
// scheduled posture auditor (cmd/auditor) for this machine with the
// Makefile's flags and zips them, so the local AWS can run them. It needs
// the Go toolchain and rootguard's source, which `go run ./cmd/rootguard
// demo` has; elsewhere the demo says so and skips alerting.
func buildFunctions(ctx context.Context, dir string) (alertZip, auditorZip, arch string, err error) {
	arch, ok := lambdaArch[runtime.GOARCH]
	if !ok {
		return "", "", "", fmt.Errorf("no Lambda architecture for %s", runtime.GOARCH)
	}
	paths := map[string]string{}
	for _, fn := range []struct{ main, name string }{{"bootstrap", "the alert function"}, {"auditor", "the posture auditor"}} {
		zip, err := lambdazip.Build(ctx, "github.com/rootguard/rootguard/cmd/"+fn.main, runtime.GOOS, runtime.GOARCH)
		if err != nil {
			return "", "", "", fmt.Errorf("build %s: %w", fn.name, err)
		}
		paths[fn.main] = filepath.Join(dir, fn.main+"-"+arch+".zip")
		if err := os.WriteFile(paths[fn.main], zip, 0o600); err != nil {
			return "", "", "", err
		}
	}
	return paths["bootstrap"], paths["auditor"], arch, nil
}

// standInSlack is a Slack incoming webhook on 127.0.0.1 that records what
// it is sent.
type standInSlack struct {
	srv   *http.Server
	url   string
	mu    sync.Mutex
	posts []string // each post's fallback text
}

func startSlack() (*standInSlack, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &standInSlack{url: "http://" + ln.Addr().String() + "/services/DEMO/DEMO/demo"}
	s.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(body, &msg) != nil || msg.Text == "" {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.posts = append(s.posts, msg.Text)
		s.mu.Unlock()
		io.WriteString(w, "ok")
	})}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *standInSlack) Close() { s.srv.Close() }

// since returns the posts after the first n.
func (s *standInSlack) since(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > len(s.posts) {
		return nil
	}
	return append([]string(nil), s.posts[n:]...)
}

// settle waits until at least want posts arrived after the first n and
// the pipeline is idle, or until limit passes. The function posts before
// the event-source mapping deletes the batch, so once the queue holds no
// message every event delivered to it has been posted.
func (s *standInSlack) settle(ctx context.Context, n, want int, idle func(context.Context) bool, limit time.Duration) []string {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		s.mu.Lock()
		got := len(s.posts) - n
		s.mu.Unlock()
		if got >= want && idle(ctx) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s.since(n)
}

// queueIdle returns whether the queue named name holds no message:
// none waiting, delayed or in flight. An unreadable queue is not idle.
func queueIdle(api sqsDepthAPI, name string) func(context.Context) bool {
	return func(ctx context.Context) bool {
		url, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			return false
		}
		out, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: idleAttributes})
		if err != nil {
			return false
		}
		for _, a := range idleAttributes {
			if n, err := queuedepth.Count(out.Attributes, a); err != nil || n != 0 {
				return false
			}
		}
		return true
	}
}

var idleAttributes = []sqstypes.QueueAttributeName{
	sqstypes.QueueAttributeNameApproximateNumberOfMessages,
	sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
}

type sqsDepthAPI interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

var _ sqsDepthAPI = (*sqs.Client)(nil)

// rootSignIn is the CloudTrail record of a root console sign-in, as
// CloudTrail delivers it to EventBridge ("AWS Console Sign In via
// CloudTrail" from aws.signin).
func rootSignIn(acct, ip string, success, mfa bool, at time.Time) []byte {
	result, mfaUsed := "Failure", "No"
	if success {
		result = "Success"
	}
	if mfa {
		mfaUsed = "Yes"
	}
	detail := map[string]any{
		"eventVersion":      "1.09",
		"userIdentity":      map[string]any{"type": "Root", "principalId": acct, "arn": account.AWS.RootARN(acct), "accountId": acct, "accessKeyId": ""},
		"eventTime":         at.UTC().Format(time.RFC3339),
		"eventSource":       "signin.amazonaws.com",
		"eventName":         "ConsoleLogin",
		"awsRegion":         account.DefaultRegion,
		"sourceIPAddress":   ip,
		"userAgent":         "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"requestParameters": nil,
		"responseElements":  map[string]any{"ConsoleLogin": result},
		"additionalEventData": map[string]any{
			"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": mfaUsed,
		},
		"eventID": uuid.NewString(), "readOnly": false, "eventType": "AwsConsoleSignIn",
		"managementEvent": true, "recipientAccountId": acct, "eventCategory": "Management",
	}
	if !success {
		detail["errorMessage"] = "Failed authentication"
	}
	b, _ := json.Marshal(detail)
	return b
}

// alertSteps are the demo's alerting part: deploy the pipeline to a
// stand-in Slack, test it, let "CloudTrail" deliver a root sign-in and a
// burst of failed ones, and show what Slack received. postureSteps, to run
// at the end, deploy the scheduled posture auditor and fire its schedule:
// a first run's baseline digest, a member getting a root access key, and
// the next scheduled run's digest naming exactly that drift.
func alertSteps(ctx context.Context, emu emitter, queues sqsDepthAPI, account string, errOut io.Writer) (alerting, postureSteps []step, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "rootguard-demo-fn")
	if err != nil {
		return nil, nil, func() {}, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	fmt.Fprintf(errOut, "\nBuilding the alert function (cmd/bootstrap) and the posture auditor (cmd/auditor) for the local AWS…\n")
	zipPath, auditorZip, arch, err := buildFunctions(ctx, dir)
	if err != nil {
		return nil, nil, cleanup, err
	}
	slack, err := startSlack()
	if err != nil {
		return nil, nil, cleanup, err
	}
	cleanup = func() { slack.Close(); os.RemoveAll(dir) }

	const burst = 50
	var seen int
	show := func(ctx context.Context, want int) error {
		posts := slack.settle(ctx, seen, want, queueIdle(queues, stack.Names{Prefix: stack.DefaultPrefix}.Queue()), 60*time.Second)
		seen += len(posts)
		if len(posts) < want {
			return fmt.Errorf("the stand-in Slack received %d message(s), want at least %d", len(posts), want)
		}
		for _, p := range posts {
			fmt.Fprintf(errOut, "  Slack ← %s\n", p)
		}
		return nil
	}
	signIns := func(n int, success bool) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			ips := []string{"198.51.100.7", "203.0.113.20", "192.0.2.99"}
			for i := range n {
				now := time.Now()
				if _, err := emu.EmitServiceEvent(awsemu.ServiceEvent{Account: account, Region: stack.HomeRegion, Source: "aws.signin",
					DetailType: "AWS Console Sign In via CloudTrail", Time: now,
					Detail: rootSignIn(account, ips[i%len(ips)], success, false, now)}); err != nil {
					return err
				}
			}
			fmt.Fprintf(errOut, "CloudTrail delivered %d root sign-in event(s) to the default bus in us-east-1.\n", n)
			return show(ctx, 1)
		}
	}
	const keyMember = "444444444444"
	schedule := stack.Names{Prefix: stack.DefaultPrefix}.PostureSchedule()
	fire := func(ctx context.Context) error {
		if err := emu.FireSchedule(ctx, account, stack.HomeRegion, "", schedule); err != nil {
			return fmt.Errorf("fire schedule %s: %w", schedule, err)
		}
		fmt.Fprintf(errOut, "EventBridge Scheduler fired %s: the auditor audited the organization and queued its digest.\n", schedule)
		return show(ctx, 1)
	}
	postureSteps = []step{
		{title: "Deploy the scheduled posture auditor beside the pipeline (daily; an EventBridge Scheduler schedule runs it)",
			args: []string{"posture", "deploy", "--approve", "--arch", arch, "--function-zip", auditorZip}, ok: []int{cmdutil.ExitOK}},
		{title: "The schedule fires (now, instead of tomorrow): the first run posts its baseline", action: fire},
		{title: "Member " + keyMember + " gets a root access key", action: func(context.Context) error {
			emu.Account(keyMember).Root().AddAccessKey(awsemu.AccessKey{})
			fmt.Fprintf(errOut, "A root access key now exists in %s (never used).\n", keyMember)
			return nil
		}},
		{title: "The schedule fires again: the digest names exactly that drift", action: fire},
		{title: "Show the schedule and the last run", args: []string{"posture", "status"}, ok: []int{cmdutil.ExitOK}},
	}
	return []step{
		{title: "Deploy the Slack alert pipeline (the webhook URL arrives on stdin, never as a flag)",
			args: []string{"alert", "deploy", "--approve", "--arch", arch, "--function-zip", zipPath}, stdin: slack.url + "\n", ok: []int{cmdutil.ExitOK}},
		{title: "Test it end to end without signing in as root", args: []string{"alert", "test", "--wait", "60s"}, ok: []int{cmdutil.ExitOK}},
		{title: "Show what Slack received from the test", action: func(ctx context.Context) error { return show(ctx, 1) }},
		{title: "Simulate a root sign-in without MFA", action: signIns(1, true)},
		{title: fmt.Sprintf("Simulate a burst of %d failed root sign-ins from 3 IPs", burst), action: signIns(burst, false)},
	}, postureSteps, cleanup, nil
}

// emitter is the local AWS standing in for CloudTrail, for a member
// account whose root user gets a key, and for EventBridge Scheduler's clock.
type emitter interface {
	EmitServiceEvent(ev awsemu.ServiceEvent) (string, error)
	Account(id string) *awsemu.Account
	FireSchedule(ctx context.Context, accountID, region, group, name string) error
}
