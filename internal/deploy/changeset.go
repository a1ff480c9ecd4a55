package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/clock"
	"github.com/rootguard/rootguard/internal/stack"
)

// Change is one line of a plan: a resource CloudFormation would add,
// modify or remove.
type Change struct {
	Action      string // Add, Modify, Remove
	Logical     string
	Type        string
	Replacement bool
}

func (c Change) String() string {
	sign := map[string]string{"Add": "+", "Modify": "~", "Remove": "-"}[c.Action]
	s := fmt.Sprintf("%s %s (%s)", sign, c.Logical, c.Type)
	if c.Replacement {
		s += ", replaced"
	}
	return s
}

// stackState is a stack's status, "" when it does not exist.
func stackState(ctx context.Context, cfn CFNAPI, name string) (cfntypes.Stack, bool, error) {
	out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if err != nil {
		if awserr.Code(err) == "ValidationError" && strings.Contains(awserr.Classify(err).Message, "does not exist") {
			return cfntypes.Stack{}, false, nil
		}
		return cfntypes.Stack{}, false, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return cfntypes.Stack{}, false, nil
	}
	return out.Stacks[0], true, nil
}

// stackRun runs one stack's change set.
type stackRun struct {
	cfn      CFNAPI
	name     string
	body     string
	params   []cfntypes.Parameter
	progress io.Writer
	poll     time.Duration
	now      func() time.Time
}

// preview makes a change set and reads its changes; the caller executes or
// discards it. A nil change-set name means nothing would change.
func (r stackRun) preview(ctx context.Context, create bool) (string, []Change, error) {
	csType := cfntypes.ChangeSetTypeUpdate
	if create {
		csType = cfntypes.ChangeSetTypeCreate
	}
	name := fmt.Sprintf("rootguard-%d", r.now().UnixNano())
	_, err := r.cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: &r.name, ChangeSetName: &name, ChangeSetType: csType,
		TemplateBody: &r.body, Parameters: r.params,
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
		Tags:         []cfntypes.Tag{{Key: aws.String(stack.ManagedTagKey), Value: aws.String(stack.ManagedTagValue)}},
		Description:  aws.String("rootguard alert deploy"),
	})
	if err != nil {
		return "", nil, fmt.Errorf("create change set for stack %s: %w", r.name, err)
	}
	waiter := cloudformation.NewChangeSetCreateCompleteWaiter(r.cfn, func(o *cloudformation.ChangeSetCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = r.poll, 4*r.poll
	})
	in := &cloudformation.DescribeChangeSetInput{StackName: &r.name, ChangeSetName: &name}
	waitErr := waiter.Wait(ctx, in, 5*time.Minute)
	var changes []Change
	p := cloudformation.NewDescribeChangeSetPaginator(r.cfn, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", nil, fmt.Errorf("read change set for stack %s: %w", r.name, err)
		}
		if out.Status == cfntypes.ChangeSetStatusFailed {
			reason := aws.ToString(out.StatusReason)
			r.discard(ctx, name)
			if strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed") {
				return "", nil, nil
			}
			return "", nil, fmt.Errorf("change set for stack %s failed: %s", r.name, reason)
		}
		for _, c := range out.Changes {
			rc := c.ResourceChange
			if rc == nil {
				continue
			}
			changes = append(changes, Change{
				Action: string(rc.Action), Logical: aws.ToString(rc.LogicalResourceId),
				Type: aws.ToString(rc.ResourceType), Replacement: rc.Replacement == cfntypes.ReplacementTrue,
			})
		}
	}
	if waitErr != nil {
		return "", nil, fmt.Errorf("wait for change set of stack %s: %w", r.name, waitErr)
	}
	return name, changes, nil
}

// discard deletes a change set that will not run; best effort, since a
// leftover change set changes nothing.
func (r stackRun) discard(ctx context.Context, changeSet string) {
	_, _ = r.cfn.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: &r.name, ChangeSetName: &changeSet})
}

// ErrInterrupted wraps the error of a run stopped while CloudFormation was
// still working.
var ErrInterrupted = errors.New("interrupted")

// execute runs the change set and waits, printing each resource event.
func (r stackRun) execute(ctx context.Context, changeSet string) error {
	start := r.now().Add(-time.Second)
	if _, err := r.cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: &r.name, ChangeSetName: &changeSet}); err != nil {
		return fmt.Errorf("execute change set for stack %s: %w", r.name, err)
	}
	return r.wait(ctx, start)
}

