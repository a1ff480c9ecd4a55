package awsemu

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The test world most organization tests start from: a management account,
// its organization, centralized root access on or off, and members. Built
// here once so that the tests of fix, rootsession, roottask, orgaudit,
// orgscan and posture share it.

// CentralizedRootAccess is the two features of centralized root access
// (iam:EnableOrganizationsRootCredentialsManagement and
// iam:EnableOrganizationsRootSessions), the names
// iam:ListOrganizationsFeatures answers with.
var CentralizedRootAccess = []string{"RootCredentialsManagement", "RootSessions"}

// TestOrg is an organization built for a test: Organization's methods, the
// management account and the members added so far.
type TestOrg struct {
	*Organization
	Management *Account
	Members    []*Account
}

// NewOrg adds the account managementID (named "management") and makes it
// the management account of a new organization, centralized root access
// off (no trusted access for IAM, no feature).
func (s *Server) NewOrg(managementID string) *TestOrg {
	mgmt := s.AddAccount(managementID, "management")
	return &TestOrg{Organization: s.CreateOrganization(mgmt.ID), Management: mgmt}
}

// NewCentralizedRootOrg is NewOrg with centralized root access on: trusted
// access for IAM and both features (CentralizedRootAccess), so members are
// reached with sts:AssumeRoot.
func (s *Server) NewCentralizedRootOrg(managementID string) *TestOrg {
	o := s.NewOrg(managementID)
	o.EnableCentralizedRootAccess(CentralizedRootAccess...)
	return o
}

// AddMember adds the account id, named name, to the organization's root.
func (o *TestOrg) AddMember(id, name string) *Account {
	return o.AddMemberUnder(o.RootID(), id, name)
}

// AddMemberUnder adds the account id, named name, under parentID (the
// root or an OU).
func (o *TestOrg) AddMemberUnder(parentID, id, name string) *Account {
	a := o.Management.server.AddAccount(id, name)
	o.AddAccount(a, parentID)
	o.Members = append(o.Members, a)
	return a
}

// AddMembers adds n members to the organization's root, numbered from 1:
// account 2 followed by the number in 11 digits (200000000001…), named
// member-<number>; setup, if not nil, prepares each (its root's
// credentials, a role).
func (o *TestOrg) AddMembers(n int, setup func(i int, a *Account)) []*Account {
	added := make([]*Account, 0, n)
	for i := 1; i <= n; i++ {
		a := o.AddMember(fmt.Sprintf("2%011d", i), fmt.Sprintf("member-%d", i))
		if setup != nil {
			setup(i, a)
		}
		added = append(added, a)
	}
	return added
}

// Admin adds a user allowed every action to the management account and
// returns its access key: the caller of most organization tests.
func (o *TestOrg) Admin(name string) aws.Credentials {
	return o.Management.AddUser(name, "*").AddAccessKey(AccessKey{})
}
