package stack

import "github.com/rootguard/rootguard/internal/account"

// PolicyDocument is an IAM policy (identity or resource based).
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement. Resource and Principal hold plain
// strings or intrinsic functions.
type Statement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []any                     `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

func policy(statements ...Statement) PolicyDocument {
	return PolicyDocument{Version: "2012-10-17", Statement: statements}
}

// servicePrincipal is {"Service": <the service's principal in p>}, service
// being the principal's first label ("events", "lambda", "cloudtrail").
func servicePrincipal(p account.Partition, service string) any {
	return map[string]string{"Service": p.ServicePrincipal(service)}
}
