package cloudtrail

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// host records the handlers Register installs, so the model is driven
// without awsemu's Server.
type host map[string]emu.Handler

func (h host) Handle(service, action string, handler emu.Handler) { h[service+":"+action] = handler }
func (h host) Now() time.Time                                     { return time.Time{} }

type reply struct{ result any }

func (r *reply) Result(v any) error    { r.result = v; return nil }
func (r *reply) Note(string, string)   {}
func (r *reply) Done() <-chan struct{} { return nil }

func call(t *testing.T, h host, s emu.Scope, action string, in any) (any, error) {
	t.Helper()
	handler := h["cloudtrail:"+action]
	if handler == nil {
		t.Fatalf("cloudtrail:%s is not registered", action)
	}
	body, _ := json.Marshal(in)
	r := &reply{}
	err := handler(&emu.Call{Service: "cloudtrail", Action: action, Region: s.Region, Body: body,
		Caller: emu.Principal{Account: s.Account, Type: emu.PrincipalRoot}, Reply: r})
	return r.result, err
}

// TestMultiRegionTrailIsSeenButNotDeletedElsewhere: a seeded multi-region
// trail is described and found by ARN from the account's other regions,
// deleted only from its home region, and unknown to other accounts.
func TestMultiRegionTrailIsSeenButNotDeletedElsewhere(t *testing.T) {
	h := host{}
	m := Register(h)
	west := emu.Scope{Account: "111122223333", Region: "eu-west-1"}
	east := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	if err := m.Add(west, Seed{Name: "org", S3BucketName: "logs", MultiRegion: true, Logging: true}); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(east, Seed{Name: "org", S3BucketName: "logs"}); err == nil {
		t.Error("a second trail of the same name in the account was added")
	}

	out, err := call(t, h, east, "DescribeTrails", nil)
	if trails := out.(map[string][]trail)["trailList"]; err != nil || len(trails) != 1 || trails[0].HomeRegion != "eu-west-1" {
		t.Fatalf("DescribeTrails from us-east-1 = %+v, %v", out, err)
	}
	out, err = call(t, h, east, "GetTrailStatus", map[string]string{"Name": "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org"})
	if err != nil || out.(map[string]any)["IsLogging"] != true {
		t.Errorf("GetTrailStatus by ARN = %v, %v", out, err)
	}

	var apiErr *emu.Error
	if _, err := call(t, h, east, "DeleteTrail", map[string]string{"Name": "org"}); !errors.As(err, &apiErr) || apiErr.Code != "InvalidHomeRegionException" {
		t.Errorf("DeleteTrail outside the home region: %v", err)
	}
	other := emu.Scope{Account: "444455556666", Region: "eu-west-1"}
	if _, err := call(t, h, other, "GetTrailStatus", map[string]string{"Name": "org"}); !errors.As(err, &apiErr) || apiErr.Code != "TrailNotFoundException" {
		t.Errorf("another account: %v", err)
	}
	if _, err := call(t, h, west, "DeleteTrail", map[string]string{"Name": "org"}); err != nil {
		t.Errorf("DeleteTrail in the home region: %v", err)
	}
}

func TestSeedRefusesSelectorsThatAreNotJSON(t *testing.T) {
	m := Register(host{})
	err := m.Add(emu.Scope{Account: "111122223333", Region: "us-east-1"}, Seed{Name: "t", EventSelectors: "[{"})
	if err == nil || err.Error() != "event selectors are not JSON" {
		t.Errorf("err = %v", err)
	}
}
