package orgscan

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// Access says how rootguard reached an account; it is shown in the output.
type Access string

// The ways to reach an account.
const (
	AccessCaller     Access = "caller"      // the management account, with the caller's own credentials
	AccessAssumeRoot Access = "assume-root" // sts:AssumeRoot with a task policy (centralized root access)
	AccessAssumeRole Access = "assume-role" // sts:AssumeRole into --role-name
)

// DefaultRoleName is the role AWS Organizations creates in accounts it creates.
const DefaultRoleName = "OrganizationAccountAccessRole"

// Credentials opens and caches, for the length of one run, the
// credentials of each account.
type Credentials struct {
	Base aws.Config // the caller's own credentials
	// Home is the caller's account: it is audited with Base as is.
	Home string
	// RootSessions: centralized root access is enabled, so member accounts
	// are reached with sts:AssumeRoot and Task; otherwise with AssumeRole.
	RootSessions bool
	Task         rootsession.TaskPolicy
	RoleName     string
	// Partition of the caller; the zero value means the partition of
	// Base's Region.
	Partition account.Partition

	mu    sync.Mutex
	cache map[string]aws.Config
}

// For returns the configuration to use in account, and how it was
// reached, opening the account's session on first use and keeping it for
// the rest of the run.
func (c *Credentials) For(ctx context.Context, account string) (aws.Config, Access, error) {
	if account == c.Home {
		return c.Base, AccessCaller, nil
	}
	c.mu.Lock()
	cfg, ok := c.cache[account]
	c.mu.Unlock()
	if ok {
		return cfg, c.access(), nil
	}
	cfg, access, err := c.Open(ctx, account)
	if err != nil {
		return aws.Config{}, access, err
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string]aws.Config{}
	}
	c.cache[account] = cfg
	c.mu.Unlock()
	return cfg, access, nil
}

// Open is For without keeping the session: for a job that visits each
// account once, so that a run over thousands of accounts does not hold
// every account's credentials and clients until it ends.
func (c *Credentials) Open(ctx context.Context, account string) (aws.Config, Access, error) {
	if account == c.Home {
		return c.Base, AccessCaller, nil
	}
	var (
		cfg aws.Config
		err error
	)
	if c.RootSessions {
		cfg, err = rootsession.OpenConfig(ctx, c.Base, c.partition(), account, c.Task, rootsession.Options{})
	} else {
		cfg, err = c.assumeRole(ctx, account)
	}
	if err != nil {
		return aws.Config{}, c.access(), err
	}
	return MemberConfig(cfg), c.access(), nil
}

func (c *Credentials) access() Access {
	if c.RootSessions {
		return AccessAssumeRoot
	}
	return AccessAssumeRole
}

func (c *Credentials) assumeRole(ctx context.Context, acct string) (aws.Config, error) {
	role := c.RoleName
	if role == "" {
		role = DefaultRoleName
	}
	arn := c.partition().ARN("iam", "", acct, "role/"+role)
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(c.Base), arn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "rootguard"
	})
	cfg := c.Base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(provider)
	// Assume now, so a denied role is this account's error, reported once.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("assume role %s: %w", arn, err)
	}
	return cfg, nil
}

func (c *Credentials) partition() account.Partition {
	if c.Partition.ID == "" {
		return account.PartitionOfRegion(c.Base.Region)
	}
	return c.Partition
}
