package rootsession

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
)

// TestExpiredTokenOpensANewSession: AWS's clock runs ahead of ours, so a
// session the credentials cache still thinks valid is already expired
// there. The call answered ExpiredToken is retried with a new session and
// succeeds; nothing is reported to the caller.
func TestExpiredTokenOpensANewSession(t *testing.T) {
	var ahead atomic.Int64 // how far AWS's clock is ahead of ours
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.NewCentralizedRootOrg("111111111111")
	member := org.AddMember("222222222222", "member")
	key := member.Root().AddAccessKey(awsemu.AccessKey{})
	caller, err := account.New(emu.Config(org.Admin("admin")), "arn:aws:iam::111111111111:user/admin")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg, err := Open(ctx, caller, member.ID, AuditRootUserCredentials, Options{Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ahead.Store(int64(2 * time.Minute)) // the session has ended for AWS, not for our cache
	out, err := iam.NewFromConfig(cfg).ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatalf("a session AWS expired must be renewed, not reported: %v", err)
	}
	if len(out.AccessKeyMetadata) != 1 || *out.AccessKeyMetadata[0].AccessKeyId != key.AccessKeyID {
		t.Fatalf("keys = %+v", out.AccessKeyMetadata)
	}
	var expired int
	for _, c := range emu.CallsTo("iam", "ListAccessKeys") {
		if c.ErrorCode == "ExpiredToken" {
			expired++
		}
	}
	if expired != 1 || len(emu.CallsTo("sts", "AssumeRoot")) != 2 {
		t.Fatalf("%d ExpiredToken answers and %d sessions: want one refusal, then one new session", expired, len(emu.CallsTo("sts", "AssumeRoot")))
	}
}
