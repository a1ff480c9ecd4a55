package roottask

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/iostreams"
	rt "github.com/rootguard/rootguard/internal/roottask"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// The local AWS's SQS keeps one account's queues, whose URLs name
// 000000000000; the member that owns them in these tests has that ID.
const (
	member      = "222222222222"
	queueMember = "000000000000"
	lockout     = `{"Version":"2012-10-17","Statement":[{"Sid":"LockedOut","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`
)

type typed struct {
	answer string
	asked  int
	before func()
}

func (p *typed) ConfirmTyped(_, want string) (bool, error) {
	p.asked++
	if p.before != nil {
		p.before()
	}
	return p.answer == want, nil
}

func (p *typed) Secret(string) (string, error) { return "", errors.New("not asked") }

type env struct {
	emu    *awsemu.Server
	caller aws.Credentials
	admins map[string]aws.Credentials // an administrator in each member, to set up and inspect
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, awsemu.CentralizedRootAccess...)
}

func newEnvWith(t *testing.T, features ...string) *env {
	t.Helper()
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.NewOrg("111111111111")
	org.EnableCentralizedRootAccess(features...)
	e := &env{emu: emu, caller: org.Admin("admin"), admins: map[string]aws.Credentials{}}
	for _, id := range []string{member, queueMember} {
		e.admins[id] = org.AddMember(id, "member-"+id[:1]).AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{})
	}
	return e
}

func (e *env) opts(t *testing.T, creds aws.Credentials, plan func(*Options) func(context.Context, Engine) (*rt.Plan, error)) (*Options, *iostreams.IOStreams) {
	ios, _, _, _ := iostreams.Test()
	o := &Options{IO: ios, Prompter: &typed{}, Now: func() time.Time { return now }}
	o.Engine = engineFor(func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, e.emu.Config(creds)) }, o)
	o.plan = plan(o)
	return o, ios
}

func (e *env) s3(id string) *s3.Client {
	return s3.NewFromConfig(e.emu.Config(e.admins[id]), func(o *s3.Options) { o.UsePathStyle = true })
}

func (e *env) sqs(id string) *sqs.Client { return sqs.NewFromConfig(e.emu.Config(e.admins[id])) }

func bucketTask(o *Options) func(context.Context, Engine) (*rt.Plan, error) {
	return func(ctx context.Context, e Engine) (*rt.Plan, error) {
		return e.PlanBucketUnlock(ctx, o.Account, o.Bucket)
	}
}

func queueTask(o *Options) func(context.Context, Engine) (*rt.Plan, error) {
	return func(ctx context.Context, e Engine) (*rt.Plan, error) {
		return e.PlanQueueUnlock(ctx, o.Account, o.Queue)
	}
}

func passwordTask(o *Options) func(context.Context, Engine) (*rt.Plan, error) {
	return func(ctx context.Context, e Engine) (*rt.Plan, error) {
		return e.PlanPasswordRecovery(ctx, o.Account)
	}
}

func out(ios *iostreams.IOStreams) string { return ios.Out.(interface{ String() string }).String() }
func errOut(ios *iostreams.IOStreams) string {
	return ios.ErrOut.(interface{ String() string }).String()
}

func records(t *testing.T, path string) []fix.Record {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []fix.Record
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r fix.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("record line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

func (e *env) lockedBucket(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.s3(member).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3(member).PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(lockout)}); err != nil {
		t.Fatal(err)
	}
}

