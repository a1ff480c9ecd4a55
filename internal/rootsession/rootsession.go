// Package rootsession opens short, task-scoped root sessions in member
// accounts through sts:AssumeRoot (centralized root access).
//
// A session is opened for one account right before it is used, and its
// credentials renew themselves: they sit in an aws.CredentialsCache over an
// AssumeRoot provider whose ExpiryWindow makes the cache call AssumeRoot
// again before the current credentials expire. A long run — a large --org,
// a user who pauses at a prompt — therefore never signs a call with an
// expired root session.
package rootsession

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/rootguard/rootguard/internal/account"
)

// TaskPolicy is one of the AWS managed policies that scope a root session.
type TaskPolicy string

// The root-task policies AWS publishes (IAM User Guide, "Perform a
// privileged task on an AWS Organizations member account"); AssumeRoot
// accepts no other.
const (
	AuditRootUserCredentials  TaskPolicy = "IAMAuditRootUserCredentials"
	DeleteRootUserCredentials TaskPolicy = "IAMDeleteRootUserCredentials"
	CreateRootUserPassword    TaskPolicy = "IAMCreateRootUserPassword"
	UnlockBucketPolicy        TaskPolicy = "S3UnlockBucketPolicy"
	UnlockQueuePolicy         TaskPolicy = "SQSUnlockQueuePolicy"
)

// ARN returns the managed policy's ARN in partition p.
func (t TaskPolicy) ARN(p account.Partition) string {
	return p.ManagedPolicyARN("root-task/" + string(t))
}

// DefaultDuration is the session length rootguard asks for: the task is a
// handful of calls, and a short session limits what a leaked token could
// do. AWS allows 0 to 900 seconds (STS API reference, AssumeRoot,
// DurationSeconds); the credentials renew themselves when a run is longer.
const DefaultDuration = 5 * time.Minute

// MaxDuration is the longest root session AWS grants.
const MaxDuration = 900 * time.Second

// Options tunes a session. The zero value asks for DefaultDuration.
type Options struct {
	// Duration is the DurationSeconds asked of AssumeRoot, at least one
	// second and at most MaxDuration.
	Duration time.Duration
}

func (o Options) duration() time.Duration {
	switch {
	case o.Duration <= 0:
		return DefaultDuration
	case o.Duration > MaxDuration:
		return MaxDuration
	case o.Duration < time.Second:
		return time.Second
	}
	return o.Duration
}

// expiryWindow is how long before expiry the cache renews the session: a
// third of its length, so a call signed just before renewal still has two
// thirds of the session to reach AWS, even on a slow network.
func (o Options) expiryWindow() time.Duration { return o.duration() / 3 }

type stsAPI interface {
	AssumeRoot(ctx context.Context, in *sts.AssumeRootInput, optFns ...func(*sts.Options)) (*sts.AssumeRootOutput, error)
}

var _ stsAPI = (*sts.Client)(nil)

// Provider is an aws.CredentialsProvider that opens a root session in one
// member account with one task policy each time it is asked. Wrap it in an
// aws.CredentialsCache (Open does) so it is asked only when the current
// session nears its end.
type Provider struct {
	client    stsAPI
	partition account.Partition
	account   string
	task      TaskPolicy
	duration  time.Duration
}

var _ aws.CredentialsProvider = (*Provider)(nil)

// Retrieve opens a new root session.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	out, err := p.client.AssumeRoot(ctx, &sts.AssumeRootInput{
		TargetPrincipal: aws.String(p.account),
		TaskPolicyArn:   &ststypes.PolicyDescriptorType{Arn: aws.String(p.task.ARN(p.partition))},
		DurationSeconds: aws.Int32(int32(p.duration / time.Second)),
	})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("assume root in %s with %s: %w", p.account, p.task, err)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil {
		return aws.Credentials{}, fmt.Errorf("assume root in %s with %s: no credentials in the answer", p.account, p.task)
	}
	creds := aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), Source: "rootsession:" + string(p.task),
	}
	if c.Expiration != nil {
		creds.CanExpire, creds.Expires = true, *c.Expiration
	}
	return creds, nil
}

// Open opens a root session in member with task, from the management
// account (or the IAM delegated administrator) credentials of caller, and
// returns the configuration that carries it. The first session is opened
// now, so a refusal is this account's error, reported once; later sessions
// are opened by the credentials cache before each one expires. The STS
// call goes to a regional endpoint, as AWS requires.
func Open(ctx context.Context, caller *account.Session, member string, task TaskPolicy, o Options) (aws.Config, error) {
	return OpenConfig(ctx, caller.Config(), caller.Partition, member, task, o)
}

// OpenConfig is Open from a configuration whose partition is known.
func OpenConfig(ctx context.Context, cfg aws.Config, p account.Partition, member string, task TaskPolicy, o Options) (aws.Config, error) {
	return open(ctx, newSTS(cfg, p), cfg, p, member, task, o)
}

// Assume is Open for callers that hold only a configuration: the partition
// is the one of cfg's Region.
func Assume(ctx context.Context, cfg aws.Config, member string, task TaskPolicy) (aws.Config, error) {
	return OpenConfig(ctx, cfg, account.PartitionOfRegion(cfg.Region), member, task, Options{})
}

func open(ctx context.Context, client stsAPI, cfg aws.Config, p account.Partition, member string, task TaskPolicy, o Options) (aws.Config, error) {
	provider := &Provider{client: client, partition: p, account: member, task: task, duration: o.duration()}
	session := cfg.Copy()
	cache := aws.NewCredentialsCache(provider, func(c *aws.CredentialsCacheOptions) {
		c.ExpiryWindow = o.expiryWindow()
	})
	session.Credentials = cache
	base := cfg.Retryer
	session.Retryer = func() aws.Retryer {
		r := aws.Retryer(retry.NewStandard())
		if base != nil {
			r = base()
		}
		return &renewOnExpired{Retryer: r, cache: cache}
	}
	if _, err := session.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, err
	}
	return session, nil
}

// renewOnExpired retries a call that AWS refused as ExpiredToken with a new
// session. AWS's clock decides when a session ends; if ours is behind, the
// cache still holds credentials AWS has already expired, so the refusal
// drops them and the retry — which resolves credentials again before
// signing — opens a new session. A refused token means nothing was done,
// so the retry is safe.
type renewOnExpired struct {
	aws.Retryer
	cache *aws.CredentialsCache
}

func (r *renewOnExpired) IsErrorRetryable(err error) bool {
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) && (api.ErrorCode() == "ExpiredToken" || api.ErrorCode() == "ExpiredTokenException") {
		r.cache.Invalidate()
		return true
	}
	return r.Retryer.IsErrorRetryable(err)
}

// GetAttemptToken keeps the wrapped retryer's per-attempt token.
func (r *renewOnExpired) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.Retryer.GetInitialToken(), nil
}

// newSTS is an STS client on a regional endpoint: AssumeRoot is refused on
// the global one.
func newSTS(cfg aws.Config, p account.Partition) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if o.Region == "" || o.Region == "aws-global" {
			o.Region = p.HomeRegion
		}
	})
}
