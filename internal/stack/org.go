package stack

import (
	"fmt"
	"strings"

	"github.com/rootguard/rootguard/internal/account"
)

// Logical IDs of the organization's hub resources and of the spoke.
const (
	LogicalOrgBus    = "OrgEventBus"
	LogicalOrgRule   = "OrgRootActivityRule"
	LogicalSpokeRule = "SpokeRule"
	LogicalSpokeRole = "SpokeRole"
	// LogicalPostureImportRole is the role the hub's posture auditor
	// assumes in a member to import its findings into its Security Hub.
	LogicalPostureImportRole = "PostureImportRole"
	// ConditionPostureRegion holds in the partition's home Region only: IAM
	// is global, so one stack instance per account creates the role.
	ConditionPostureRegion = "InPostureRegion"
)

// SpokeTargetID is the ID of the spoke rule's target, the hub bus.
const SpokeTargetID = "hub-bus"

// OrgBusARN is the hub's organization event bus in hubAccount, in the
// partition's home Region.
func (n Names) OrgBusARN(p account.Partition, hubAccount string) string {
	return p.ARN("events", p.HomeRegion, hubAccount, "event-bus/"+n.OrgBus())
}

// addOrgBus adds the bus member accounts' spokes put root activity on, open
// to the organization's principals only, and the rule sending it to the
// alert queue. Only root activity crosses accounts: tampering patterns name
// the hub's own resources.
func addOrgBus(t *Template, n Names, orgID string, allManagementEvents bool) {
	busARN := Sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/" + n.OrgBus())
	t.Resources[LogicalOrgBus] = Resource{
		Type: "AWS::Events::EventBus",
		Properties: map[string]any{
			"Name": n.OrgBus(),
			"Policy": policy(Statement{
				Sid:       "OrganizationPutsEvents",
				Effect:    "Allow",
				Principal: "*",
				Action:    []string{"events:PutEvents"},
				Resource:  []any{busARN},
				Condition: map[string]map[string]any{"StringEquals": {"aws:PrincipalOrgID": orgID}},
			}),
			"Tags": managedTags(),
		},
	}
	t.Resources[LogicalOrgRule] = Resource{
		Type: "AWS::Events::Rule",
		Properties: map[string]any{
			"Name":         n.OrgRule(),
			"Description":  "rootguard: root activity forwarded by the organization's accounts",
			"EventBusName": Ref(LogicalOrgBus),
			"State":        ruleState(allManagementEvents),
			"EventPattern": ForwardPattern(),
			"Targets":      []any{queueTarget()},
		},
	}
	t.Outputs["OrgEventBusArn"] = Output{"Event bus the organization's spokes forward root activity to", GetAtt(LogicalOrgBus, "Arn")}
}

// queueSenders are the rules the queue policy lets send: the hub's own rule
// and, in an organization's hub, the rule on the organization bus.
func queueSenders(ruleARN any, org bool) any {
	if !org {
		return ruleARN
	}
	return []any{ruleARN, GetAtt(LogicalOrgRule, "Arn")}
}

// validOrgID accepts o- followed by 10 to 32 lowercase letters or digits.
func validOrgID(id string) bool {
	rest, ok := strings.CutPrefix(id, "o-")
	return ok && len(rest) >= 10 && len(rest) <= 32 && strings.Trim(rest, "abcdefghijklmnopqrstuvwxyz0123456789") == ""
}

