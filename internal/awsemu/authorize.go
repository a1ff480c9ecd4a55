package awsemu

import (
	"errors"
	"net/http"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/s3"
	"github.com/rootguard/rootguard/internal/awsemu/sts"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// authenticate resolves the access key of c to its principal and notes the
// key's use, as IAM does for last-used information.
func (s *Server) authenticate(c *Call) error {
	if c.accessKeyID == "" {
		return newAPIError(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	p, grant, err := s.dir.Authenticate(c.accessKeyID, c.Time, c.Service, c.Region)
	switch {
	case errors.Is(err, directory.ErrExpired):
		return newAPIError(http.StatusBadRequest, "ExpiredToken", "The security token included in the request is expired")
	case err != nil && c.Protocol == wire.JSON:
		return newAPIError(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	case err != nil:
		return newAPIError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	c.Caller = p
	c.record.Account = p.Account
	c.record.Principal = p.ARN()
	c.grant = grant
	return nil
}

// alwaysAllowed are actions no policy can deny (STS documents this for
// GetCallerIdentity).
var alwaysAllowed = map[string]bool{"sts:GetCallerIdentity": true}

// authorize enforces an AssumeRoot session's task policy (sts.TaskPolicyActions)
// and the caller's allow list on each IAM action the call needs (an S3
// call may need several: s3.Actions), then iam:PassRole on each role the
// call passes to a service (passrole.go), and notes the actions in the call
// log. For a principal given a policy document, iam:PassRole and the
// actions of scopedActions (resources.go) are evaluated with their
// resources and condition keys; every other action is checked by name
// only: the emulator does not evaluate IAM policies beyond these.
func (s *Server) authorize(c *Call) error {
	actions := []string{iamAction(c.Service, c.Action)}
	if c.Service == "s3" && c.Request != nil {
		actions = s3.Actions(c.Request, c.Body)
	}
	passed := passedRoles(c)
	if len(passed) > 0 {
		actions = append(actions, passRole)
	}
	c.record.IAMActions = actions
	for _, action := range actions {
		if action == passRole {
			continue
		}
		if err := s.allowed(c, action); err != nil {
			return err
		}
		if err := s.allowedOn(c, action); err != nil {
			return err
		}
	}
	for _, p := range passed {
		if err := s.allowedToPass(c, p); err != nil {
			return err
		}
	}
	if c.Service == "s3" {
		return s.buckets.Authorize(&c.Call, actions[0])
	}
	return nil
}

// allowed checks one IAM action against the task policy and allow list.
func (s *Server) allowed(c *Call, action string) error {
	if alwaysAllowed[action] {
		return nil
	}
	if c.Caller.TaskPolicyARN != "" {
		allowed, _ := sts.TaskPolicyActions(c.Caller.TaskPolicyARN)
		if !matchesAny(allowed, action) {
			return errAccessDenied(c, action, "on resource: "+c.Caller.ARN()+" with an explicit deny in an identity-based policy: "+c.Caller.TaskPolicyARN)
		}
		if c.Service == "iam" && c.Param("UserName") != "" {
			resource := "arn:aws:iam::" + c.Caller.Account + ":user/" + c.Param("UserName")
			return errAccessDenied(c, action, "on resource: "+resource+" with an explicit deny in an identity-based policy: "+c.Caller.TaskPolicyARN)
		}
	}
	if c.grant.Actions != nil && !matchesAny(c.grant.Actions, action) {
		return errAccessDenied(c, action, "because no identity-based policy allows the "+action+" action")
	}
	return nil
}

// iamActionPrefixes maps SigV4 signing names to IAM action prefixes where
// the two differ among the services the emulator authorizes.
var iamActionPrefixes = map[string]string{"monitoring": "cloudwatch"}

// operationActions are the operations whose IAM action is not named after
// them: Lambda's Invoke "requires permission for the lambda:InvokeFunction
// action" (AWS Lambda API Reference, Invoke), as does the deprecated
// InvokeAsync.
var operationActions = map[string]string{
	"lambda:Invoke":      "lambda:InvokeFunction",
	"lambda:InvokeAsync": "lambda:InvokeFunction",
}

// iamAction is the IAM action a call needs: CloudWatch signs as
// "monitoring" but its actions are "cloudwatch:…".
func iamAction(service, action string) string {
	if prefix, ok := iamActionPrefixes[service]; ok {
		service = prefix
	}
	if a, ok := operationActions[service+":"+action]; ok {
		return a
	}
	return service + ":" + action
}

// matchesAny reports whether action matches one of patterns, which may use
// IAM's * and ? wildcards ("iam:List*"). Matching is case-insensitive, as
// IAM action names are.
func matchesAny(patterns []string, action string) bool {
	action = strings.ToLower(action)
	for _, p := range patterns {
		if emu.WildcardMatch(strings.ToLower(p), action) {
			return true
		}
	}
	return false
}
