package awsemu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	mgmtID   = "111111111111"
	memberID = "222222222222"
	otherID  = "333333333333"
)

// testOrg is an organization with a management account whose "admin" user
// may do everything, and two member accounts.
type testOrg struct {
	emu    *Server
	org    *Organization
	admin  aws.Credentials
	member *Account
}

func newTestOrg(t testing.TB) testOrg {
	t.Helper()
	emu, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.CreateOrganization(mgmtID)
	workloads := org.AddOU(org.RootID(), "Workloads")
	member := emu.AddAccount(memberID, "workload")
	org.AddAccount(member, workloads)
	org.AddAccount(emu.AddAccount(otherID, "sandbox"), org.RootID())
	admin := emu.Account(mgmtID).AddUser("admin").AddAccessKey(AccessKey{})
	return testOrg{emu: emu, org: org, admin: admin, member: member}
}

func (o testOrg) iam(creds aws.Credentials) *iam.Client {
	return iam.NewFromConfig(o.emu.Config(creds))
}

func (o testOrg) sts(creds aws.Credentials) *sts.Client {
	return sts.NewFromConfig(o.emu.Config(creds))
}

// errorCode is the AWS error code the SDK decoded, or "" for nil.
func errorCode(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("not an API error: %v", err)
	}
	return apiErr.ErrorCode()
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
