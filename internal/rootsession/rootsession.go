// Package rootsession opens short, task-scoped root sessions in member
// accounts through sts:AssumeRoot (centralized root access).
package rootsession

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// TaskPolicy is one of the AWS managed policies that scope a root session.
type TaskPolicy string

// The task policies rootguard uses.
const (
	AuditRootUserCredentials  TaskPolicy = "IAMAuditRootUserCredentials"
	DeleteRootUserCredentials TaskPolicy = "IAMDeleteRootUserCredentials"
)

// ARN returns the managed policy's ARN.
func (p TaskPolicy) ARN() string { return "arn:aws:iam::aws:policy/root-task/" + string(p) }

// Duration is the session length rootguard asks for: the task is a handful
// of calls, and a short session limits what a leaked token could do. AWS
// allows at most 900 seconds.
const Duration = 5 * time.Minute

// fallbackRegion is used when the configuration has no usable region:
// AssumeRoot is refused on the global STS endpoint, so a region is required.
const fallbackRegion = "us-east-1"

type stsAPI interface {
	AssumeRoot(ctx context.Context, in *sts.AssumeRootInput, optFns ...func(*sts.Options)) (*sts.AssumeRootOutput, error)
}

var _ stsAPI = (*sts.Client)(nil)

// Assume opens a root session in account with the given task policy, from
// the management account (or the IAM delegated administrator) credentials in
// cfg. The returned configuration carries the session's credentials; the
// STS call goes to the regional endpoint, as AWS requires.
func Assume(ctx context.Context, cfg aws.Config, account string, task TaskPolicy) (aws.Config, error) {
	return assume(ctx, newSTS(cfg), cfg, account, task)
}

func newSTS(cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if o.Region == "" || o.Region == "aws-global" {
			o.Region = fallbackRegion
		}
	})
}

func assume(ctx context.Context, client stsAPI, cfg aws.Config, account string, task TaskPolicy) (aws.Config, error) {
	out, err := client.AssumeRoot(ctx, &sts.AssumeRootInput{
		TargetPrincipal: aws.String(account),
		TaskPolicyArn:   &ststypes.PolicyDescriptorType{Arn: aws.String(task.ARN())},
		DurationSeconds: aws.Int32(int32(Duration / time.Second)),
	})
	if err != nil {
		return aws.Config{}, fmt.Errorf("assume root in %s with %s: %w", account, task, err)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil {
		return aws.Config{}, fmt.Errorf("assume root in %s with %s: no credentials in the answer", account, task)
	}
	session := cfg.Copy()
	session.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
		aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	return session, nil
}
