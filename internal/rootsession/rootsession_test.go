package rootsession

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/rootguard/rootguard/internal/account"
)

// fakeSTS issues sessions that expire after the asked duration.
type fakeSTS struct {
	now   time.Time
	calls []*sts.AssumeRootInput
}

func (f *fakeSTS) AssumeRoot(_ context.Context, in *sts.AssumeRootInput, _ ...func(*sts.Options)) (*sts.AssumeRootOutput, error) {
	f.calls = append(f.calls, in)
	exp := f.now.Add(time.Duration(aws.ToInt32(in.DurationSeconds)) * time.Second)
	id := "ASIA" + string(rune('A'+len(f.calls)))
	return &sts.AssumeRootOutput{Credentials: &ststypes.Credentials{
		AccessKeyId: aws.String(id), SecretAccessKey: aws.String("s"), SessionToken: aws.String("t"), Expiration: &exp,
	}}, nil
}

func TestSessionRenewsBeforeExpiry(t *testing.T) {
	f := &fakeSTS{now: time.Now()}
	cfg, err := open(context.Background(), f, aws.Config{Region: "us-gov-west-1"}, account.AWSUSGov, "222222222222", DeleteRootUserCredentials, Options{Duration: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 1 {
		t.Fatalf("Open must open the first session at once: %d calls", len(f.calls))
	}
	in := f.calls[0]
	if got := aws.ToString(in.TaskPolicyArn.Arn); got != "arn:aws-us-gov:iam::aws:policy/root-task/IAMDeleteRootUserCredentials" {
		t.Errorf("task policy ARN %s: not in the caller's partition", got)
	}
	if aws.ToString(in.TargetPrincipal) != "222222222222" || aws.ToInt32(in.DurationSeconds) != 3 {
		t.Errorf("input %+v", in)
	}
	first, _ := cfg.Credentials.Retrieve(context.Background())
	// Inside the expiry window (the last third), the cache asks for a new
	// session before the current one ends.
	time.Sleep(2100 * time.Millisecond)
	second, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessKeyID == first.AccessKeyID || len(f.calls) != 2 {
		t.Fatalf("no renewal inside the expiry window: %s then %s, %d calls", first.AccessKeyID, second.AccessKeyID, len(f.calls))
	}
}

func TestDurationBounds(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		0: DefaultDuration, time.Hour: MaxDuration, 10 * time.Millisecond: time.Second, 90 * time.Second: 90 * time.Second,
	} {
		if got := (Options{Duration: in}).duration(); got != want {
			t.Errorf("%v: %v, want %v", in, got, want)
		}
	}
}
