package cloudtrail

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emutest"
)

// host records the handlers Register installs, so the model is driven
// without awsemu's Server.
type host = emutest.Host

type reply = emutest.Reply

// testBuckets are the S3 buckets that exist.
type testBuckets map[string]bool

func (b testBuckets) BucketExists(name string) (bool, error) { return b[name], nil }

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
	return r.Value, err
}

// TestMultiRegionTrailIsSeenButNotDeletedElsewhere: a seeded multi-region
// trail is described and found by ARN from the account's other regions,
// deleted only from its home region, and unknown to other accounts.
func TestMultiRegionTrailIsSeenButNotDeletedElsewhere(t *testing.T) {
	h := host{}
	m := Register(h, testOrg{}, testBuckets{"logs": true, "b": true})
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
	m := Register(host{}, testOrg{}, testBuckets{})
	err := m.Add(emu.Scope{Account: "111122223333", Region: "us-east-1"}, Seed{Name: "t", EventSelectors: "[{"})
	if err == nil || err.Error() != "event selectors are not JSON" {
		t.Errorf("err = %v", err)
	}
}

// testOrg: 111111111111 manages o-test, 222222222222 is its CloudTrail
// delegated administrator, 333333333333 a member; 999999999999 is outside.
type testOrg struct{}

func (testOrg) Organization(account string) (string, string) {
	switch account {
	case "111111111111", "222222222222", "333333333333":
		return "o-test", "111111111111"
	}
	return "", ""
}

func (testOrg) ServiceAccess(sp string) bool { return sp == ServicePrincipal }

func (testOrg) DelegatedAdmin(account, sp string) bool {
	return account == "222222222222" && sp == ServicePrincipal
}

// TestOrganizationTrailAppliesToMembers: the delegated administrator makes
// an organization trail; a member sees it by name and reads it by ARN but
// cannot stop it, and its API calls are recorded in every Region; an
// account outside the organization is not covered; a member cannot make
// one.
func TestOrganizationTrailAppliesToMembers(t *testing.T) {
	h := host{}
	m := Register(h, testOrg{}, testBuckets{"logs": true, "b": true})
	admin := emu.Scope{Account: "222222222222", Region: "us-east-1"}
	member := emu.Scope{Account: "333333333333", Region: "eu-west-1"}
	if m.Records(member.Account, member.Region) {
		t.Fatal("a member with no trail is recorded")
	}
	if _, err := call(t, h, member, "CreateTrail", map[string]any{"Name": "mine", "S3BucketName": "b", "IsOrganizationTrail": true}); err == nil {
		t.Fatal("a member made an organization trail")
	}
	out, err := call(t, h, admin, "CreateTrail", map[string]any{"Name": "org", "S3BucketName": "b", "IsOrganizationTrail": true, "IsMultiRegionTrail": true})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.(trail).TrailARN
	if m.Records(member.Account, member.Region) {
		t.Fatal("recorded before StartLogging")
	}
	if _, err := call(t, h, admin, "StartLogging", map[string]string{"Name": "org"}); err != nil {
		t.Fatal(err)
	}
	if !m.Records(member.Account, member.Region) || !m.Records("111111111111", "ap-south-1") {
		t.Error("the organization trail does not record its members' calls")
	}
	if m.Records("999999999999", "us-east-1") {
		t.Error("the organization trail records an outsider")
	}
	desc, err := call(t, h, member, "DescribeTrails", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if list := desc.(map[string][]trail)["trailList"]; len(list) != 1 || !list[0].IsOrganizationTrail || list[0].TrailARN != arn {
		t.Errorf("member's DescribeTrails = %+v", list)
	}
	if _, err := call(t, h, member, "GetTrailStatus", map[string]string{"Name": arn}); err != nil {
		t.Errorf("member reads the organization trail's status: %v", err)
	}
	if _, err := call(t, h, member, "StopLogging", map[string]string{"Name": arn}); err == nil {
		t.Error("a member stopped the organization trail")
	}
}
