package awsemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// apiCallDetailType is the detail-type of CloudTrail's API call events.
const apiCallDetailType = "AWS API Call via CloudTrail"

// ErrNotRecorded: no logging trail records the API call, so CloudTrail
// puts no event on the bus.
var ErrNotRecorded = errors.New("no logging trail records API calls there")

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
//
// An API call is delivered only where a logging trail records management
// events — the account's own, or an organization trail that applies to it:
// "To record events with a detail-type value of AWS API Call via
// CloudTrail, a CloudTrail trail with logging enabled is required"
// (EventBridge User Guide, "AWS service events delivered via AWS
// CloudTrail"). Without one it returns ErrNotRecorded and delivers nothing.
func (s *Server) EmitServiceEvent(ev ServiceEvent) (string, error) {
	if !json.Valid(ev.Detail) {
		return "", fmt.Errorf("emit %s event: detail is not JSON", ev.Source)
	}
	svc, err := s.services()
	if err != nil {
		return "", err
	}
	if ev.DetailType == apiCallDetailType && !svc.trails.Records(ev.Account, ev.Region) {
		return "", fmt.Errorf("%w: account %s, %s", ErrNotRecorded, ev.Account, ev.Region)
	}
	at := ev.Time
	if at.IsZero() {
		at = s.now()
	}
	return svc.events.Emit(emu.Scope{Account: ev.Account, Region: ev.Region}, ev.Source, ev.DetailType, at, ev.Detail), nil
}
