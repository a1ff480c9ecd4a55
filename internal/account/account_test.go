package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

type fakeSTS struct {
	arn, account string
	err          error
	calls        int
}

func (f *fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(f.arn), Account: aws.String(f.account)}, nil
}

func TestResolvePartitions(t *testing.T) {
	for _, tc := range []struct {
		arn, account, partition, home string
		root                          bool
	}{
		{"arn:aws:iam::111111111111:root", "111111111111", "aws", "us-east-1", true},
		{"arn:aws-us-gov:iam::222222222222:root", "222222222222", "aws-us-gov", "us-gov-west-1", true},
		{"arn:aws-cn:sts::333333333333:assumed-role/Admin/me", "333333333333", "aws-cn", "cn-north-1", false},
		{"arn:aws:iam::111111111111:user/root", "111111111111", "aws", "us-east-1", false},
		{"arn:aws:sts::111111111111:assumed-role/root/s", "111111111111", "aws", "us-east-1", false},
	} {
		api := &fakeSTS{arn: tc.arn, account: tc.account}
		s, err := ResolveWith(context.Background(), aws.Config{Region: "eu-west-1"}, api)
		if err != nil {
			t.Fatalf("%s: %v", tc.arn, err)
		}
		if s.Partition.ID != tc.partition || s.Partition.HomeRegion != tc.home || s.IsRoot != tc.root || s.AccountID != tc.account || s.CallerARN != tc.arn {
			t.Errorf("%s: got %+v", tc.arn, s)
		}
		if s.Home().Region != tc.home || s.Region() != "eu-west-1" || s.In("ap-south-1").Region != "ap-south-1" || s.Config().Region != "eu-west-1" {
			t.Errorf("%s: regions home %s region %s", tc.arn, s.Home().Region, s.Region())
		}
		if want := "arn:" + tc.partition + ":iam::" + tc.account + ":root"; s.RootARN() != want {
			t.Errorf("%s: RootARN %s, want %s", tc.arn, s.RootARN(), want)
		}
		if api.calls != 1 {
			t.Errorf("%s: %d GetCallerIdentity calls, want 1", tc.arn, api.calls)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	for name, api := range map[string]*fakeSTS{
		"denied":            {err: errors.New("AccessDenied")},
		"not an ARN":        {arn: "root", account: "111111111111"},
		"unknown partition": {arn: "arn:aws-iso:iam::111111111111:root", account: "111111111111"},
		"account mismatch":  {arn: "arn:aws:iam::111111111111:root", account: "222222222222"},
		"no account":        {arn: "arn:aws:iam:::root"},
	} {
		_, err := ResolveWith(context.Background(), aws.Config{}, api)
		if !errors.Is(err, ErrIdentify) {
			t.Errorf("%s: err = %v, want ErrIdentify", name, err)
		}
	}
}

func TestNoRegionMeansHome(t *testing.T) {
	s, err := New(aws.Config{}, "arn:aws-us-gov:iam::222222222222:root")
	if err != nil || s.Region() != "us-gov-west-1" {
		t.Fatalf("region %q, %v", s.Region(), err)
	}
}

func TestPartitionOfRegion(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-west-1": "aws", "us-gov-west-1": "aws-us-gov", "us-gov-east-1": "aws-us-gov",
		"cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn", "ap-southeast-5": "aws",
	} {
		if got := PartitionOfRegion(region).ID; got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}

func TestPartitionARNs(t *testing.T) {
	if got := AWSCN.ManagedPolicyARN("root-task/IAMAuditRootUserCredentials"); got != "arn:aws-cn:iam::aws:policy/root-task/IAMAuditRootUserCredentials" {
		t.Error(got)
	}
	if got := AWSUSGov.ARN("events", "us-gov-east-1", "1", "rule/x"); got != "arn:aws-us-gov:events:us-gov-east-1:1:rule/x" {
		t.Error(got)
	}
	if _, err := PartitionByID("aws-iso"); err == nil {
		t.Error("aws-iso accepted")
	}
}

func TestWithCredentialsKeepsPartition(t *testing.T) {
	s, _ := New(aws.Config{Region: "us-gov-east-1"}, "arn:aws-us-gov:iam::222222222222:user/admin")
	m, err := s.WithCredentials(aws.AnonymousCredentials{}, "arn:aws-us-gov:iam::333333333333:root")
	if err != nil || !m.IsRoot || m.AccountID != "333333333333" || m.Region() != "us-gov-east-1" {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err := s.WithCredentials(aws.AnonymousCredentials{}, "arn:aws:iam::333333333333:root"); err == nil {
		t.Fatal("a session in another partition was accepted")
	}
}

type hungSTS struct{}

func (hungSTS) GetCallerIdentity(ctx context.Context, _ *sts.GetCallerIdentityInput, _ ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestResolveIsBounded: identifying the caller ends, with the reason, when
// STS never answers — the command's own deadlines start only after it.
func TestResolveIsBounded(t *testing.T) {
	defer func(d time.Duration) { identifyTimeout = d }(identifyTimeout)
	identifyTimeout = 50 * time.Millisecond
	_, err := ResolveWith(context.Background(), aws.Config{}, hungSTS{})
	if !errors.Is(err, ErrIdentify) || !strings.Contains(err.Error(), "no answer from STS within 50ms") {
		t.Fatalf("err = %v", err)
	}
}
