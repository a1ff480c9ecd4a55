package posture

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/digest"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/slackmsg"
	"github.com/rootguard/rootguard/internal/stack"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type hub struct {
	emu      *awsemu.Server
	cfg      aws.Config
	s3       *s3.Client
	sqs      *sqs.Client
	queueURL string
	bucket   string
	members  []*awsemu.Account
	clock    func() time.Time
}

// localHub is a management account with n members (every third with a root
// password and a hardware MFA device, the others without root
// credentials), centralized root access on, a bucket and the alert queue.
func localHub(t *testing.T, n int) *hub {
	t.Helper()
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	o := emu.NewCentralizedRootOrg("100000000000")
	h := &hub{emu: emu}
	h.members = o.AddMembers(n, func(i int, a *awsemu.Account) {
		a.AddRole(orgscan.DefaultRoleName, o.Management.ID)
		if i%3 == 0 {
			a.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, -6, 0))
			a.Root().AddMFADevice(awsemu.MFAHardware, "token")
		}
	})
	h.cfg = emu.Config(o.Admin("auditor"))
	h.s3 = s3.NewFromConfig(h.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	h.sqs = sqs.NewFromConfig(h.cfg)
	// kumo is shared by every local AWS in the process: bucket names are global.
	h.bucket = fmt.Sprintf("rootguard-artifacts-100000000000-%d", time.Now().UnixNano())
	if _, err := h.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &h.bucket}); err != nil {
		t.Fatal(err)
	}
	q, err := h.sqs.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("rootguard-alerts")})
	if err != nil {
		t.Fatal(err)
	}
	h.queueURL = aws.ToString(q.QueueUrl)
	var mu sync.Mutex
	tick := now
	h.clock = func() time.Time { // each run starts a minute after the last
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Minute)
		return tick
	}
	return h
}

