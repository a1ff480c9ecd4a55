package awsemu

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu/cloudtrail"
	"github.com/rootguard/rootguard/internal/awsemu/cloudwatch"
	"github.com/rootguard/rootguard/internal/awsemu/events"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/logs"
	"github.com/rootguard/rootguard/internal/awsemu/sns"
	"github.com/rootguard/rootguard/internal/awsemu/sqsmove"
)

// The services in packages of their own reach the Server only through
// emu.Host; each is registered on every Server at start-up.

// host is a Server as the service packages see it.
type host struct{ s *Server }

func (h host) Handle(service, action string, handler emu.Handler) {
	h.s.handle(service, action, func(c *Call) error { return handler(&c.Call) })
}

func (h host) Now() time.Time { return h.s.now() }

// eventLinks is a Server as EventBridge reaches beyond itself
// (events.Links): the pipeline's background work, kumo's queues and Lambda's
// asynchronous invocation, and the accounts' organization and roles.
type eventLinks struct{ s *Server }

func (l eventLinks) Go(f func(ctx context.Context)) {
	if p, err := l.s.pipeline(); err == nil {
		p.goDeliver(f)
	}
}

func (l eventLinks) SendToQueue(ctx context.Context, queue, group string, body []byte) error {
	p, err := l.s.pipeline()
	if err != nil {
		return err
	}
	return p.sendToQueue(ctx, queue, group, body)
}

func (l eventLinks) InvokeAsync(ctx context.Context, s emu.Scope, fn string, payload []byte) {
	if p, err := l.s.pipeline(); err == nil {
		p.invokeAsync(ctx, regionKey{account: s.Account, region: s.Region}, fn, payload)
	}
}

// OrgID is the ID of the organization account belongs to, or "".
func (l eventLinks) OrgID(account string) string {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil || !s.org.isMember(account) {
		return ""
	}
	return s.org.ID
}

func (l eventLinks) TrustPolicy(account, role string) (string, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[account]
	if a == nil {
		return "", fmt.Errorf("account %s does not exist", account)
	}
	r := a.roles[role]
	if r == nil {
		return "", events.ErrNoRole
	}
	return r.trustPolicy, nil
}

// services is a Server's models of the services in packages of their own
// that the rest of awsemu reaches: the seeding helpers (AddAlarm, AddTrail,
// AddLogGroup, AddMetricFilter, AddRule), the functions' output
// (lambda_exec.go), EmitServiceEvent and Lambda's destination events.
type services struct {
	alarms *cloudwatch.Alarms
	trails *cloudtrail.Trails
	logs   *logs.Logs
	events *events.Events
}

// serviceModels maps each Server to its services.
var serviceModels sync.Map // *Server → *services

func (s *Server) registerServices() {
	sns.Register(host{s})

	// Move tasks run on kumo's queues; without kumo, New fails with the
	// same error.
	if kumoURL, err := KumoURL(); err == nil {
		ctx, stop := context.WithCancel(context.Background())
		go func() {
			<-s.Done()
			stop()
		}()
		sqsmove.Register(ctx, host{s}, sqs.NewFromConfig(kumoConfig(kumoURL)))
	}

	svc := &services{
		alarms: cloudwatch.Register(host{s}),
		trails: cloudtrail.Register(host{s}, trailOrg{s}),
		logs:   logs.Register(host{s}),
		events: events.Register(host{s}, eventLinks{s}),
	}
	serviceModels.Store(s, svc)
	go func() {
		<-s.Done()
		serviceModels.Delete(s)
	}()
}

func (s *Server) services() (*services, error) {
	m, ok := serviceModels.Load(s)
	if !ok {
		return nil, fmt.Errorf("awsemu: server is closed")
	}
	return m.(*services), nil
}
