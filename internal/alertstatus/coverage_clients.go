package alertstatus

import (
	"context"

	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/eventpath"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// NewCoverageClients builds what CheckCoverage reads for the caller of
// sess: the organization and StackSets with the caller's credentials, and
// each member's EventBridge, CloudTrail and Regions through orgscan's
// (OrganizationAccountAccessRole, the caller's own credentials for its own
// account).
func NewCoverageClients(sess *account.Session) CoverageClients {
	home := sess.Home()
	creds := &orgscan.Credentials{Base: home, Home: sess.AccountID}
	return CoverageClients{
		Org:       organizations.NewFromConfig(home),
		StackSets: cloudformation.NewFromConfig(home),
		Caller:    sess.AccountID,
		Partition: sess.Partition,
		Events: func(ctx context.Context, acct, region string) (SpokeEventsAPI, error) {
			cfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return nil, err
			}
			cfg = cfg.Copy()
			cfg.Region = region
			return eventbridge.NewFromConfig(cfg), nil
		},
		Trails: func(ctx context.Context, acct string) (eventpath.TrailsAPI, error) {
			cfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return nil, err
			}
			return cloudtrail.NewFromConfig(cfg), nil
		},
		Regions: func(ctx context.Context, acct string) ([]string, error) {
			cfg, _, err := creds.For(ctx, acct)
			if err != nil {
				return nil, err
			}
			return eventpath.EnabledRegions(ctx, acctapi.NewFromConfig(cfg))
		},
	}
}
