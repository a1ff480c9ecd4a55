package awsemu

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/sts"
)

// Fault is a rule of fault injection. Empty Service, Action and Account match
// anything; Account matches the caller's account or the account an STS call
// targets (AssumeRole's role, AssumeRoot's member), so "deny AssumeRole into
// 5 % of accounts" is one rule per account. Several rules may match one
// call: latencies add up, and the first failure drawn wins.
type Fault struct {
	Service string
	Action  string
	Account string

	Latency time.Duration
	// ThrottleRate is the probability (0–1) of answering Throttling (Query),
	// ThrottlingException (JSON) or TooManyRequestsException (REST).
	ThrottleRate float64
	// ServerErrorRate is the probability of a 503.
	ServerErrorRate float64
	// DenyRate is the probability of AccessDenied.
	DenyRate float64
	// Hang holds the request until the client gives up or the Server closes.
	Hang bool
}

// FaultID identifies an injected fault for RemoveFault.
type FaultID int

type faultInjector struct {
	mu     sync.Mutex
	rng    *rand.Rand
	rules  map[FaultID]Fault
	nextID FaultID
}

func newFaultRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// InjectFault adds a rule; it applies to calls admitted from now on.
func (s *Server) InjectFault(f Fault) FaultID {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.rules == nil {
		s.faults.rules = map[FaultID]Fault{}
	}
	s.faults.nextID++
	s.faults.rules[s.faults.nextID] = f
	return s.faults.nextID
}

// RemoveFault removes one rule.
func (s *Server) RemoveFault(id FaultID) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	delete(s.faults.rules, id)
}

// ClearFaults removes every rule.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rules = nil
}

// SeedFaults reseeds the random draws of rates, for reproducible runs.
func (s *Server) SeedFaults(seed uint64) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rng = newFaultRNG(seed)
}

// apply sleeps for the matching latency, then fails the call if a rule says
// so. It runs after authentication so rules can match the caller's account.
func (f *faultInjector) apply(c *Call) error {
	latency, failure, hang := f.draw(c)
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-c.Request.Context().Done():
		case <-c.server.closing:
		}
	}
	if hang {
		c.server.hang(c.Request.Context())
		return errServiceUnavailable(c.Protocol)
	}
	return failure
}

func (f *faultInjector) draw(c *Call) (time.Duration, error, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var (
		latency time.Duration
		failure error
		hang    bool
	)
	target := targetAccount(c)
	for _, id := range f.sortedIDs() {
		rule := f.rules[id]
		if !rule.matches(c, target) {
			continue
		}
		latency += rule.Latency
		hang = hang || rule.Hang
		if failure != nil {
			continue
		}
		switch {
		case f.hit(rule.ThrottleRate):
			failure = errThrottled(c.Protocol)
		case f.hit(rule.ServerErrorRate):
			failure = errServiceUnavailable(c.Protocol)
		case f.hit(rule.DenyRate):
			failure = errAccessDenied(c, c.Service+":"+c.Action, "with an explicit deny in a service control policy")
		}
	}
	return latency, failure, hang
}

// sortedIDs keeps draws in rule order so a seed reproduces a run.
func (f *faultInjector) sortedIDs() []FaultID {
	ids := make([]FaultID, 0, len(f.rules))
	for id := FaultID(1); id <= f.nextID; id++ {
		if _, ok := f.rules[id]; ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func (f *faultInjector) hit(rate float64) bool {
	return rate > 0 && (rate >= 1 || f.rng.Float64() < rate)
}

func (r Fault) matches(c *Call, target string) bool {
	return (r.Service == "" || r.Service == c.Service) &&
		(r.Action == "" || r.Action == c.Action) &&
		(r.Account == "" || r.Account == c.Caller.Account || r.Account == target)
}

// targetAccount is the account an STS call acts on, if any.
func targetAccount(c *Call) string {
	if c.Service != "sts" || c.Params == nil {
		return ""
	}
	switch c.Action {
	case "AssumeRole":
		return directory.ARNAccount(c.Param("RoleArn"))
	case "AssumeRoot":
		return sts.RootTargetAccount(c.Param("TargetPrincipal"))
	}
	return ""
}
