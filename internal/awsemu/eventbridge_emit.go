package awsemu

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// ServiceEvent is an event an AWS service puts on an account's default bus.
type ServiceEvent struct {
	Account, Region    string
	Source, DetailType string    // e.g. aws.signin, "AWS Console Sign In via CloudTrail"
	Time               time.Time // zero: the Server's clock
	Detail             []byte    // the CloudTrail record
}

// EmitServiceEvent puts ev on the default bus of its account and region
// the way an AWS service does — CloudTrail delivering a root sign-in
// record — which PutEvents refuses to callers (aws.* sources are AWS's).
// It returns the event ID. The demo and tests use it to stand in for
// CloudTrail.
func (s *Server) EmitServiceEvent(ev ServiceEvent) (string, error) {
	if !json.Valid(ev.Detail) {
		return "", fmt.Errorf("emit %s event: detail is not JSON", ev.Source)
	}
	svc, err := s.services()
	if err != nil {
		return "", err
	}
	at := ev.Time
	if at.IsZero() {
		at = s.now()
	}
	return svc.events.Emit(emu.Scope{Account: ev.Account, Region: ev.Region}, ev.Source, ev.DetailType, at, ev.Detail), nil
}
