// Package roottask performs the privileged root tasks of centralized root
// access that are not credential removal (package fix does that): allow
// root password recovery in a member account, and remove a bucket or queue
// policy that locks every principal out. Each task is planned from what the
// member holds, read in a root session scoped by the task's own policy;
// applied in a new session opened right before the change, after reading
// the state again — a change since the plan stops the task — and after the
// policy to be removed is saved to the record; and verified by reading the
// state once more.
package roottask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// Engine runs root tasks for one caller (the management account or the IAM
// delegated administrator).
type Engine struct {
	Caller      *account.Session
	Now         func() time.Time
	RootSession rootsession.Options
	// clients builds the task's clients from a root session's
	// configuration; tests replace it.
	clients func(aws.Config) clients
}

// CallerARN is the caller's ARN, the actor of the change record.
func (e *Engine) CallerARN() string { return e.Caller.CallerARN }

// task is one kind of privileged root task.
type task interface {
	policy() rootsession.TaskPolicy
	// state reads what the task would change: "" when there is nothing.
	state(ctx context.Context, c clients) (string, error)
	// step describes the change for the plan and the record.
	step(account, current string) fix.Step
	// change makes it.
	change(ctx context.Context, c clients) error
	// nothing says why there is nothing to do when state is "".
	nothing() string
	// describe names the state for the before → after view.
	describe(state string) string
}

// Plan is one task in one account.
type Plan struct {
	Account string
	Task    rootsession.TaskPolicy
	Step    fix.Step
	// Current is what the task removes or changes (a policy document); ""
	// with Nothing set when there is nothing to do.
	Current string
	Nothing string

	task task
}

// Result is how an applied task ended and what the member holds after it.
type Result struct {
	Outcome fix.Outcome
	// Changed is what the member held at apply time when it differs from
	// the plan: the task was not done.
	Changed string
	// Before and After describe the state, for the before → after view;
	// After is "unknown: <reason>" when it could not be read again.
	Before, After string
}

func (e *Engine) open(ctx context.Context, acct string, t task) (clients, error) {
	cfg, err := rootsession.Open(ctx, e.Caller, acct, t.policy(), e.RootSession)
	if err != nil {
		return clients{}, fmt.Errorf("%w (%s)", err, explain(err, e.Caller.CallerARN))
	}
	cfg = orgscan.MemberConfig(cfg)
	if r, ok := t.(interface{ region() string }); ok && r.region() != "" {
		cfg.Region = r.region() // a queue is reached in its own Region
	}
	if e.clients != nil {
		return e.clients(cfg), nil
	}
	return newClients(cfg), nil
}

func explain(err error, caller string) string {
	c := *awserr.Classify(err)
	c.Caller = caller
	if c.AccessDenied() {
		return c.Error() + "; sts:AssumeRoot works only from the management account or the IAM delegated administrator, for a member account, with centralized root access enabled"
	}
	return c.Error()
}

func (e *Engine) plan(ctx context.Context, acct string, t task) (*Plan, error) {
	if acct == e.Caller.AccountID {
		return nil, fmt.Errorf("%s is the caller's own account: root tasks reach member accounts through sts:AssumeRoot", acct)
	}
	c, err := e.open(ctx, acct, t)
	if err != nil {
		return nil, err
	}
	current, err := t.state(ctx, c)
	if err != nil {
		return nil, e.readErr(acct, err)
	}
	p := &Plan{Account: acct, Task: t.policy(), Current: current, Step: t.step(acct, current), task: t}
	if current == "" {
		p.Nothing = t.nothing()
	}
	return p, nil
}

func (e *Engine) readErr(acct string, err error) error {
	c := *awserr.Classify(err)
	c.Caller = e.Caller.Partition.RootARN(acct)
	if c.Operation == "" {
		return err
	}
	return fmt.Errorf("read in %s: %s", acct, c.Error())
}

// Apply performs a planned task: a new root session, the state read again
// and compared with the plan, the document saved to rec, the change, and
// the state read once more.
func (e *Engine) Apply(ctx context.Context, p *Plan, rec *fix.Recorder) Result {
	r := Result{Outcome: fix.Outcome{Step: p.Step}, Before: p.task.describe(p.Current), After: p.task.describe(p.Current)}
	fail := func(result fix.Result, reason string) Result {
		r.Outcome.Result, r.Outcome.Reason = result, reason
		rec.Record(e.Now(), r.Outcome)
		return r
	}
	c, err := e.open(ctx, p.Account, p.task)
	if err != nil {
		return fail(fix.Skipped, "not attempted: "+err.Error())
	}
	now, err := p.task.state(ctx, c)
	if err != nil {
		return fail(fix.Skipped, "not attempted: "+e.readErr(p.Account, err).Error())
	}
	if !sameDocument(now, p.Current) {
		r.Changed, r.After = now, p.task.describe(now)
		return fail(fix.Skipped, "not attempted: changed since the plan, so the approval does not cover it; run the command again to plan it")
	}
	if err := rec.Save(e.Now(), p.Step, p.Current); err != nil {
		return fail(fix.Skipped, "not attempted: the policy could not be saved to the record first: "+err.Error())
	}
	if err := p.task.change(ctx, c); err != nil {
		cl := *awserr.Classify(err)
		cl.Caller = e.Caller.Partition.RootARN(p.Account)
		return fail(fix.Failed, "AWS refused: "+cl.Error())
	}
	r.Outcome.Result = fix.Done
	rec.Record(e.Now(), r.Outcome)
	after, err := p.task.state(ctx, c)
	if err != nil {
		r.After = "unknown: " + e.readErr(p.Account, err).Error()
	} else {
		r.After = p.task.describe(after)
	}
	return r
}

// sameDocument compares two policy documents as JSON values when both are
// JSON (AWS may re-serialise a policy), byte for byte otherwise.
func sameDocument(a, b string) bool {
	if a == b {
		return true
	}
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// Indent lays out a JSON policy for reading; anything else is returned as
// it is.
func Indent(doc string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(doc), "", "  ") != nil {
		return doc
	}
	return b.String()
}
