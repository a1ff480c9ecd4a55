package fix

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

type describeOrg struct {
	out *organizations.DescribeOrganizationOutput
}

func (d describeOrg) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	return d.out, nil
}

func TestManagementAccountWithoutOrganizationIsAnError(t *testing.T) {
	for name, out := range map[string]*organizations.DescribeOrganizationOutput{
		"nil organization": {},
		"no management ID": {Organization: &orgtypes.Organization{}},
	} {
		if _, err := managementAccount(context.Background(), describeOrg{out}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	got, err := managementAccount(context.Background(), describeOrg{&organizations.DescribeOrganizationOutput{
		Organization: &orgtypes.Organization{MasterAccountId: aws.String("111111111111")}}})
	if err != nil || got != "111111111111" {
		t.Fatalf("%q, %v", got, err)
	}
}

func TestReconcile(t *testing.T) {
	planned := &Inventory{
		Account: "222222222222", LoginProfile: true,
		AccessKeys:   []AccessKey{{ID: "AKIAONE", Status: "Active"}, {ID: "AKIATWO", Status: "Active"}},
		Certificates: []Certificate{{ID: "C1", Status: "Active"}},
		MFADevices:   []MFADevice{{Serial: "arn:aws:iam::222222222222:mfa/root", Virtual: true}},
	}
	now := &Inventory{
		Account:      "222222222222",
		AccessKeys:   []AccessKey{{ID: "AKIAONE", Status: "Inactive"}, {ID: "AKIANEW", Status: "Active"}},
		Certificates: []Certificate{{ID: "C1", Status: "Active"}},
		MFADevices:   []MFADevice{{Serial: "arn:aws:iam::222222222222:mfa/root", Virtual: true}, {Serial: "GAHT1"}},
	}
	keep, d := Reconcile(planned, now)
	if keep.LoginProfile || len(keep.AccessKeys) != 1 || keep.AccessKeys[0].ID != "AKIAONE" || keep.AccessKeys[0].Status != "Inactive" ||
		len(keep.Certificates) != 1 || len(keep.MFADevices) != 1 {
		t.Fatalf("keep = %+v: want only what is planned and still there, in its current state", keep)
	}
	if !slices.Equal(d.Gone, []string{"root password", "root access key AKIATWO"}) {
		t.Errorf("gone = %q", d.Gone)
	}
	if !slices.Equal(d.Appeared, []string{"root access key AKIANEW", "root MFA device GAHT1"}) {
		t.Errorf("appeared = %q", d.Appeared)
	}
	if len(d.Changed) != 1 || !strings.Contains(d.Changed[0], "AKIAONE: Active when planned, Inactive now") {
		t.Errorf("changed = %q", d.Changed)
	}
}