func TestUnlockBucketPolicy(t *testing.T) {
	e := newEnv(t)
	e.lockedBucket(t, "example-logs")
	// The lock-out: the member's administrator can no longer read or
	// remove the policy; only root can.
	_, err := e.s3(member).DeleteBucketPolicy(context.Background(), &s3.DeleteBucketPolicyInput{Bucket: aws.String("example-logs")})
	if awserr.Code(err) != "AccessDenied" {
		t.Fatalf("the member's administrator removed a policy that denies everyone: %v", err)
	}

	// The plan shows the policy and changes nothing.
	plan, ios := e.opts(t, e.caller, bucketTask)
	plan.Account, plan.Bucket = member, "example-logs"
	if err := Run(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Account 222222222222 — S3UnlockBucketPolicy (sts:AssumeRoot)",
		"(plan) would delete the policy of bucket example-logs (1 statement, one denies every principal)  [s3:DeleteBucketPolicy]",
		`"Sid": "LockedOut"`,
	} {
		if !strings.Contains(out(ios), want) {
			t.Errorf("plan lacks %q:\n%s", want, out(ios))
		}
	}
	if deletions(e.emu) != 0 || !strings.Contains(errOut(ios), "No changes were applied") {
		t.Fatalf("a plan changed something:\n%s", errOut(ios))
	}

	// Approved, with a record: saved first, then removed, then verified.
	apply, ios := e.opts(t, e.caller, bucketTask)
	apply.Account, apply.Bucket, apply.Approve, apply.Yes = member, "example-logs", true, true
	apply.RecordPath = filepath.Join(t.TempDir(), "unlock.jsonl")
	if err := Run(context.Background(), apply); err != nil {
		t.Fatalf("%v\n%s", err, out(ios))
	}
	// The member's own administrator was locked out; now the bucket has no
	// policy at all.
	if _, err := e.s3(member).GetBucketPolicy(context.Background(), &s3.GetBucketPolicyInput{Bucket: aws.String("example-logs")}); awserr.Code(err) != "NoSuchBucketPolicy" {
		t.Fatalf("after the task: %v, want NoSuchBucketPolicy", err)
	}
	if want := "example-logs: policy present (1 statement, one denies every principal) → no policy"; !strings.Contains(out(ios), want) {
		t.Errorf("before → after lacks %q:\n%s", want, out(ios))
	}
	recs := records(t, apply.RecordPath)
	if len(recs) != 2 || recs[0].Result != fix.Saved || recs[0].Document != lockout || recs[1].Result != fix.Done ||
		recs[1].Action != "s3:DeleteBucketPolicy" || recs[1].Target != "example-logs" || recs[1].Account != member ||
		recs[1].Actor != "arn:aws:iam::111111111111:user/admin" {
		t.Fatalf("record = %+v: want the policy saved, then the deletion", recs)
	}
	for _, c := range e.emu.CallsTo("s3", "DeleteBucketPolicy") {
		if c.ErrorCode != "" {
			continue // the administrator's attempt, denied
		}
		if c.Account != member || c.Principal != "arn:aws:iam::222222222222:root" {
			t.Errorf("deleted by %s in %s, want the member's root session", c.Principal, c.Account)
		}
	}
	for _, c := range e.emu.CallsTo("sts", "AssumeRoot") {
		if !strings.HasSuffix(c.Params["TaskPolicyArn"], "/root-task/S3UnlockBucketPolicy") {
			t.Errorf("AssumeRoot with %v", c.Params)
		}
	}

	// Nothing left to do.
	again, ios := e.opts(t, e.caller, bucketTask)
	again.Account, again.Bucket, again.Approve, again.Yes = member, "example-logs", true, true
	if err := Run(context.Background(), again); err != nil || !strings.Contains(out(ios), "has no bucket policy") {
		t.Fatalf("second run: %v\n%s", err, out(ios))
	}
}

