package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/awserr"
)

// RemoveOrg deletes the spokes (every stack instance), the StackSet, then
// the hub in the hub account, as Remove does there. Without Approve it only
// reports what it would do.
func RemoveOrg(ctx context.Context, c OrgClients, o OrgOptions) (*Removal, error) {
	o = o.withDefaults()
	org, err := c.Org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", awserr.Classify(err))
	}
	if org.Organization == nil {
		return nil, errors.New("describe the organization: no organization in the answer")
	}
	callAs := cfntypes.CallAsSelf
	if c.Caller != aws.ToString(org.Organization.MasterAccountId) {
		callAs = cfntypes.CallAsDelegatedAdmin
	}
	hub := o.HubAccount
	if hub == "" {
		hub = c.Caller
	}
	n := names(o.Stack.Prefix)
	set := n.SpokeStackSet()
	home := c.partition().HomeRegion
	regions := o.regions(home)
	r := &Removal{}

	out, err := c.StackSets.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &set, CallAs: callAs})
	exists := err == nil
	if err != nil && awserr.Code(err) != "StackSetNotFoundException" {
		return nil, fmt.Errorf("describe StackSet %s: %w", set, awserr.Classify(err))
	}
	var ous []string
	var instances []InstanceResult
	if exists {
		ous = out.StackSet.OrganizationalUnitIds
		if instances, err = listInstances(ctx, c.StackSets, set, callAs); err != nil {
			return nil, err
		}
		for _, i := range instances {
			if !slices.Contains(regions, i.Region) {
				regions = append(regions, i.Region)
			}
		}
		if len(instances) > 0 {
			r.Delete = append(r.Delete, fmt.Sprintf("%d spoke stack instances of StackSet %s", len(instances), set))
		}
		r.Delete = append(r.Delete, "StackSet "+set)
	}
	if exists && o.Approve {
		if len(instances) > 0 {
			if len(ous) == 0 {
				roots, err := c.Org.ListRoots(ctx, &organizations.ListRootsInput{})
				if err != nil {
					return r, fmt.Errorf("list the organization's roots: %w", awserr.Classify(err))
				}
				for _, root := range roots.Roots {
					ous = append(ous, aws.ToString(root.Id))
				}
			}
			fmt.Fprintf(o.Progress, "Deleting %d spoke stack instances\n", len(instances))
			del, err := c.StackSets.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
				StackSetName: &set, Regions: regions, RetainStacks: aws.Bool(false), CallAs: callAs,
				DeploymentTargets:    &cfntypes.DeploymentTargets{OrganizationalUnitIds: ous},
				OperationPreferences: &cfntypes.StackSetOperationPreferences{MaxConcurrentCount: aws.Int32(spokeMaxConcurrent), FailureToleranceCount: aws.Int32(spokeFailureTolerance)},
			})
			if err != nil {
				return r, fmt.Errorf("delete instances of StackSet %s: %w", set, awserr.Classify(err))
			}
			if err := waitOperation(ctx, c.StackSets, set, aws.ToString(del.OperationId), callAs, o.poll()); err != nil {
				return r, err
			}
			left, err := listInstances(ctx, c.StackSets, set, callAs)
			if err != nil {
				return r, err
			}
			if len(left) > 0 {
				return r, fmt.Errorf("%d stack instances of StackSet %s could not be deleted (first: %s %s: %s); the StackSet and the hub are kept so they can be retried",
					len(left), set, left[0].Account, left[0].Region, left[0].Reason)
			}
		}
		fmt.Fprintf(o.Progress, "Deleting StackSet %s\n", set)
		if _, err := c.StackSets.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: &set, CallAs: callAs}); err != nil {
			return r, fmt.Errorf("delete StackSet %s: %w", set, awserr.Classify(err))
		}
	}

	hubClients, err := c.Hub(ctx, hub)
	if err != nil {
		return r, fmt.Errorf("reach hub account %s: %w", hub, err)
	}
	hubOpts := o.Options
	hubOpts.Stack.ForwardRegions = slices.DeleteFunc(regions, func(r string) bool { return r == home })
	hr, err := New(hubClients, hubOpts).Remove(ctx)
	if hr != nil {
		r.Delete = append(r.Delete, hr.Delete...)
		r.Keep = append(r.Keep, hr.Keep...)
	}
	if err != nil {
		return r, fmt.Errorf("hub account %s: %w", hub, err)
	}
	return r, nil
}
