// Package account resolves, once per command, who the caller is and where:
// the AWS configuration, the account ID, the caller's ARN, its partition,
// whether the caller is the root user, and the partition's home Region.
// Every engine takes a *Session and builds its own narrow clients from
// Home() or In(region); nothing else calls GetCallerIdentity, writes an
// "arn:aws:" literal or names a Region.
package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Session is the caller, resolved once.
type Session struct {
	cfg aws.Config

	// AccountID is the caller's account.
	AccountID string
	// CallerARN is the caller's ARN as STS returns it.
	CallerARN string
	// Partition is the caller's partition, from CallerARN.
	Partition Partition
	// IsRoot: the caller is the account's root user — root credentials, or a
	// root session opened with sts:AssumeRoot (whose caller ARN is
	// arn:<partition>:iam::<account>:root as well).
	IsRoot bool
}

// CallerIdentityAPI is the one STS call Resolve makes.
type CallerIdentityAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var _ CallerIdentityAPI = (*sts.Client)(nil)

// ErrIdentify wraps every failure to identify the caller: a command that
// cannot tell who it runs as cannot run at all (exit 1).
var ErrIdentify = errors.New("identify caller")

// Resolve identifies the caller of cfg with sts:GetCallerIdentity.
func Resolve(ctx context.Context, cfg aws.Config) (*Session, error) {
	return ResolveWith(ctx, cfg, sts.NewFromConfig(cfg))
}

// identifyTimeout bounds identifying the caller, retries included: every
// command's own deadlines (--account-timeout, --timeout, --wait) start
// after it, so it must not wait on STS for ever. Each call is bounded by
// the HTTP timeouts of internal/awsconfig; this covers a throttled STS
// retrying through its backoff as well.
var identifyTimeout = time.Minute

// ResolveWith is Resolve with a given STS client.
func ResolveWith(ctx context.Context, cfg aws.Config, api CallerIdentityAPI) (*Session, error) {
	idCtx, cancel := context.WithTimeoutCause(ctx, identifyTimeout, fmt.Errorf("no answer from STS within %s", identifyTimeout))
	defer cancel()
	out, err := api.GetCallerIdentity(idCtx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if cause := context.Cause(idCtx); ctx.Err() == nil && cause != nil {
			return nil, fmt.Errorf("%w: %w (%w)", ErrIdentify, cause, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrIdentify, err)
	}
	s, err := New(cfg, aws.ToString(out.Arn))
	if err != nil {
		return nil, err
	}
	if acct := aws.ToString(out.Account); acct != s.AccountID {
		return nil, fmt.Errorf("%w: STS answered account %q for caller %q", ErrIdentify, acct, s.CallerARN)
	}
	return s, nil
}

// New makes a Session for a caller whose ARN is already known — the root
// session sts:AssumeRoot opened in a member (arn:<partition>:iam::<member>:root),
// or a test's fixed identity — without calling STS.
func New(cfg aws.Config, callerARN string) (*Session, error) {
	a, err := arn.Parse(callerARN)
	if err != nil {
		return nil, fmt.Errorf("%w: unexpected caller ARN %q: %w", ErrIdentify, callerARN, err)
	}
	p, err := PartitionByID(a.Partition)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIdentify, err)
	}
	if a.AccountID == "" {
		return nil, fmt.Errorf("%w: caller ARN %q names no account", ErrIdentify, callerARN)
	}
	cfg = cfg.Copy()
	if cfg.Region == "" {
		cfg.Region = p.HomeRegion
	}
	return &Session{
		cfg:       cfg,
		AccountID: a.AccountID,
		CallerARN: callerARN,
		Partition: p,
		IsRoot:    IsRootARN(callerARN),
	}, nil
}

// IsRootARN reports whether an ARN is an account's root user:
// arn:<partition>:iam::<account>:root. An assumed role or IAM user named
// "root" (…:user/root, …:assumed-role/root/…) is not.
func IsRootARN(s string) bool {
	a, err := arn.Parse(s)
	return err == nil && a.Service == "iam" && a.Resource == "root" && a.AccountID != ""
}

// Config is the configuration in the Region the user chose (--region, the
// profile, AWS_REGION), or the partition's home Region when none was.
func (s *Session) Config() aws.Config { return s.cfg.Copy() }

// Region is the Region the user chose, or the partition's home Region.
func (s *Session) Region() string { return s.cfg.Region }

// Home is the configuration in the partition's home Region, where global
// services record their events and the alert pipeline lives.
func (s *Session) Home() aws.Config { return s.In(s.Partition.HomeRegion) }

// In is the configuration in region.
func (s *Session) In(region string) aws.Config {
	c := s.cfg.Copy()
	c.Region = region
	return c
}

// ARN formats an ARN in the caller's partition. account and region may be
// empty, as for IAM or S3 ARNs.
func (s *Session) ARN(service, region, account, resource string) string {
	return s.Partition.ARN(service, region, account, resource)
}

// RootARN is the caller's account's root user.
func (s *Session) RootARN() string { return s.Partition.RootARN(s.AccountID) }

// WithCredentials is the same caller's session with other credentials: a
// root session opened in the same partition (sts:AssumeRoot) or a role
// assumed in a member, for which the caller's ARN is given.
func (s *Session) WithCredentials(creds aws.CredentialsProvider, callerARN string) (*Session, error) {
	cfg := s.cfg.Copy()
	cfg.Credentials = creds
	n, err := New(cfg, callerARN)
	if err != nil {
		return nil, err
	}
	if n.Partition.ID != s.Partition.ID {
		return nil, fmt.Errorf("%w: %q is in partition %s, not the caller's %s", ErrIdentify, callerARN, n.Partition.ID, s.Partition.ID)
	}
	return n, nil
}