func TestPolicyChangedSinceThePlanIsNotRemoved(t *testing.T) {
	e := newEnv(t)
	e.lockedBucket(t, "changed-logs")
	const replaced = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::changed-logs/*"}]}`
	o, ios := e.opts(t, e.caller, bucketTask)
	o.Account, o.Bucket, o.Approve = member, "changed-logs", true
	o.RecordPath = filepath.Join(t.TempDir(), "r.jsonl")
	ios.SetTTY(true, true, true)
	// Someone else unlocks and rewrites the policy while the user reads the plan.
	other := s3.NewFromConfig(e.emu.Config(e.emu.Credentials(awsemu.Principal{Account: member, Type: awsemu.PrincipalRoot,
		TaskPolicyARN: "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy"}, time.Hour)), func(o *s3.Options) { o.UsePathStyle = true })
	o.Prompter = &typed{answer: member, before: func() {
		if _, err := other.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String("changed-logs"), Policy: aws.String(replaced)}); err != nil {
			t.Error(err)
		}
	}}
	err := Run(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want exit 5\n%s", err, out(ios))
	}
	if n := deletions(e.emu); n != 0 {
		t.Fatalf("the policy that replaced the planned one was deleted (%d calls)", n)
	}
	for _, want := range []string{"changed since the plan", `"Action": "s3:GetObject"`, "skipped: not attempted"} {
		if !strings.Contains(out(ios), want) {
			t.Errorf("output lacks %q:\n%s", want, out(ios))
		}
	}
	if recs := records(t, o.RecordPath); len(recs) != 1 || recs[0].Result != fix.Skipped {
		t.Errorf("record = %+v", recs)
	}
}

func TestUnlockQueuePolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q, err := e.sqs(queueMember).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("rootguard-unlock-orders")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sqs(queueMember).SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl, Attributes: map[string]string{"Policy": lockout}}); err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(q.QueueUrl)
	o, ios := e.opts(t, e.caller, queueTask)
	o.Account, o.Queue, o.Approve, o.Yes = queueMember, url, true, true
	o.RecordPath = filepath.Join(t.TempDir(), "r.jsonl")
	if err := Run(ctx, o); err != nil {
		t.Fatalf("%v\n%s", err, out(ios))
	}
	attrs, err := e.sqs(queueMember).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
	if err != nil || attrs.Attributes["Policy"] != "" {
		t.Fatalf("policy after: %q, %v", attrs.Attributes["Policy"], err)
	}
	for _, want := range []string{`"Sid": "LockedOut"`, "[sqs:SetQueueAttributes]", url + ": policy present (1 statement, one denies every principal) → no policy"} {
		if !strings.Contains(out(ios), want) {
			t.Errorf("output lacks %q:\n%s", want, out(ios))
		}
	}
	if recs := records(t, o.RecordPath); len(recs) != 2 || recs[0].Document != lockout || recs[1].Result != fix.Done {
		t.Fatalf("record = %+v", recs)
	}
}

func TestAllowPasswordRecovery(t *testing.T) {
	e := newEnv(t)
	o, ios := e.opts(t, e.caller, passwordTask)
	o.Account = member
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out(ios), "(plan) would allow root password recovery in 222222222222") || len(e.emu.CallsTo("iam", "CreateLoginProfile")) != 0 {
		t.Fatalf("plan:\n%s", out(ios))
	}
	o, ios = e.opts(t, e.caller, passwordTask)
	o.Account, o.Approve, o.Yes = member, true, true
	o.RecordPath = filepath.Join(t.TempDir(), "r.jsonl")
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out(ios))
	}
	calls := e.emu.CallsTo("iam", "CreateLoginProfile")
	if len(calls) != 1 || calls[0].Account != member || calls[0].Principal != "arn:aws:iam::222222222222:root" || calls[0].ErrorCode != "" {
		t.Fatalf("CreateLoginProfile calls: %+v", calls)
	}
	if want := "root password recovery: no login profile (password recovery impossible) → login profile present (password recovery possible)"; !strings.Contains(out(ios), want) {
		t.Errorf("before → after lacks %q:\n%s", want, out(ios))
	}
	if recs := records(t, o.RecordPath); len(recs) != 2 || recs[0].Result != fix.Saved || recs[1].Action != "iam:CreateLoginProfile" || recs[1].Result != fix.Done {
		t.Fatalf("record = %+v", recs)
	}
	again, ios := e.opts(t, e.caller, passwordTask)
	again.Account, again.Approve, again.Yes = member, true, true
	if err := Run(context.Background(), again); err != nil || !strings.Contains(out(ios), "already has a login profile") {
		t.Fatalf("second run: %v\n%s", err, out(ios))
	}
}

func TestConfirmationAndRefusals(t *testing.T) {
	e := newEnv(t)
	e.lockedBucket(t, "refused-logs")
	t.Run("no TTY and no --yes changes nothing", func(t *testing.T) {
		o, _ := e.opts(t, e.caller, bucketTask)
		o.Account, o.Bucket, o.Approve = member, "refused-logs", true
		if err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "run again with --yes") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a wrong answer changes nothing", func(t *testing.T) {
		o, ios := e.opts(t, e.caller, bucketTask)
		o.Account, o.Bucket, o.Approve = member, "refused-logs", true
		ios.SetTTY(true, true, true)
		o.Prompter = &typed{answer: "22222222222"}
		if err := Run(context.Background(), o); !errors.Is(err, errNotConfirmed) {
			t.Fatalf("err = %v", err)
		}
	})
	if n := deletions(e.emu); n != 0 {
		t.Fatalf("%d deletions without confirmation", n)
	}
	t.Run("centralized root access off: explained", func(t *testing.T) {
		e := newEnvWith(t)
		o, _ := e.opts(t, e.caller, passwordTask)
		o.Account = member
		err := Run(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), "centralized root access enabled") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestFlagsRefuseMistakes(t *testing.T) {
	for _, args := range [][]string{
		{"unlock-bucket-policy", "--account", "22222222222", "--bucket", "example-logs"},
		{"unlock-bucket-policy", "--account", member, "--bucket", "Example_Logs"},
		{"unlock-queue-policy", "--account", member, "--queue", "https://sqs.eu-west-1.amazonaws.com/333333333333/orders"},
		{"unlock-queue-policy", "--account", member, "--queue", "not a url"},
		{"allow-password-recovery", "--account", member, "--yes"},
	} {
		ios, _, _, _ := iostreams.Test()
		ran := false
		cmd := NewCmdRoot(&cmdutil.Factory{IOStreams: ios}, func(*Options) error { ran = true; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if ran || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: ran = %v, err = %v", args, ran, err)
		}
	}
}

// TestRootTaskPolicyIsEnough keeps docs/permissions/root-tasks.json true:
// a management principal whose identity policy is exactly the document
// (sts:AssumeRoot evaluated with the task policy each task asks for) runs
// all three tasks with no AccessDenied anywhere. In the member nothing is granted: each
// task policy scopes its session.
func TestRootTaskPolicyIsEnough(t *testing.T) {
	raw, err := os.ReadFile("../../../docs/permissions/root-tasks.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.lockedBucket(t, "least-privilege-logs")
	q, err := e.sqs(queueMember).CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("rootguard-least-privilege"),
		Attributes: map[string]string{"Policy": lockout}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.emu.Account("111111111111").AddPolicyUser("breakglass", raw)
	if err != nil {
		t.Fatal(err)
	}
	operator := u.AddAccessKey(awsemu.AccessKey{})
	for name, setup := range map[string]func(o *Options){
		"password": func(o *Options) { o.Account, o.plan = member, passwordTask(o) },
		"bucket":   func(o *Options) { o.Account, o.Bucket, o.plan = member, "least-privilege-logs", bucketTask(o) },
		"queue":    func(o *Options) { o.Account, o.Queue, o.plan = queueMember, aws.ToString(q.QueueUrl), queueTask(o) },
	} {
		o, ios := e.opts(t, operator, passwordTask)
		setup(o)
		o.Approve, o.Yes = true, true
		if err := Run(context.Background(), o); err != nil {
			t.Errorf("%s: %v\n%s", name, err, out(ios))
		}
	}
	for _, c := range e.emu.Calls() {
		if strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			t.Errorf("%s %s:%s denied: root-tasks.json lacks it", c.Principal, c.Service, c.Action)
		}
	}
}

// deletions counts the bucket policies actually deleted.
func deletions(emu *awsemu.Server) int {
	n := 0
	for _, c := range emu.CallsTo("s3", "DeleteBucketPolicy") {
		if c.ErrorCode == "" {
			n++
		}
	}
	return n
}

// TestShortRootSessionsOutlastedByTheUser: with two-second root sessions
// (the local AWS expires them, as AWS does) and a user who reads the plan
// for longer than a session lasts, the task still runs and no call is
// signed with an expired session: sessions are opened right before use and
// renew themselves.
func TestShortRootSessionsOutlastedByTheUser(t *testing.T) {
	emu, err := awsemu.New() // the real clock
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.NewCentralizedRootOrg("111111111111")
	m := org.AddMember(member, "member")
	e := &env{emu: emu, caller: org.Admin("admin"), admins: map[string]aws.Credentials{member: m.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{})}}
	e.lockedBucket(t, "short-session-logs")
	emu.InjectFault(awsemu.Fault{Service: "s3", Latency: 200 * time.Millisecond})

	o, ios := e.opts(t, e.caller, bucketTask)
	o.Now = time.Now
	o.RootSession.Duration = 2 * time.Second
	o.Account, o.Bucket, o.Approve = member, "short-session-logs", true
	ios.SetTTY(true, true, true)
	o.Prompter = &typed{answer: member, before: func() { time.Sleep(3 * time.Second) }}
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out(ios))
	}
	if deletions(emu) != 1 {
		t.Fatalf("the policy was not removed:\n%s", out(ios))
	}
	for _, c := range emu.Calls() {
		if c.ErrorCode == "ExpiredToken" {
			t.Errorf("%s:%s signed with an expired session", c.Service, c.Action)
		}
	}
}
