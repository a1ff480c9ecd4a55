package awsemu_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// ListRegions over the SDK: the Regions enabled by default, an opt-in
// Region once enabled; the management account reads a member's by
// AccountId, a member cannot read another's.
func TestListRegionsOverTheWire(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, []string{"ap-east-1"}); err != nil {
		t.Fatal(err)
	}
	org := emu.CreateOrganization("111111111111")
	member := emu.AddAccount("222222222222", "member")
	org.AddAccount(member, org.RootID())
	other := emu.AddAccount("333333333333", "other")
	org.AddAccount(other, org.RootID())
	mgmt := acctapi.NewFromConfig(emu.Config(emu.Account("111111111111").AddUser("admin").AddAccessKey(awsemu.AccessKey{})))
	enabled := func(c *acctapi.Client, id string) []string {
		t.Helper()
		in := &acctapi.ListRegionsInput{RegionOptStatusContains: []accttypes.RegionOptStatus{accttypes.RegionOptStatusEnabled, accttypes.RegionOptStatusEnabledByDefault}}
		if id != "" {
			in.AccountId = aws.String(id)
		}
		out, err := c.ListRegions(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range out.Regions {
			names = append(names, aws.ToString(r.RegionName))
		}
		return names
	}
	if got := enabled(mgmt, member.ID); !slices.Equal(got, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("before opting in: %v", got)
	}
	if err := member.EnableRegion("ap-east-1"); err != nil {
		t.Fatal(err)
	}
	if got := enabled(mgmt, member.ID); !slices.Equal(got, []string{"ap-east-1", "eu-west-1", "us-east-1"}) {
		t.Errorf("after opting in: %v", got)
	}
	if got := enabled(mgmt, ""); len(got) != 2 {
		t.Errorf("management account's own: %v", got)
	}
	memberAPI := acctapi.NewFromConfig(emu.Config(member.AddUser("u").AddAccessKey(awsemu.AccessKey{})))
	if _, err := memberAPI.ListRegions(t.Context(), &acctapi.ListRegionsInput{AccountId: aws.String(other.ID)}); err == nil {
		t.Error("a member read another member's Regions")
	}
}
