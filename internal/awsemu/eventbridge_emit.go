package awsemu

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// EmitServiceEvent puts an event on the default bus of account in region
// the way an AWS service does — CloudTrail delivering a root sign-in
// record ("AWS Console Sign In via CloudTrail" from aws.signin) — rather
// than through PutEvents. It returns the event ID. The demo and tests use
// it to stand in for CloudTrail.
func (s *Server) EmitServiceEvent(account, region, source, detailType string, detail []byte) (string, error) {
	if !json.Valid(detail) {
		return "", fmt.Errorf("emit %s event: detail is not JSON", source)
	}
	p, err := s.pipeline()
	if err != nil {
		return "", err
	}
	ev := &ebEvent{
		Version: "0", ID: uuid.NewString(), DetailType: detailType, Source: source,
		Account: account, Time: s.now().UTC().Format(time.RFC3339), Region: region,
		Resources: []string{}, Detail: json.RawMessage(detail),
	}
	p.routeEvent(regionKey{account: account, region: region}, busName(""), ev)
	return ev.ID, nil
}
