package deploy

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/rootguard/rootguard/internal/stack"
)

// TrailChoice is whether the pipeline needs its own trail.
type TrailChoice struct {
	// Existing names a logging trail, not rootguard's, that already sends
	// management events for every Region the pipeline alerts on; empty when
	// there is none.
	Existing string
	// Organization: Existing is an organization trail (made in the
	// management account or by CloudTrail's delegated administrator).
	Organization bool
	// Create is true when rootguard creates (or keeps) its own trail.
	Create bool
}

// ChooseTrail looks for a trail that already logs management events for
// every Region the pipeline alerts on. EventBridge receives "AWS API Call
// via CloudTrail" events only from Regions a logging trail covers
// (EventBridge User Guide, "AWS service events delivered via AWS
// CloudTrail"), so with other Regions forwarded (forwarded) only a
// multi-Region trail will do — an organization trail seen from a member is
// one too; without, a single-Region trail homed in home, where the
// partition's global service events (IAM, sign-in) are recorded, also
// serves. rootguard's own trail from an earlier deploy is kept; any other
// such trail is reused and guarded, because a second management trail costs
// money.
func ChooseTrail(ctx context.Context, ct trailAPI, home string, names stack.Names, forwarded bool) (TrailChoice, error) {
	out, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return TrailChoice{}, fmt.Errorf("list trails: %w", err)
	}
	for _, t := range out.TrailList {
		if aws.ToString(t.Name) == names.Trail() {
			return TrailChoice{Create: true, Organization: aws.ToBool(t.IsOrganizationTrail)}, nil
		}
	}
	for _, t := range out.TrailList {
		if !coversRegions(t, home, forwarded) {
			continue
		}
		logs, err := logsManagement(ctx, ct, t)
		if err != nil {
			return TrailChoice{}, err
		}
		if logs {
			return TrailChoice{Existing: aws.ToString(t.Name), Organization: aws.ToBool(t.IsOrganizationTrail)}, nil
		}
	}
	return TrailChoice{Create: true}, nil
}

// RecordsEverywhere reports whether a logging trail records the account's
// management events in every Region: its own multi-Region trail, or an
// organization trail that applies to it (seen from the member as a shadow
// trail). ct is CloudTrail in the account.
func RecordsEverywhere(ctx context.Context, ct TrailAPI) (bool, error) {
	out, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("list trails: %w", err)
	}
	for _, t := range out.TrailList {
		if !aws.ToBool(t.IsMultiRegionTrail) {
			continue
		}
		logs, err := logsManagement(ctx, ct, t)
		if err != nil || logs {
			return logs, err
		}
	}
	return false, nil
}

// coversRegions: a multi-Region trail covers every enabled Region; a
// single-Region one covers home only, and global service events only when
// it includes them.
func coversRegions(t cttypes.Trail, home string, forwarded bool) bool {
	if aws.ToBool(t.IsMultiRegionTrail) {
		return true
	}
	return !forwarded && aws.ToString(t.HomeRegion) == home && aws.ToBool(t.IncludeGlobalServiceEvents)
}

// logsManagement reports whether the trail is logging and its selectors
// log management write events.
func logsManagement(ctx context.Context, ct trailAPI, t cttypes.Trail) (bool, error) {
	id := aws.ToString(t.TrailARN)
	if id == "" {
		id = aws.ToString(t.Name)
	}
	status, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: &id})
	if err != nil {
		return false, fmt.Errorf("read status of trail %s: %w", aws.ToString(t.Name), err)
	}
	if !aws.ToBool(status.IsLogging) {
		return false, nil
	}
	sel, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: &id})
	if err != nil {
		return false, fmt.Errorf("read event selectors of trail %s: %w", aws.ToString(t.Name), err)
	}
	return logsManagementEvents(sel), nil
}

func logsManagementEvents(sel *cloudtrail.GetEventSelectorsOutput) bool {
	for _, s := range sel.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && s.ReadWriteType != "ReadOnly" {
			return true
		}
	}
	for _, s := range sel.AdvancedEventSelectors {
		for _, f := range s.FieldSelectors {
			if aws.ToString(f.Field) == "eventCategory" && len(f.Equals) == 1 && f.Equals[0] == "Management" {
				return true
			}
		}
	}
	return false
}
