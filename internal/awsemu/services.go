package awsemu

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu/cloudtrail"
	"github.com/rootguard/rootguard/internal/awsemu/cloudwatch"
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

// services is a Server's models of the services in packages of their own
// that the rest of awsemu reaches: the seeding helpers (AddAlarm, AddTrail,
// AddLogGroup, AddMetricFilter) and the functions' output (lambda_exec.go).
type services struct {
	alarms *cloudwatch.Alarms
	trails *cloudtrail.Trails
	logs   *logs.Logs
}

// serviceModels maps each Server to its services.
var serviceModels sync.Map // *Server → *services

func init() {
	addRoutes(func(s *Server) {
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
			trails: cloudtrail.Register(host{s}),
			logs:   logs.Register(host{s}),
		}
		serviceModels.Store(s, svc)
		go func() {
			<-s.Done()
			serviceModels.Delete(s)
		}()
	})
}

func (s *Server) services() (*services, error) {
	m, ok := serviceModels.Load(s)
	if !ok {
		return nil, fmt.Errorf("awsemu: server is closed")
	}
	return m.(*services), nil
}
