package stack

import (
	"strings"

	"github.com/rootguard/rootguard/internal/account"
)

// DefaultPrefix starts the name of every resource rootguard deploys; the
// alert function guards resources named with it against tampering.
const DefaultPrefix = "rootguard"

// HomeRegion is the aws partition's home Region, where its pipeline lives:
// AWS delivers root sign-in events to EventBridge there only. Code that
// knows the caller's partition uses Partition.HomeRegion (HubOptions.Partition,
// account.Session.Home) instead; this name stays for the callers that do not
// yet.
var HomeRegion = account.DefaultRegion

// Names are the physical names of the pipeline's resources, all derived from
// one prefix so the function, the rule pattern and `alert status` agree.
type Names struct{ Prefix string }

// HubStack is the CloudFormation stack in HomeRegion.
func (n Names) HubStack() string { return n.Prefix + "-alert" }

// ForwarderStack is the stack in each other region that forwards root
// activity to HomeRegion.
func (n Names) ForwarderStack() string { return n.Prefix + "-alert-forward" }

// Function is the alert function.
func (n Names) Function() string { return n.Prefix + "-alert" }

// FunctionRole is the alert function's execution role.
func (n Names) FunctionRole() string { return n.Prefix + "-alert-function" }

// LogGroup is the alert function's log group.
func (n Names) LogGroup() string { return "/aws/lambda/" + n.Function() }

// Rule is the EventBridge rule in HomeRegion.
func (n Names) Rule() string { return n.Prefix + "-root-activity" }

// ForwardRule is the rule in another region that forwards to HomeRegion.
func (n Names) ForwardRule() string { return n.Prefix + "-root-activity-forward" }

// ForwardRole is the role EventBridge assumes in region to put events on
// HomeRegion's default bus; IAM names are global, so each region has one.
func (n Names) ForwardRole(region string) string { return n.Prefix + "-forward-" + region }

// ForwardRoleRegion is the region whose ForwardRole is role, if it is one:
// the hub stack's forwarding roles are the record of the regions it serves.
func (n Names) ForwardRoleRegion(role string) (string, bool) {
	region, ok := strings.CutPrefix(role, n.ForwardRole(""))
	return region, ok && region != ""
}

// OrgBus is the hub's event bus the organization's spokes forward to.
func (n Names) OrgBus() string { return n.Prefix + "-org" }

// OrgRule is the rule on OrgBus sending forwarded root activity to the queue.
func (n Names) OrgRule() string { return n.Prefix + "-org-root-activity" }

// SpokeStackSet is the service-managed StackSet of spokes.
func (n Names) SpokeStackSet() string { return n.Prefix + "-alert-spokes" }

// ManagementSpokeStack is the plain stack holding the spoke template in the
// management account, which the StackSet cannot reach.
func (n Names) ManagementSpokeStack() string { return n.Prefix + "-alert-spoke" }

// SpokeRule is the rule in each member account and region forwarding root
// activity to OrgBus.
func (n Names) SpokeRule() string { return n.Prefix + "-root-activity-spoke" }

// SpokeRole is the spoke rule's role, as a Fn::Sub string naming the region:
// one template serves every region, and IAM names are global.
func (n Names) SpokeRole() string { return n.Prefix + "-spoke-${AWS::Region}" }

// Queue is the queue between the rule and the function.
func (n Names) Queue() string { return n.Prefix + "-alerts" }

// DeadLetterQueue holds events the rule or the function could not deliver.
func (n Names) DeadLetterQueue() string { return n.Prefix + "-alerts-dlq" }

// Trail is the management-event trail, when rootguard creates one.
func (n Names) Trail() string { return n.Prefix + "-trail" }

// WebhookParameter is the SSM SecureString holding the Slack webhook URL.
func (n Names) WebhookParameter() string { return "/" + n.Prefix + "/slack-webhook" }

// ArtifactBucket holds the function's code, versioned; bucket names are
// global, so it carries the account and region.
func (n Names) ArtifactBucket(account, region string) string {
	return strings.ToLower(n.Prefix) + "-artifacts-" + account + "-" + region
}

// AlarmTopic receives the pipeline's alarms when --email is given.
func (n Names) AlarmTopic() string { return n.Prefix + "-alert-alarms" }
