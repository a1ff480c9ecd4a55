package awsemu

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/lambda"
	"github.com/rootguard/rootguard/internal/awsemu/scheduler"
)

// schedulerLinks is a Server as EventBridge Scheduler reaches beyond
// itself (scheduler.Links): execution roles and their inline policies, and
// Lambda's asynchronous invocation.
type schedulerLinks struct{ s *Server }

func (l schedulerLinks) Role(account, name string) (string, []string, error) {
	d := l.s.dir
	d.Lock()
	defer d.Unlock()
	a := d.Accounts[account]
	if a == nil || a.Roles[name] == nil {
		return "", nil, scheduler.ErrNoRole
	}
	r := a.Roles[name]
	return r.TrustPolicy, slices.Collect(maps.Values(r.Policies)), nil
}

func (l schedulerLinks) InvokeFunction(ctx context.Context, s emu.Scope, fn string, payload []byte) error {
	svc, err := l.s.services()
	if err != nil {
		return err
	}
	err = svc.lambda.InvokeEvent(ctx, s, fn, payload)
	if errors.Is(err, lambda.ErrNoFunction) {
		return scheduler.ErrNoFunction
	}
	return err
}

// FireSchedule invokes the target of the EventBridge Scheduler schedule
// name in group ("": the default group) of accountID in region now, as the
// schedule does when it is due, and waits for the outcome: nil once the
// target received the schedule's input (a Lambda function: ran it without
// error, after Lambda's own asynchronous retries), a
// *scheduler.InvocationError when the invocation failed (the execution
// role could not be assumed or lacks the permission, the target is
// missing, the function failed) — the dead-letter event then went to the
// schedule's dead-letter queue, if it has one — and an error for a
// missing or DISABLED schedule. It does not change when the schedule
// fires next.
func (s *Server) FireSchedule(ctx context.Context, accountID, region, group, name string) error {
	svc, err := s.services()
	if err != nil {
		return err
	}
	if svc.scheduler == nil {
		return fmt.Errorf("awsemu: EventBridge Scheduler needs kumo")
	}
	return svc.scheduler.Fire(ctx, emu.Scope{Account: accountID, Region: region}, group, name)
}
