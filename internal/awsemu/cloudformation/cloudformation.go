// Package cloudformation is the local AWS's CloudFormation: stacks made
// through change sets (create, update, delete, rollback on the first
// failure), stack events and resources, GetTemplate, ValidateTemplate,
// templates in JSON or YAML with the intrinsics rootguard's stacks use, and
// service-managed StackSets with automatic deployment. Stacks are per
// account and region.
//
// Resources are provisioned through the front's own APIs with SDK clients
// signed as the caller (with the caller's permissions), as CloudFormation
// does without a service role, so a stack's queue, function or rule is the
// one every other API sees; a stack set's instances are stacks made the same
// way, signed as each target account's StackSets execution role.
package cloudformation

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Links is what CloudFormation reaches outside itself; awsemu's Server
// implements it.
type Links interface {
	// CallerConfig is an SDK configuration for the front in the call's
	// Region, signed with a session of the call's caller that keeps the
	// caller's permissions and lasts ttl.
	CallerConfig(c *emu.Call, ttl time.Duration) aws.Config
	// Config is an SDK configuration for the front in region, signed with
	// a session of p (a role) that lasts ttl.
	Config(p emu.Principal, region string, ttl time.Duration) aws.Config
	// Organization calls f with the organization (nil when there is none)
	// while the account and organization model is locked; f must not call
	// back into Links, and o is valid only during f.
	Organization(f func(o Org))
}

// Org is the organization as StackSets reads it.
type Org interface {
	// Root is the ID of the organization's root.
	Root() string
	// Management is the management account's ID.
	Management() string
	// IsMember reports whether account is in the organization (the
	// management account included).
	IsMember(account string) bool
	// Members lists the member accounts, the management account included.
	Members() []string
	// AccountParent is the root or OU that holds account.
	AccountParent(account string) (string, bool)
	// OUParent is the parent (root or OU) of the OU ou; false for the root
	// and unknown IDs.
	OUParent(ou string) (string, bool)
	// Active reports whether account exists and is not suspended.
	Active(account string) bool
	// TrustedAccess reports whether trusted access is enabled for the
	// service principal.
	TrustedAccess(principal string) bool
	// DelegatedAdmin reports whether account is a delegated administrator
	// for the service principal.
	DelegatedAdmin(account, principal string) bool
}

// CloudFormation is one emulator's CloudFormation.
type CloudFormation struct {
	stacks    *cfnService
	stackSets *stackSetService
}

// Register answers CloudFormation's API on h. Background work (applying
// change sets, stack set operations) stops when ctx ends.
func Register(ctx context.Context, h emu.Host, links Links) *CloudFormation {
	stacks := &cfnService{host: h, links: links, ctx: ctx, stacks: map[emu.Scope]map[string]*cfnStack{}}
	for action, handler := range map[string]emu.Handler{
		"CreateChangeSet":        stacks.createChangeSet,
		"DescribeChangeSet":      stacks.describeChangeSet,
		"ExecuteChangeSet":       stacks.executeChangeSet,
		"DeleteChangeSet":        stacks.deleteChangeSet,
		"DescribeStacks":         stacks.describeStacks,
		"DescribeStackEvents":    stacks.describeStackEvents,
		"DescribeStackResources": stacks.describeStackResources,
		"ListStackResources":     stacks.listStackResources,
		"GetTemplate":            stacks.getTemplate,
		"ValidateTemplate":       stacks.validateTemplate,
		"DeleteStack":            stacks.deleteStack,
	} {
		h.Handle("cloudformation", action, handler)
	}
	sets := &stackSetService{host: h, links: links, ctx: ctx, sets: map[emu.Scope]map[string]*stackSet{}}
	for action, handler := range map[string]emu.Handler{
		"CreateStackSet":            sets.createStackSet,
		"DescribeStackSet":          sets.describeStackSet,
		"UpdateStackSet":            sets.updateStackSet,
		"DeleteStackSet":            sets.deleteStackSet,
		"CreateStackInstances":      sets.createStackInstances,
		"DeleteStackInstances":      sets.deleteStackInstances,
		"ListStackInstances":        sets.listStackInstances,
		"DescribeStackSetOperation": sets.describeStackSetOperation,
		"ListStackSetOperations":    sets.listStackSetOperations,
	} {
		h.Handle("cloudformation", action, handler)
	}
	return &CloudFormation{stacks: stacks, stackSets: sets}
}

// AccountMoved applies StackSets' automatic deployment after account moved
// to the root or OU to, or left the organization (to ""). The organization
// calls it after each move, outside the model's lock.
func (cf *CloudFormation) AccountMoved(account, to string) {
	cf.stackSets.accountMoved(account, to)
}
