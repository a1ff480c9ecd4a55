package awsemu

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// TestOrgBuilders: what NewCentralizedRootOrg and NewOrg build is what
// AWS's APIs answer — the accounts where they were added, both features
// enabled, or centralized root access off (trusted access not enabled).
func TestOrgBuilders(t *testing.T) {
	ctx := context.Background()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	o := s.NewCentralizedRootOrg(mgmtID)
	added := o.AddMembers(2, func(i int, a *Account) { a.AddAlias("alias-" + a.Name) })
	ou := o.AddOU(o.RootID(), "prod")
	o.AddMemberUnder(ou, otherID, "prod-1")
	cfg := s.Config(o.Admin("admin"))

	if len(added) != 2 || added[0].ID != "200000000001" || added[1].Name != "member-2" || len(o.Members) != 3 {
		t.Fatalf("members %v, all %d", added, len(o.Members))
	}
	org := organizations.NewFromConfig(cfg)
	accounts, err := org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range accounts.Accounts {
		ids = append(ids, *a.Id)
	}
	slices.Sort(ids)
	if want := []string{mgmtID, "200000000001", "200000000002", otherID}; !slices.Equal(ids, want) {
		t.Errorf("ListAccounts %v, want %v", ids, want)
	}
	under, err := org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: &ou})
	if err != nil || len(under.Accounts) != 1 || *under.Accounts[0].Id != otherID {
		t.Errorf("accounts under the OU: %v %v", under, err)
	}
	features, err := iam.NewFromConfig(cfg).ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	if err != nil || len(features.EnabledFeatures) != 2 {
		t.Fatalf("features %v, %v: want both", features, err)
	}

	off, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(off.Close)
	plain := off.NewOrg(mgmtID)
	plain.AddMember(memberID, "workload")
	_, err = iam.NewFromConfig(off.Config(plain.Admin("admin"))).ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	if code := errorCode(t, err); code != "ServiceAccessNotEnabledException" {
		t.Errorf("NewOrg: ListOrganizationsFeatures answered %v, want ServiceAccessNotEnabledException", err)
	}
}