// Spoke is the stack a service-managed StackSet puts in every member
// account and chosen region: a rule on the default bus forwarding root
// activity (the same pattern as the hub's forwarders) to the hub's
// organization bus in hubAccount, and the role EventBridge needs for a
// cross-account target, allowed to put events on that bus only. One
// template serves every region; the role's name carries the region because
// IAM names are global. Of o, Spoke uses Prefix, AllManagementEvents and
// Partition (the hub's bus is in the partition's home Region).
func Spoke(o HubOptions, hubAccount string) (*Template, error) {
	o = HubOptions{Prefix: o.Prefix, AllManagementEvents: o.AllManagementEvents, Partition: o.Partition}
	if err := o.validate(); err != nil {
		return nil, err
	}
	if len(hubAccount) != 12 || strings.Trim(hubAccount, "0123456789") != "" {
		return nil, fmt.Errorf("hub account %q is not a 12-digit account ID", hubAccount)
	}
	n := Names{o.prefix()}
	p := o.partition()
	busARN := "arn:${AWS::Partition}:events:" + p.HomeRegion + ":" + hubAccount + ":event-bus/" + n.OrgBus()
	trust := assumeBy(p, "events")
	trust.Statement[0].Condition = map[string]map[string]any{
		"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")},
		"ArnEquals":    {"aws:SourceArn": Sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/" + n.SpokeRule())},
	}
	return &Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              fmt.Sprintf("rootguard: forward this account's root activity to the organization's hub in %s (%s)", hubAccount, p.HomeRegion),
		Conditions:               map[string]any{ConditionPostureRegion: map[string]any{"Fn::Equals": []any{Ref("AWS::Region"), p.HomeRegion}}},
		Resources: map[string]Resource{
			LogicalPostureImportRole: postureImportRole(n, hubAccount),
			LogicalSpokeRole: {
				Type: "AWS::IAM::Role",
				Properties: map[string]any{
					"RoleName":                 Sub(n.SpokeRole()),
					"Description":              "rootguard: put root activity on the organization's hub bus",
					"AssumeRolePolicyDocument": trust,
					"Policies": []any{map[string]any{
						"PolicyName": "put-on-hub-bus",
						"PolicyDocument": policy(Statement{
							Sid:      "PutOnHubBus",
							Effect:   "Allow",
							Action:   []string{"events:PutEvents"},
							Resource: []any{Sub(busARN)},
						}),
					}},
					"Tags": managedTags(),
				},
			},
			LogicalSpokeRule: {
				Type: "AWS::Events::Rule",
				Properties: map[string]any{
					"Name":         n.SpokeRule(),
					"Description":  "rootguard: forward root activity to the organization's hub",
					"EventBusName": "default",
					"State":        ruleState(o.AllManagementEvents),
					"EventPattern": ForwardPattern(),
					"Targets": []any{map[string]any{
						"Id":      SpokeTargetID,
						"Arn":     Sub(busARN),
						"RoleArn": GetAtt(LogicalSpokeRole, "Arn"),
						"RetryPolicy": map[string]any{
							"MaximumRetryAttempts":     ruleRetryAttempts,
							"MaximumEventAgeInSeconds": ruleMaxEventAge,
						},
					}},
				},
			},
		},
	}, nil
}

// postureImportRole lets the hub's posture auditor import this account's
// findings (`posture run --security-hub`): BatchImportFindings into the
// account's own default product must be called from the account itself
// (Security Hub API Reference, BatchImportFindings:
// https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html),
// so the auditor assumes this role in each member. The role may do nothing
// else: the one action, on the product resource type
// arn:${Partition}:securityhub:${Region}:${Account}:product/${Company}/${ProductId}
// (Service Authorization Reference, "Actions, resources, and condition keys
// for AWS Security Hub":
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html),
// narrowed to this account's default product in the Region the auditor runs
// in, the partition's home Region, the only one whose stack instance
// creates the role.
//
// The trust names the auditor's execution role by a fixed name in the hub
// account, through aws:PrincipalArn on the hub account's principal rather
// than as the principal itself: a role ARN principal must exist when the
// trust policy is saved and is pinned to that role's unique ID, so the
// spoke (deployed by `alert deploy --org`) could not be created before the
// posture stack, and a redeployed auditor role would no longer be trusted
// (IAM User Guide, "AWS JSON policy elements: Principal", role principals:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
func postureImportRole(n Names, hubAccount string) Resource {
	trust := policy(Statement{
		Sid:       "AssumedByTheHubsPostureAuditor",
		Effect:    "Allow",
		Principal: map[string]any{"AWS": Sub("arn:${AWS::Partition}:iam::" + hubAccount + ":root")},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{"ArnEquals": {"aws:PrincipalArn": Sub("arn:${AWS::Partition}:iam::" + hubAccount + ":role/" + n.PostureFunctionRole())}},
	})
	return Resource{
		Type:      "AWS::IAM::Role",
		Condition: ConditionPostureRegion,
		Properties: map[string]any{
			"RoleName":                 n.PostureImportRole(),
			"Description":              "rootguard: import this account's root posture findings into its own Security Hub, for the hub's posture auditor",
			"AssumeRolePolicyDocument": trust,
			"Policies": []any{map[string]any{
				"PolicyName": "import-own-findings",
				"PolicyDocument": policy(Statement{
					Sid:      "ImportIntoThisAccountsDefaultProduct",
					Effect:   "Allow",
					Action:   []string{"securityhub:BatchImportFindings"},
					Resource: []any{Sub("arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default")},
				}),
			}},
			"Tags": managedTags(),
		},
	}
}