// wait follows the stack until it settles and returns why it failed, if it
// did.
func (r stackRun) wait(ctx context.Context, since time.Time) error {
	seen := map[string]bool{}
	var failures []string
	// follow prints the events not yet seen and notes the resources that
	// failed, with CloudFormation's reason.
	follow := func() error {
		events, err := r.newEvents(ctx, since, seen)
		if err != nil {
			return err
		}
		for _, e := range events {
			fmt.Fprintf(r.progress, "  %-28s %s (%s)%s\n", e.ResourceStatus, aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), reasonSuffix(e))
			if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && aws.ToString(e.ResourceType) != "AWS::CloudFormation::Stack" {
				failures = append(failures, fmt.Sprintf("%s (%s): %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), aws.ToString(e.ResourceStatusReason)))
			}
		}
		return nil
	}
	for n := 0; ; n++ {
		if err := follow(); err != nil {
			return err
		}
		st, ok, err := stackState(ctx, r.cfn, r.name)
		if err != nil {
			return err
		}
		if !ok {
			return nil // deleted
		}
		status := string(st.StackStatus)
		switch {
		case status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE" || status == "DELETE_COMPLETE":
			return follow()
		case strings.HasSuffix(status, "ROLLBACK_COMPLETE") || strings.HasSuffix(status, "_FAILED"):
			// The stack may have settled after the events above were
			// read: read the rest, so the resource that failed and
			// CloudFormation's reason are shown and returned, not only
			// the stack's "The following resource(s) failed".
			if err := follow(); err != nil {
				return err
			}
			why := strings.Join(failures, "; ")
			if why == "" {
				why = aws.ToString(st.StackStatusReason)
			}
			return fmt.Errorf("stack %s ended in %s: %s", r.name, status, why)
		}
		if clock.Sleep(ctx, pollDelay(n, r.poll)) != nil {
			return fmt.Errorf("%w while stack %s was %s: CloudFormation carries on without rootguard; run `rootguard alert status`, or deploy again to converge", ErrInterrupted, r.name, status)
		}
	}
}

// pollDelay is the wait before the n-th re-read (from 0) of something
// CloudFormation is still working on: 250 ms, doubling up to poll. A stack
// with little to change, or a delete, settles within a second or two, and
// should not keep the user waiting a whole poll; a long one is then read
// every poll.
func pollDelay(n int, poll time.Duration) time.Duration {
	if n >= 8 {
		return poll
	}
	return min(250*time.Millisecond<<n, poll)
}

func reasonSuffix(e cfntypes.StackEvent) string {
	if why := aws.ToString(e.ResourceStatusReason); why != "" && strings.HasSuffix(string(e.ResourceStatus), "_FAILED") {
		return ": " + why
	}
	return ""
}

// newEvents returns the stack's events since the run began, oldest first,
// skipping those already seen.
func (r stackRun) newEvents(ctx context.Context, since time.Time, seen map[string]bool) ([]cfntypes.StackEvent, error) {
	var fresh []cfntypes.StackEvent
	p := cloudformation.NewDescribeStackEventsPaginator(r.cfn, &cloudformation.DescribeStackEventsInput{StackName: &r.name})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			if awserr.Code(err) == "ValidationError" && strings.Contains(awserr.Classify(err).Message, "does not exist") {
				return fresh, nil // deleted while we looked
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%w while following stack %s: CloudFormation carries on without rootguard; run `rootguard alert status`, or deploy again to converge", ErrInterrupted, r.name)
			}
			return nil, fmt.Errorf("read events of stack %s: %w", r.name, err)
		}
		done := false
		for _, e := range out.StackEvents { // newest first
			if aws.ToTime(e.Timestamp).Before(since) {
				done = true
				break
			}
			if id := aws.ToString(e.EventId); !seen[id] {
				seen[id] = true
				fresh = append(fresh, e)
			}
		}
		if done {
			break
		}
	}
	for i, j := 0, len(fresh)-1; i < j; i, j = i+1, j-1 {
		fresh[i], fresh[j] = fresh[j], fresh[i]
	}
	return fresh, nil
}

// remove deletes the stack and waits.
func (r stackRun) remove(ctx context.Context) error {
	start := r.now().Add(-time.Second)
	if _, err := r.cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &r.name}); err != nil {
		return fmt.Errorf("delete stack %s: %w", r.name, err)
	}
	return r.wait(ctx, start)
}
