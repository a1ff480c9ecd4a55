package awsemu_test

import (
	"errors"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// An API call reaches EventBridge only where a logging trail records it:
// not in a member without one, then everywhere once the management
// account's organization trail logs.
func TestAPICallsNeedATrail(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.CreateOrganization("111111111111")
	member := emu.AddAccount("222222222222", "member")
	org.AddAccount(member, org.RootID())
	call := awsemu.ServiceEvent{Account: member.ID, Region: "eu-west-1", Source: "aws.iam", DetailType: "AWS API Call via CloudTrail", Detail: []byte(`{}`)}
	if _, err := emu.EmitServiceEvent(call); !errors.Is(err, awsemu.ErrNotRecorded) {
		t.Fatalf("no trail: err = %v, want ErrNotRecorded", err)
	}
	signIn := call
	signIn.DetailType, signIn.Source = "AWS Console Sign In via CloudTrail", "aws.signin"
	if _, err := emu.EmitServiceEvent(signIn); err != nil {
		t.Fatalf("a sign-in needs no trail: %v", err)
	}
	if err := emu.Account("111111111111").AddTrail(awsemu.Trail{Name: "org", Region: "us-east-1", S3BucketName: "b", MultiRegion: true, Logging: true, Organization: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.EmitServiceEvent(call); err != nil {
		t.Fatalf("organization trail: %v", err)
	}
	if err := member.AddTrail(awsemu.Trail{Name: "x", Region: "us-east-1", S3BucketName: "b", Organization: true}); err == nil {
		t.Fatal("a member seeded an organization trail")
	}
}
