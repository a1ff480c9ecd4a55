package awsemu

import (
	"fmt"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/cloudwatch"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/sns"
)

// The services in packages of their own reach the Server only through
// emu.Host; each is registered on every Server at start-up.

// host is a Server as the service packages see it.
type host struct{ s *Server }

func (h host) Handle(service, action string, handler emu.Handler) {
	h.s.handle(service, action, func(c *Call) error { return handler(&c.Call) })
}

func (h host) Now() time.Time { return h.s.now() }

// alarmModels maps each Server to its CloudWatch alarms, for AddAlarm.
var alarmModels sync.Map // *Server → *cloudwatch.Alarms

func init() {
	addRoutes(func(s *Server) {
		sns.Register(host{s})

		alarms := cloudwatch.Register(host{s})
		alarmModels.Store(s, alarms)
		go func() {
			<-s.Done()
			alarmModels.Delete(s)
		}()
	})
}

func (s *Server) alarms() (*cloudwatch.Alarms, error) {
	m, ok := alarmModels.Load(s)
	if !ok {
		return nil, fmt.Errorf("awsemu: server is closed")
	}
	return m.(*cloudwatch.Alarms), nil
}