func (h *hub) run(t *testing.T, heartbeat bool) *Result {
	t.Helper()
	res, err := run(t.Context(), h.cfg, h.s3, h.sqs, Options{
		Bucket: h.bucket, QueueURL: h.queueURL, Heartbeat: heartbeat,
		Concurrency: 4, AccountTimeout: time.Minute,
		Audit: audit.Options{Now: func() time.Time { return now }},
		Now:   h.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// queued reads what the run left in the alert queue, as the alert function
// would read and render it.
func (h *hub) queued(t *testing.T) []string {
	t.Helper()
	out, err := h.sqs.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: &h.queueURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
	if err != nil {
		t.Fatal(err)
	}
	var rendered []string
	for _, m := range out.Messages {
		ev := alertevent.Parse([]byte(aws.ToString(m.Body)), alertevent.DefaultConfig())
		if ev.Kind != alertevent.KindPostureDigest {
			t.Fatalf("queued message is not a posture digest: %v %q", ev.Kind, ev.Problems)
		}
		body, err := slackmsg.Body(slackmsg.Event(ev))
		if err != nil {
			t.Fatal(err)
		}
		rendered = append(rendered, string(body))
		if _, err := h.sqs.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: &h.queueURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	return rendered
}

func changes(d *digest.Digest) string {
	var parts []string
	for _, c := range d.Changes {
		parts = append(parts, strings.TrimSpace(string(c.Kind)+" "+c.AccountID+" "+c.Check))
	}
	return strings.Join(parts, "; ")
}

// The scenario: a first run posts its baseline; a run with nothing
// changed posts nothing (or a heartbeat when asked); a member gets a root
// access key and the next digest names exactly that drift; after the key
// is removed, the next names exactly the fix.
func TestScheduledRunsReportExactlyTheDrift(t *testing.T) {
	h := localHub(t, 6)

	first := h.run(t, false)
	if !first.Posted || first.Digest.Previous != "" || first.Digest.Accounts != 7 {
		t.Fatalf("first run: posted %v digest %+v", first.Posted, first.Digest)
	}
	if msgs := h.queued(t); len(msgs) != 1 || !strings.Contains(msgs[0], "Root posture baseline: 7 accounts audited") {
		t.Fatalf("baseline digest: %v", msgs)
	}

	quiet := h.run(t, false)
	if quiet.Posted || quiet.Digest.Total() != 0 || quiet.Digest.Previous != first.Run.ID {
		t.Fatalf("unchanged run: posted %v digest %+v", quiet.Posted, quiet.Digest)
	}
	if msgs := h.queued(t); len(msgs) != 0 {
		t.Fatalf("an unchanged run without heartbeat queued %v", msgs)
	}
	beat := h.run(t, true)
	if msgs := h.queued(t); !beat.Posted || len(msgs) != 1 || !strings.Contains(msgs[0], "Root posture: all 7 accounts unchanged") {
		t.Fatalf("heartbeat: %v", msgs)
	}

	member := h.members[2] // password and hardware MFA: only the key is news
	key := member.Root().AddAccessKey(awsemu.AccessKey{})
	drifted := h.run(t, false)
	if got, want := changes(drifted.Digest), "new-fail "+member.ID+" root-access-keys"; got != want {
		t.Fatalf("drift = %q, want %q", got, want)
	}
	msgs := h.queued(t)
	if len(msgs) != 1 || !strings.Contains(msgs[0], "Root posture drift: 1 new FAIL") || !strings.Contains(msgs[0], "*new FAIL* "+member.ID+" (member-3) · root-access-keys: PASS → FAIL") {
		t.Fatalf("drift digest: %v", msgs)
	}

	// The key is deleted through the API, by root itself.
	if _, err := iam.NewFromConfig(h.emu.Config(key)).DeleteAccessKey(t.Context(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(key.AccessKeyID)}); err != nil {
		t.Fatal(err)
	}
	fixed := h.run(t, false)
	if got, want := changes(fixed.Digest), "fixed "+member.ID+" root-access-keys"; got != want {
		t.Fatalf("after the fix: drift = %q, want %q", got, want)
	}
	if msgs := h.queued(t); len(msgs) != 1 || !strings.Contains(msgs[0], "Root posture drift: 1 fixed") {
		t.Fatalf("fix digest: %v", msgs)
	}

	// Every run and its report are in the bucket.
	for _, r := range []*Result{first, quiet, beat, drifted, fixed} {
		for _, key := range []string{r.RunKey, r.ReportKey} {
			obj, err := h.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: &h.bucket, Key: aws.String(key)})
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			body, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			if len(body) == 0 {
				t.Errorf("%s is empty", key)
			}
			if key == r.ReportKey && !strings.Contains(string(body), `<tr class="ou"><th colspan="9">Root <span class="group-count">7 accounts:`) {
				i := strings.Index(string(body), `class="ou"`)
				t.Errorf("report %s is not grouped by OU: %.300s", key, string(body)[max(i, 0):])
			}
		}
	}
}

// Two runs at once: both are stored, one digest per published change.
func TestOverlappingScheduledRuns(t *testing.T) {
	h := localHub(t, 3)
	h.run(t, false)
	h.queued(t)
	member := h.members[2] // password and hardware MFA: only the key is news
	member.Root().AddAccessKey(awsemu.AccessKey{})
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	for i := range results {
		wg.Go(func() {
			res, err := run(context.Background(), h.cfg, h.s3, h.sqs, Options{
				Bucket: h.bucket, QueueURL: h.queueURL, Concurrency: 2, AccountTimeout: time.Minute,
				Audit: audit.Options{Now: func() time.Time { return now }}, Now: h.clock,
			})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	newFails := 0
	for _, r := range results {
		if r.Digest != nil {
			newFails += r.Digest.Count(digest.NewFail)
		}
	}
	msgs := h.queued(t)
	if newFails != 1 || strings.Count(strings.Join(msgs, "\n"), "*new FAIL* "+member.ID) != 1 {
		t.Errorf("the new key was reported %d times in digests (%d messages), want once:\n%v", newFails, len(msgs), msgs)
	}
}

// From a terminal the engine finds the pipeline's bucket and queue by the
// stack's names in the caller's home Region.
func TestEngineFindsThePipeline(t *testing.T) {
	h := localHub(t, 2)
	names := stack.Names{Prefix: fmt.Sprintf("rgp%d", time.Now().UnixNano()%1e9)}
	caller, err := account.Resolve(t.Context(), h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := New(caller)
	if _, err := e.Run(t.Context(), names, Options{Concurrency: 2, AccountTimeout: time.Minute}); err == nil || !strings.Contains(err.Error(), "rootguard alert deploy") {
		t.Fatalf("without a pipeline: %v", err)
	}
	bucket := e.Bucket(names)
	if _, err := h.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.sqs.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(names.Queue())}); err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(t.Context(), names, Options{Concurrency: 2, AccountTimeout: time.Minute})
	if err != nil || !res.Posted {
		t.Fatalf("run: %+v %v", res, err)
	}
	latest, err := e.Latest(t.Context(), names, "")
	if err != nil || latest == nil || latest.ID != res.Run.ID {
		t.Errorf("latest = %v, %v", latest, err)
	}
}

type failingQueue struct{ err error }

func (f failingQueue) SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return nil, f.err
}

// A digest that cannot be queued is not lost: the run is unpublished, and
// the next run reports the same drift.
func TestDigestNotQueuedIsReportedByTheNextRun(t *testing.T) {
	h := localHub(t, 3)
	h.run(t, false)
	h.queued(t)
	member := h.members[2]
	member.Root().AddAccessKey(awsemu.AccessKey{})
	opts := Options{Bucket: h.bucket, QueueURL: h.queueURL, Concurrency: 2, AccountTimeout: time.Minute,
		Audit: audit.Options{Now: func() time.Time { return now }}, Now: h.clock}
	res, err := run(t.Context(), h.cfg, h.s3, failingQueue{err: fmt.Errorf("queue unavailable")}, opts)
	if err == nil || !strings.Contains(err.Error(), "the next run reports its changes") {
		t.Fatalf("err = %v", err)
	}
	if res == nil || res.RunKey == "" {
		t.Fatal("the run was not stored")
	}
	next := h.run(t, false)
	if got, want := changes(next.Digest), "new-fail "+member.ID+" root-access-keys"; got != want {
		t.Errorf("next run's drift = %q, want %q", got, want)
	}
	if msgs := h.queued(t); len(msgs) != 1 || !strings.Contains(msgs[0], "1 new FAIL") {
		t.Errorf("queued %v", msgs)
	}
}
