package cloudformation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// stackSetPoll is how often a stack instance's stack is read while it
// changes; the local CloudFormation finishes in milliseconds.
const stackSetPoll = 10 * time.Millisecond

// stackSetExecutionRole is the role StackSets works through in each member
// account of a service-managed stack set.
const stackSetExecutionRole = "AWSServiceRoleForCloudFormationStackSetsOrgMember"

// start runs op on targets in the background, after any operation before
// it. Callers hold svc.mu.
func (svc *stackSetService) start(ss *stackSet, op *stackSetOp, targets []instanceKey, prefs opPrefs, retain bool) {
	svc.wg.Go(func() {
		ss.run.Lock()
		defer ss.run.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-svc.ctx.Done():
				cancel()
			case <-ctx.Done():
			}
		}()
		var failures atomic.Int32
		sem := make(chan struct{}, prefs.maxConcurrent)
		var wg sync.WaitGroup
		for _, k := range targets {
			sem <- struct{}{}
			if int(failures.Load()) > prefs.failureTolerance {
				<-sem
				svc.finishTarget(ss, op, k, "CANCELLED", "Cancelled since failure tolerance has exceeded", "", retain)
				continue
			}
			wg.Go(func() {
				defer func() { <-sem }()
				stackID, err := svc.runTarget(ctx, ss, op.action, k, retain)
				if err != nil {
					failures.Add(1)
					svc.finishTarget(ss, op, k, "FAILED", err.Error(), "", retain)
					return
				}
				svc.finishTarget(ss, op, k, "SUCCEEDED", "", stackID, retain)
			})
		}
		wg.Wait()
		svc.mu.Lock()
		defer svc.mu.Unlock()
		op.status, op.ended = "SUCCEEDED", svc.host.Now()
		if int(failures.Load()) > prefs.failureTolerance {
			op.status = "FAILED"
		}
	})
}

// finishTarget records one account and region's outcome.
func (svc *stackSetService) finishTarget(ss *stackSet, op *stackSetOp, k instanceKey, status, reason, stackID string, retain bool) {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	op.results = append(op.results, opResult{k.account, k.region, status, reason})
	inst := ss.instances[k]
	if inst == nil {
		return
	}
	switch {
	case op.action == "DELETE" && status == "SUCCEEDED":
		delete(ss.instances, k)
	case status == "SUCCEEDED":
		inst.status, inst.detailed, inst.reason = "CURRENT", "SUCCEEDED", ""
		if stackID != "" {
			inst.stackID = stackID
		}
	default:
		inst.status, inst.detailed, inst.reason = "OUTDATED", status, reason
	}
}

// runTarget creates, updates or deletes one stack instance's stack, signed
// as the target account's StackSets execution role.
func (svc *stackSetService) runTarget(ctx context.Context, ss *stackSet, action string, k instanceKey, retain bool) (string, error) {
	svc.mu.Lock()
	inst := ss.instances[k]
	if inst == nil {
		svc.mu.Unlock()
		return "", nil
	}
	inst.detailed = "RUNNING"
	if inst.stackName == "" {
		inst.stackName = "StackSet-" + ss.name + "-" + uuid.NewString()
	}
	name, body, caps := inst.stackName, ss.body, ss.capabilities
	params := append([]cfnParameterXML(nil), ss.params...)
	tags := append([]tag(nil), ss.tags...)
	svc.mu.Unlock()

	cfg := svc.links.Config(emu.Principal{Account: k.account, Type: emu.PrincipalAssumedRole, Name: stackSetExecutionRole, Session: "stacksets"}, k.region, time.Hour)
	cfn := cloudformation.NewFromConfig(cfg)

	if action == "DELETE" {
		if retain {
			return "", nil
		}
		return "", deleteStackAndWait(ctx, cfn, name)
	}
	return applyStackAndWait(ctx, cfn, name, body, params, caps, tags)
}

