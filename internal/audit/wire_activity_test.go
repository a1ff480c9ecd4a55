package audit

import (
	"context"
	"slices"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// rootActivityPattern matches every root event, as rootguard's rules do.
const rootActivityPattern = `{"detail":{"userIdentity":{"type":["Root"]}}}`

// TestWireRootActivityAlerting judges each Region against the local AWS's
// own pattern matching: a Region alerts directly, through a forwarder to
// the home Region, or not at all; an opt-in Region enabled later is a gap.
func TestWireRootActivityAlerting(t *testing.T) {
	emu := newWireEmu(t)
	if err := emu.SetRegions([]string{"ap-south-1", "eu-west-1", "us-east-1"}, []string{"me-south-1"}); err != nil {
		t.Fatal(err)
	}
	type rule struct{ region, pattern, target string }
	cases := []struct {
		name                 string
		rules                []rule
		enable               string
		singleRegionTrailIn  string // instead of the multi-Region trail
		want                 Status
		covered, uncoveredIn []string
	}{
		{"forwarded and direct Regions covered, one Region without a rule", []rule{
			{"us-east-1", rootActivityPattern, "queue"}, {"eu-west-1", rootActivityPattern, "hub"},
		}, "", "", Fail, []string{"eu-west-1", "us-east-1"}, []string{"ap-south-1"}},
		{"every Region covered", []rule{
			{"us-east-1", rootActivityPattern, "queue"}, {"eu-west-1", rootActivityPattern, "hub"}, {"ap-south-1", rootActivityPattern, "queue"},
		}, "", "", Pass, []string{"ap-south-1", "eu-west-1", "us-east-1"}, []string{}},
		{"a single-Region trail records its own Region only", []rule{
			{"us-east-1", rootActivityPattern, "queue"}, {"eu-west-1", rootActivityPattern, "hub"}, {"ap-south-1", rootActivityPattern, "queue"},
		}, "", "ap-south-1", Fail, []string{"ap-south-1"}, []string{"eu-west-1", "us-east-1"}},
		{"the home rule matches only its own Region's calls, so forwarding reaches no one", []rule{
			{"us-east-1", `{"region":["us-east-1"],"detail":{"userIdentity":{"type":["Root"]}}}`, "queue"},
			{"eu-west-1", rootActivityPattern, "hub"}, {"ap-south-1", rootActivityPattern, "queue"},
		}, "", "", Fail, []string{"ap-south-1", "us-east-1"}, []string{"eu-west-1"}},
		{"a sign-in rule does not match API calls", []rule{
			{"us-east-1", rootSignInPattern, "queue"}, {"eu-west-1", rootActivityPattern, "queue"}, {"ap-south-1", rootActivityPattern, "queue"},
		}, "", "", Fail, []string{"ap-south-1", "eu-west-1"}, []string{"us-east-1"}},
		{"an opt-in Region enabled after the rules were made", []rule{
			{"us-east-1", rootActivityPattern, "queue"}, {"eu-west-1", rootActivityPattern, "hub"}, {"ap-south-1", rootActivityPattern, "queue"},
		}, "me-south-1", "", Fail, []string{"ap-south-1", "eu-west-1", "us-east-1"}, []string{"me-south-1"}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			a := emu.AddAccount(newAccountID(), "activity")
			trail := awsemu.Trail{Name: "all", Region: "us-east-1", S3BucketName: "trail-" + a.ID, MultiRegion: true, Logging: true}
			if tt.singleRegionTrailIn != "" {
				trail.Region, trail.MultiRegion = tt.singleRegionTrailIn, false
			}
			mustSeed(t, a.AddTrail(trail))
			for i, r := range tt.rules {
				target := "arn:aws:sqs:" + r.region + ":" + a.ID + ":root-alerts"
				if r.target == "hub" {
					target = "arn:aws:events:us-east-1:" + a.ID + ":event-bus/default"
				}
				mustSeed(t, a.AddRule(awsemu.Rule{Name: "r" + string(rune('0'+i)), Region: r.region, EventPattern: r.pattern, Targets: map[string]string{"t": target}}))
			}
			if tt.enable != "" {
				mustSeed(t, a.EnableRegion(tt.enable))
			}
			creds := policyUser(t, a)
			res := Account(context.Background(), emu.Config(creds), Options{Checks: []CheckID{CheckRootActivityAlerting}, Sleep: noSleep})
			c := checkOf(t, res, CheckRootActivityAlerting)
			if c.Status != tt.want {
				t.Errorf("status %s %q, want %s", c.Status, c.Detail, tt.want)
			}
			if got, _ := c.Evidence["covered_regions"].([]string); !slices.Equal(got, tt.covered) {
				t.Errorf("covered_regions %v, want %v (%s)", got, tt.covered, c.Detail)
			}
			if got, _ := c.Evidence["uncovered_regions"].([]string); !slices.Equal(got, tt.uncoveredIn) {
				t.Errorf("uncovered_regions %v, want %v (%s)", got, tt.uncoveredIn, c.Detail)
			}
		})
	}
}
