package reliability

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	"github.com/rootguard/rootguard/internal/stack"
)

// TestDocumentedPolicyRunsPosture keeps docs/permissions/posture.json (and
// posture-operate.json for status) true:
// a management principal whose identity policy is exactly audit.json,
// audit-org.json, posture.json and posture-operate.json runs `posture run` (store, publish, queue the digest) and
// `posture status`, and none of its calls is refused.
func TestDocumentedPolicyRunsPosture(t *testing.T) {
	t.Parallel()
	emu, _ := sampleOrg(t, true)
	// kumo's buckets are global to the process: a prefix of this test's own.
	prefix := fmt.Sprintf("rgperm%d", time.Now().UnixNano()%1e9)
	names := stack.Names{Prefix: prefix}
	admin := emu.Config(emu.Account("111111111111").AddUser("pipeline", "*").AddAccessKey(awsemu.AccessKey{}))
	bucket := names.ArtifactBucket("111111111111", "us-east-1")
	if _, err := s3.NewFromConfig(admin, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := sqs.NewFromConfig(admin).CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(names.Queue())}); err != nil {
		t.Fatal(err)
	}
	// The documents whole, with this test's prefix for their rootguard
	// names: the buckets, objects, queues and stacks they scope are proven.
	creds := policyUser(t, emu.Account("111111111111"), "least-posture", policyEdit{replace: prefixed(prefix)},
		"audit.json", "audit-org.json", "posture.json", "posture-operate.json")
	emu.ResetCalls()
	for _, args := range [][]string{{"posture", "run", "--prefix", prefix}, {"posture", "status", "--prefix", prefix}} {
		res := run(t, onEmu(emu, creds), "", args...)
		if res.code != cmdutil.ExitOK {
			t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, res.code, res.stdout, res.stderr)
		}
	}
	sent := 0
	for _, c := range emu.Calls() {
		if c.Account == "111111111111" && strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			t.Errorf("%s:%s refused: audit.json + audit-org.json + posture.json + posture-operate.json do not allow all of %v", c.Service, c.Action, c.IAMActions)
		}
		if c.Service == "sqs" && c.Action == "SendMessage" {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("%d digests sent, want the baseline's", sent)
	}
}