func describeStack(ctx context.Context, cfn *cloudformation.Client, name string) (*cfntypes.Stack, error) {
	out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if isCode(err, "ValidationError") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

// applyStackAndWait creates or updates the stack through a change set and
// waits for it to settle; no changes is success.
func applyStackAndWait(ctx context.Context, cfn *cloudformation.Client, name, body string, params []cfnParameterXML, caps []string, tags []tag) (string, error) {
	st, err := describeStack(ctx, cfn, name)
	if err != nil {
		return "", err
	}
	if st != nil && st.StackStatus == cfntypes.StackStatusRollbackComplete {
		if err := deleteStackAndWait(ctx, cfn, name); err != nil {
			return "", err
		}
		st = nil
	}
	csType := cfntypes.ChangeSetTypeUpdate
	if st == nil || st.StackStatus == cfntypes.StackStatusReviewInProgress {
		csType = cfntypes.ChangeSetTypeCreate
	}
	in := &cloudformation.CreateChangeSetInput{
		StackName: &name, ChangeSetName: aws.String("stackset-" + uuid.NewString()), ChangeSetType: csType, TemplateBody: &body,
	}
	for _, p := range params {
		in.Parameters = append(in.Parameters, cfntypes.Parameter{ParameterKey: aws.String(p.ParameterKey), ParameterValue: aws.String(p.ParameterValue)})
	}
	for _, c := range caps {
		in.Capabilities = append(in.Capabilities, cfntypes.Capability(c))
	}
	for _, t := range tags {
		in.Tags = append(in.Tags, cfntypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	cs, err := cfn.CreateChangeSet(ctx, in)
	if err != nil {
		return "", err
	}
	desc, err := cfn.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: &name, ChangeSetName: cs.Id})
	if err != nil {
		return "", err
	}
	if desc.Status == cfntypes.ChangeSetStatusFailed {
		_, _ = cfn.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: &name, ChangeSetName: cs.Id})
		if strings.Contains(aws.ToString(desc.StatusReason), "didn't contain changes") {
			return aws.ToString(cs.StackId), nil
		}
		return "", errors.New(aws.ToString(desc.StatusReason))
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: &name, ChangeSetName: cs.Id}); err != nil {
		return "", err
	}
	for {
		st, err := describeStack(ctx, cfn, name)
		if err != nil {
			return "", err
		}
		if st == nil {
			return "", fmt.Errorf("stack %s disappeared", name)
		}
		status := string(st.StackStatus)
		switch {
		case status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE":
			return aws.ToString(st.StackId), nil
		case strings.HasSuffix(status, "ROLLBACK_COMPLETE") || strings.HasSuffix(status, "_FAILED"):
			return "", fmt.Errorf("ResourceLogicalId:%s, ResourceStatusReason:%s", failedResource(ctx, cfn, name), status)
		}
		if err := sleepCtx(ctx, stackSetPoll); err != nil {
			return "", err
		}
	}
}

// failedResource names the first resource that failed and why.
func failedResource(ctx context.Context, cfn *cloudformation.Client, name string) string {
	out, err := cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: &name})
	if err != nil {
		return "unknown"
	}
	for i := len(out.StackEvents) - 1; i >= 0; i-- { // oldest first
		e := out.StackEvents[i]
		if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && aws.ToString(e.ResourceType) != "AWS::CloudFormation::Stack" {
			return aws.ToString(e.LogicalResourceId) + ": " + aws.ToString(e.ResourceStatusReason)
		}
	}
	return "unknown"
}

func deleteStackAndWait(ctx context.Context, cfn *cloudformation.Client, name string) error {
	if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &name}); err != nil {
		return err
	}
	for {
		st, err := describeStack(ctx, cfn, name)
		if err != nil || st == nil {
			return err
		}
		if st.StackStatus == cfntypes.StackStatusDeleteFailed {
			return fmt.Errorf("stack %s: DELETE_FAILED: %s", name, aws.ToString(st.StackStatusReason))
		}
		if err := sleepCtx(ctx, stackSetPoll); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// accountMoved applies automatic deployment after account moved to parent
// to ("" when it left the organization): stack sets with
// automatic deployment that target an OU the account entered get instances
// for it, and those it left lose them (kept as stacks with
// RetainStacksOnAccountRemoval). The organization is read, and the plans
// made, under the model's lock, so moves are applied in the order they
// happened.
func (svc *stackSetService) accountMoved(account, to string) {
	svc.links.Organization(func(o Org) {
		deployable := o != nil && account != o.Management() && o.Active(account)
		svc.mu.Lock()
		defer svc.mu.Unlock()
		for _, sets := range svc.sets {
			for _, ss := range sets {
				if !ss.autoDeploy || ss.status != "ACTIVE" {
					continue
				}
				var create, remove []instanceKey
				wanted := map[string]string{} // region → the targeted OU the account is now in
				for ou, regions := range ss.targets {
					if deployable && to != "" && within(o, to, ou) {
						for _, r := range regions {
							wanted[r] = ou
						}
					}
				}
				for r, ou := range wanted {
					if k := (instanceKey{account, r}); ss.instances[k] == nil {
						ss.instances[k] = &stackInstance{account: account, region: r, ou: ou, status: "OUTDATED", detailed: "PENDING"}
						create = append(create, k)
					}
				}
				for k := range ss.instances {
					if _, ok := wanted[k.region]; k.account == account && !ok {
						remove = append(remove, k)
					}
				}
				if len(create) > 0 {
					svc.start(ss, svc.newOp(ss, "", "CREATE"), create, opPrefs{maxConcurrent: 1}, false)
				}
				if len(remove) > 0 {
					svc.start(ss, svc.newOp(ss, "", "DELETE"), remove, opPrefs{maxConcurrent: 1}, ss.retainOnRemoval)
				}
			}
		}
	})
}
