package stack

import (
	"errors"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/account"
)

// Every template rendered for GovCloud or China names its own partition's
// home Region and no aws-partition ARN, endpoint suffix or Region.
func TestTemplatesFollowThePartition(t *testing.T) {
	for _, tc := range []struct {
		p       account.Partition
		forward string
	}{
		{account.AWS, "eu-west-1"},
		{account.AWSUSGov, "us-gov-east-1"},
		{account.AWSCN, "cn-northwest-1"},
	} {
		o := HubOptions{Partition: tc.p, CreateTrail: true, ForwardRegions: []string{tc.forward}, OrgID: testOrgID, Email: "sec@example.com"}
		hub, err := Hub(o)
		if err != nil {
			t.Fatalf("%s hub: %v", tc.p.ID, err)
		}
		fwd, err := Forwarder("", tc.forward, false)
		if err != nil {
			t.Fatalf("%s forwarder: %v", tc.p.ID, err)
		}
		spoke, err := Spoke(o, testHubAccount)
		if err != nil {
			t.Fatalf("%s spoke: %v", tc.p.ID, err)
		}
		for name, tmpl := range map[string]*Template{"hub": hub, "forwarder": fwd, "spoke": spoke} {
			b, err := tmpl.JSON()
			if err != nil {
				t.Fatal(err)
			}
			body := string(b)
			if tc.p.ID != "aws" {
				for _, bad := range []string{"arn:aws:", "us-east-1"} {
					if strings.Contains(body, bad) {
						t.Errorf("%s %s template contains %q", tc.p.ID, name, bad)
					}
				}
			}
			if name == "hub" && !strings.Contains(body, `"ssm.${AWS::Region}.`+tc.p.DNSSuffix+`"`) {
				t.Errorf("%s hub: kms:ViaService does not end in the partition's endpoint suffix %s", tc.p.ID, tc.p.DNSSuffix)
			}
			if name != "hub" && !strings.Contains(body, ":events:"+tc.p.HomeRegion+":") {
				t.Errorf("%s %s template does not send to the partition's home Region %s", tc.p.ID, name, tc.p.HomeRegion)
			}
		}
		if got := (Names{DefaultPrefix}).OrgBusARN(tc.p, testHubAccount); got != "arn:"+tc.p.ID+":events:"+tc.p.HomeRegion+":"+testHubAccount+":event-bus/rootguard-org" {
			t.Errorf("%s OrgBusARN = %s", tc.p.ID, got)
		}
	}
}

func TestForwardRegionMustBeInThePartition(t *testing.T) {
	for _, o := range []HubOptions{
		{Partition: account.AWSUSGov, ForwardRegions: []string{"us-gov-west-1"}}, // the home Region
		{Partition: account.AWSUSGov, ForwardRegions: []string{"eu-west-1"}},
		{Partition: account.AWSCN, ForwardRegions: []string{"us-east-1"}},
		{ForwardRegions: []string{"cn-north-1"}},
	} {
		if _, err := Hub(o); err == nil {
			t.Errorf("%s forwarding %v accepted", o.partition().ID, o.ForwardRegions)
		}
	}
}

func TestHubRefusesAPatternOverTheQuota(t *testing.T) {
	var trails []string
	for i := 0; len(HubPattern(DefaultPrefix, trails)) <= EventPatternQuota; i++ {
		trails = append(trails, strings.Repeat("t", 60)+string(rune('a'+i%26)))
	}
	_, err := Hub(HubOptions{GuardedTrails: trails})
	if !errors.Is(err, ErrPatternTooLong) || !strings.Contains(err.Error(), "2048") {
		t.Fatalf("err = %v, want ErrPatternTooLong naming the quota", err)
	}
	if _, err := Hub(HubOptions{GuardedTrails: trails[:1]}); err != nil {
		t.Fatalf("one guarded trail: %v", err)
	}
}

// An organization trail is multi-Region, includes global service events,
// validates its log files, and its bucket lets CloudTrail write the
// organization's logs for this trail only.
func TestOrganizationTrail(t *testing.T) {
	hub, err := Hub(HubOptions{OrgID: testOrgID, CreateTrail: true, OrganizationTrail: true})
	if err != nil {
		t.Fatal(err)
	}
	props := hub.Resources[LogicalTrail].Properties.(map[string]any)
	for _, k := range []string{"IsOrganizationTrail", "IsMultiRegionTrail", "IncludeGlobalServiceEvents", "EnableLogFileValidation", "IsLogging"} {
		if props[k] != true {
			t.Errorf("trail %s = %v", k, props[k])
		}
	}
	b, _ := hub.JSON()
	if !strings.Contains(string(b), "/AWSLogs/"+testOrgID+"/*") {
		t.Error("the bucket policy does not let CloudTrail write the organization's logs")
	}
	if _, err := Hub(HubOptions{CreateTrail: true, OrganizationTrail: true}); err == nil {
		t.Error("an organization trail without the organization's ID was accepted")
	}
}
