package eventpath

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	acctapi "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"

	"github.com/rootguard/rootguard/internal/awserr"
)

// RegionsAPI is the Account Management call that lists an account's
// Regions.
type RegionsAPI interface {
	ListRegions(context.Context, *acctapi.ListRegionsInput, ...func(*acctapi.Options)) (*acctapi.ListRegionsOutput, error)
}

var _ RegionsAPI = (*acctapi.Client)(nil)

// EnabledRegions lists the Regions enabled in the caller's account of api:
// those enabled by default and the opt-in Regions enabled
// (account:ListRegions, RegionOptStatus ENABLED or ENABLED_BY_DEFAULT).
// Root activity can happen in any of them, so each needs a rule; a Region
// still ENABLING is left for the next deploy (its status then shows it).
func EnabledRegions(ctx context.Context, api RegionsAPI) ([]string, error) {
	var out []string
	in := &acctapi.ListRegionsInput{RegionOptStatusContains: []accttypes.RegionOptStatus{
		accttypes.RegionOptStatusEnabled, accttypes.RegionOptStatusEnabledByDefault,
	}}
	for {
		page, err := api.ListRegions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list the account's Regions: %w", awserr.Classify(err))
		}
		for _, r := range page.Regions {
			out = append(out, aws.ToString(r.RegionName))
		}
		if page.NextToken == nil {
			break
		}
		in.NextToken = page.NextToken
	}
	sort.Strings(out)
	return out, nil
}
