package stack

import (
	"fmt"

	"github.com/rootguard/rootguard/internal/account"
)

// Forwarder is the stack in region that forwards root activity to the
// default bus in the home Region of region's partition, through the role the
// hub stack created for region. allManagementEvents must match the hub's AllManagementEvents: a
// rule in the plain ENABLED state never sees read-only calls, so it could
// not forward them.
func Forwarder(prefix, region string, allManagementEvents bool) (*Template, error) {
	p := account.PartitionOfRegion(region)
	o := HubOptions{Prefix: prefix, ForwardRegions: []string{region}, Partition: p}
	if err := o.validate(); err != nil {
		return nil, err
	}
	n := Names{o.prefix()}
	home := p.HomeRegion
	return &Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              fmt.Sprintf("rootguard: forward root activity in %s to %s", region, home),
		Resources: map[string]Resource{
			"ForwardRule": {
				Type: "AWS::Events::Rule",
				Properties: map[string]any{
					"Name":         n.ForwardRule(),
					"Description":  "rootguard: forward root activity to " + home,
					"EventBusName": "default",
					"State":        ruleState(allManagementEvents),
					"EventPattern": ForwardPattern(),
					"Targets": []any{map[string]any{
						"Id":      "home-bus",
						"Arn":     Sub("arn:${AWS::Partition}:events:" + home + ":${AWS::AccountId}:event-bus/default"),
						"RoleArn": Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + n.ForwardRole(region)),
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
