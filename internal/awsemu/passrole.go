package awsemu

import (
	"encoding/json"

	"github.com/rootguard/rootguard/internal/awsemu/internal/policy"
)

// passRole is the action a caller needs to give a service a role: "To pass
// a role (and its permissions) to an AWS service, a user must have
// permissions to pass the role to the service" (IAM User Guide, "Grant a
// user permissions to pass a role to an AWS service":
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
// The request context then carries iam:PassedToService, the service
// principal receiving the role (IAM User Guide, "IAM and AWS STS condition
// context keys":
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html).
const passRole = "iam:PassRole"

// passed is one role a call gives a service.
type passed struct {
	role    string // the role's ARN as the request names it
	service string // the service principal receiving it (iam:PassedToService)
}

// passedRoles are the roles c passes, for the calls that take one and the
// emulator serves. The Service Authorization Reference's operations tables
// list iam:PassRole, with iam:PassedToService, beside each of them
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html:
// CreateSchedule needs iam:PassRole with iam:PassedToService
// scheduler.amazonaws.com; likewise Lambda's CreateFunction and
// UpdateFunctionConfiguration with the function's Role, to
// lambda.amazonaws.com; EventBridge's PutRule and PutTargets with a RoleArn,
// to events.amazonaws.com; CloudTrail's CreateTrail and UpdateTrail with
// CloudWatchLogsRoleArn, to cloudtrail.amazonaws.com; CloudFormation's
// stack operations with a service role (RoleARN) and a self-managed
// StackSet's AdministrationRoleARN, to cloudformation.amazonaws.com:
// "Before you specify a service role, ensure that you have permission to
// pass it (iam:PassRole)", CloudFormation User Guide, "CloudFormation
// service role",
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html).
// What CloudFormation provisions without a service role it provisions with
// the caller's credentials (cfnLinks.CallerConfig), so a stack's function,
// rule targets and schedules are checked here as the stack's caller.
func passedRoles(c *Call) []passed {
	switch c.Service + ":" + c.Action {
	case "lambda:CreateFunction", "lambda:UpdateFunctionConfiguration":
		var in struct{ Role string }
		if json.Unmarshal(c.Body, &in) == nil && in.Role != "" {
			return []passed{{in.Role, "lambda.amazonaws.com"}}
		}
	case "scheduler:CreateSchedule", "scheduler:UpdateSchedule":
		var in struct{ Target struct{ RoleArn string } }
		if json.Unmarshal(c.Body, &in) == nil && in.Target.RoleArn != "" {
			return []passed{{in.Target.RoleArn, "scheduler.amazonaws.com"}}
		}
	case "events:PutTargets":
		var in struct{ Targets []struct{ RoleArn string } }
		_ = json.Unmarshal(c.Body, &in)
		var out []passed
		for _, t := range in.Targets {
			if t.RoleArn != "" {
				out = append(out, passed{t.RoleArn, "events.amazonaws.com"})
			}
		}
		return out
	case "events:PutRule":
		var in struct{ RoleArn string }
		if json.Unmarshal(c.Body, &in) == nil && in.RoleArn != "" {
			return []passed{{in.RoleArn, "events.amazonaws.com"}}
		}
	case "cloudtrail:CreateTrail", "cloudtrail:UpdateTrail":
		var in struct{ CloudWatchLogsRoleArn string }
		if json.Unmarshal(c.Body, &in) == nil && in.CloudWatchLogsRoleArn != "" {
			return []passed{{in.CloudWatchLogsRoleArn, "cloudtrail.amazonaws.com"}}
		}
	case "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:CreateChangeSet", "cloudformation:DeleteStack":
		if r := c.Param("RoleARN"); r != "" {
			return []passed{{r, "cloudformation.amazonaws.com"}}
		}
	case "cloudformation:CreateStackSet", "cloudformation:UpdateStackSet":
		if r := c.Param("AdministrationRoleARN"); r != "" {
			return []passed{{r, "cloudformation.amazonaws.com"}}
		}
	}
	return nil
}

// allowedToPass checks iam:PassRole for one role c passes: the action by
// name (task policy, allow list), then, for a caller given an identity
// policy, its statements with the role's ARN as the resource and
// iam:PassedToService in the request context. Denied, it answers as AWS
// words it: "User: … is not authorized to perform: iam:PassRole on
// resource: arn:…:role/…" (Lambda Developer Guide, "Troubleshooting AWS
// Lambda identity and access": "I am not authorized to perform
// iam:PassRole",
// https://docs.aws.amazon.com/lambda/latest/dg/security_iam_troubleshoot.html).
func (s *Server) allowedToPass(c *Call, p passed) error {
	if c.Caller.TaskPolicyARN != "" {
		return s.allowed(c, passRole)
	}
	deny := errAccessDenied(c, passRole, "on resource: "+p.role+" because no identity-based policy allows the "+passRole+" action")
	if c.grant.Actions != nil && !matchesAny(c.grant.Actions, passRole) {
		return deny
	}
	if c.grant.Policy != nil && !policy.Allowed(c.grant.Policy, passRole, p.role, map[string]string{"iam:PassedToService": p.service}) {
		return deny
	}
	return nil
}
