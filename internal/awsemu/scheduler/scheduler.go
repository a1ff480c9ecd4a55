// Package scheduler is the local AWS's EventBridge Scheduler: schedules
// and schedule groups per account and region over the service's own
// restJson1 API (the unmodified aws-sdk-go-v2 scheduler client works
// against it), rate, cron and at expressions with their time zones, start
// and end dates and states, and firing — on the emulator's clock while the
// Server runs, or at once through Scheduler.Fire — to Lambda functions
// (invoked asynchronously) and SQS queues, as the schedule's execution role
// is allowed to, with the retry policy and the dead-letter queue the
// schedule names.
//
// API reference: https://docs.aws.amazon.com/scheduler/latest/APIReference/Welcome.html
//
// Everything the package starts stops when the context Register was given
// ends; Wait waits for it.
package scheduler

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Links is what Scheduler reaches outside itself; awsemu's Server
// implements it.
type Links interface {
	// Role returns the trust policy and the permission policies of the
	// IAM role name in account, or ErrNoRole.
	Role(account, name string) (trust string, policies []string, err error)
	// InvokeFunction invokes function fn of s asynchronously (Lambda's
	// Invoke with InvocationType Event) and waits until Lambda's
	// asynchronous delivery of payload ends: nil when the function ran
	// without error, ErrNoFunction when fn does not exist, another error
	// when the function failed after Lambda's own retries.
	InvokeFunction(ctx context.Context, s emu.Scope, fn string, payload []byte) error
}

var (
	// ErrNoRole is Links.Role's answer for a role that does not exist.
	ErrNoRole = errors.New("no such role")
	// ErrNoFunction is Links.InvokeFunction's answer for a function that
	// does not exist.
	ErrNoFunction = errors.New("function not found")
)

// Scheduler is one emulator's EventBridge Scheduler.
type Scheduler struct {
	host  emu.Host
	links Links
	sqs   *sqs.Client // kumo's queues: targets and dead-letter queues

	ctx  context.Context
	wake chan struct{} // a schedule changed: the clock loop looks again
	wg   sync.WaitGroup

	mu     sync.Mutex
	groups map[emu.Scope]map[string]*group
}

type group struct {
	name         string
	created, mod time.Time
	schedules    map[string]*schedule
	tags         map[string]string
}

// Register answers EventBridge Scheduler's API on h and fires due
// schedules on h's clock until ctx ends. queues is an SQS client of kumo,
// which keeps every queue.
func Register(ctx context.Context, h emu.Host, links Links, queues *sqs.Client) *Scheduler {
	s := &Scheduler{host: h, links: links, sqs: queues, ctx: ctx, wake: make(chan struct{}, 1),
		groups: map[emu.Scope]map[string]*group{}}
	for pattern, handler := range map[string]func(*emu.Call) (int, any, error){
		"POST /schedules/{Name}":         s.createSchedule,
		"GET /schedules/{Name}":          s.getSchedule,
		"PUT /schedules/{Name}":          s.updateSchedule,
		"DELETE /schedules/{Name}":       s.deleteSchedule,
		"GET /schedules":                 s.listSchedules,
		"POST /schedule-groups/{Name}":   s.createScheduleGroup,
		"GET /schedule-groups/{Name}":    s.getScheduleGroup,
		"DELETE /schedule-groups/{Name}": s.deleteScheduleGroup,
		"GET /schedule-groups":           s.listScheduleGroups,
		"GET /tags/{ResourceArn...}":     s.listTagsForResource,
	} {
		h.HandleREST("scheduler", pattern, func(c *emu.Call) error {
			status, out, err := handler(c)
			if err != nil {
				return err
			}
			return c.ResultStatus(status, out)
		})
	}
	s.wg.Go(s.clock)
	return s
}

// Wait waits for everything Scheduler started, once Register's context
// has ended.
func (s *Scheduler) Wait() { s.wg.Wait() }

// scopeGroups returns the groups of k, with the default group every
// account has in every Region; callers hold s.mu.
func (s *Scheduler) scopeGroups(k emu.Scope) map[string]*group {
	gs := s.groups[k]
	if gs == nil {
		now := s.host.Now()
		gs = map[string]*group{defaultGroup: {name: defaultGroup, created: now, mod: now, schedules: map[string]*schedule{}}}
		s.groups[k] = gs
	}
	return gs
}

// changed wakes the clock loop after a schedule was created, updated or
// deleted.
func (s *Scheduler) changed() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

const defaultGroup = "default"

func validation(format string, args ...any) error {
	return emu.NewError(http.StatusBadRequest, "ValidationException", format, args...)
}

func notFound(format string, args ...any) error {
	return emu.NewError(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}

func conflict(format string, args ...any) error {
	return emu.NewError(http.StatusConflict, "ConflictException", format, args...)
}
