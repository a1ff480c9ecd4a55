package deploy

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/rootguard/rootguard/internal/stack"
)

// TrailChoice is whether the pipeline needs its own trail.
type TrailChoice struct {
	// Existing names a logging trail, not rootguard's, that already sends
	// management events in HomeRegion; empty when there is none.
	Existing string
	// Create is true when rootguard creates (or keeps) its own trail.
	Create bool
}

// ChooseTrail looks for a trail that already logs management events into
// HomeRegion (multi-region, or homed there). rootguard's own trail from an
// earlier deploy is kept; any other such trail is reused and guarded,
// because a second management trail costs money.
func ChooseTrail(ctx context.Context, ct trailAPI, names stack.Names) (TrailChoice, error) {
	out, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return TrailChoice{}, fmt.Errorf("list trails: %w", err)
	}
	for _, t := range out.TrailList {
		if aws.ToString(t.Name) == names.Trail() {
			return TrailChoice{Create: true}, nil
		}
	}
	for _, t := range out.TrailList {
		if !aws.ToBool(t.IsMultiRegionTrail) && aws.ToString(t.HomeRegion) != stack.HomeRegion {
			continue
		}
		id := aws.ToString(t.TrailARN)
		if id == "" {
			id = aws.ToString(t.Name)
		}
		status, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: &id})
		if err != nil {
			return TrailChoice{}, fmt.Errorf("read status of trail %s: %w", aws.ToString(t.Name), err)
		}
		if !aws.ToBool(status.IsLogging) {
			continue
		}
		sel, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: &id})
		if err != nil {
			return TrailChoice{}, fmt.Errorf("read event selectors of trail %s: %w", aws.ToString(t.Name), err)
		}
		if logsManagementEvents(sel) {
			return TrailChoice{Existing: aws.ToString(t.Name)}, nil
		}
	}
	return TrailChoice{Create: true}, nil
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
