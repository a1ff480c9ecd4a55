package awsemu

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (s *Server) registerSTS() {
	s.handle("sts", "GetCallerIdentity", s.locked(s.getCallerIdentity))
	s.handle("sts", "AssumeRole", s.locked(s.assumeRole))
	s.handle("sts", "AssumeRoot", s.locked(s.assumeRoot))
}

// locked runs h holding the model's mutex.
func (s *Server) locked(h Handler) Handler {
	return func(c *Call) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		return h(c)
	}
}

func (s *Server) getCallerIdentity(c *Call) error {
	p := c.Caller
	userID := p.Account
	switch p.Type {
	case PrincipalUser:
		if u := s.accounts[p.Account].users[p.Name]; u != nil {
			userID = u.id
		}
	case PrincipalAssumedRole:
		if r := s.accounts[p.Account].roles[p.Name]; r != nil {
			userID = r.id + ":" + p.Session
		}
	}
	return c.Result(struct {
		Arn     string
		UserID  string `xml:"UserId"`
		Account string
	}{p.ARN(), userID, p.Account})
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

func credentialsXML(id, secret, token string, expires time.Time) stsCredentials {
	return stsCredentials{id, secret, token, expires.UTC().Format(time.RFC3339)}
}

func (s *Server) assumeRole(c *Call) error {
	roleARN, session := c.Param("RoleArn"), c.Param("RoleSessionName")
	if session == "" {
		return newAPIError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	denied := newAPIError(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.Caller.ARN(), roleARN)
	if c.Caller.IsRoot() && c.Caller.TaskPolicyARN == "" {
		return newAPIError(http.StatusForbidden, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	acct := s.accounts[arnAccount(roleARN)]
	if acct == nil {
		return denied
	}
	r := acct.roles[roleARN[strings.LastIndexByte(roleARN, '/')+1:]]
	if r == nil || !strings.Contains(roleARN, ":role/") || !r.trustedAccounts[c.Caller.Account] {
		return denied
	}
	ttl, err := durationParam(c, 3600, 900, 43200)
	if err != nil {
		return err
	}
	p := Principal{Account: acct.ID, Type: PrincipalAssumedRole, Name: r.name, Session: session}
	creds := s.issueSession(p, r.allow, ttl)
	return c.Result(struct {
		Credentials     stsCredentials
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string
		}
	}{
		Credentials: credentialsXML(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, creds.Expires),
		AssumedRoleUser: struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string
		}{r.id + ":" + session, p.ARN()},
	})
}

// assumeRoot follows the STS API reference and the IAM user guide: only the
// management account or the delegated administrator for IAM may call it,
// never with root credentials, never on the global endpoint (which answers
// InvalidAction "Unknown Operation"), only for a member account, only with
// one of the root-task policies, and only once centralized root sessions are
// enabled. Sessions last at most 900 seconds.
func (s *Server) assumeRoot(c *Call) error {
	if c.GlobalEndpoint {
		return newAPIError(http.StatusBadRequest, "InvalidAction", "Unknown Operation")
	}
	policyARN := c.Param("TaskPolicyArn.arn")
	target := rootTargetAccount(c.Param("TargetPrincipal"))
	deny := func(why string) error {
		return newAPIError(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::%s:root %s", c.Caller.ARN(), target, why)
	}
	if c.Caller.IsRoot() {
		return deny("because root user credentials cannot call AssumeRoot")
	}
	o := s.org
	if o == nil || !o.isMember(c.Caller.Account) {
		return deny("because the caller's account is not in an organization")
	}
	if c.Caller.Account != o.management.ID && !o.isDelegatedAdmin(c.Caller.Account, iamServicePrincipal) {
		return deny("because only the management account or the delegated administrator for IAM can call AssumeRoot")
	}
	if _, ok := rootTaskPolicyName(policyARN); !ok {
		return deny("because " + policyARN + " is not a root-task policy")
	}
	if target == "" || !o.isMember(target) || target == o.management.ID {
		return deny("because the target is not a member account of the organization")
	}
	// Every privileged task runs in a root session, so each needs
	// RootSessions; the three task policies on root's credentials are
	// root credentials management and need RootCredentialsManagement too
	// (IAM API Reference, EnableOrganizationsRootSessions and
	// EnableOrganizationsRootCredentialsManagement; IAM User Guide, "Perform
	// a privileged task on an AWS Organizations member account").
	if !o.features[featureRootSessions] {
		return deny("because centralized root access (root sessions) is not enabled for the organization")
	}
	if name, _ := rootTaskPolicyName(policyARN); strings.HasPrefix(name, "IAM") && !o.features[featureRootCredentialsManagement] {
		return deny("because root credentials management is not enabled for the organization")
	}
	ttl, err := durationParam(c, 900, 0, 900)
	if err != nil {
		return err
	}
	creds := s.issueSession(Principal{Account: target, Type: PrincipalRoot, TaskPolicyARN: policyARN}, nil, ttl)
	return c.Result(struct {
		Credentials stsCredentials
	}{credentialsXML(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, creds.Expires)})
}

// durationParam reads DurationSeconds within [min, max], def when absent.
func durationParam(c *Call, def, minimum, maximum int) (time.Duration, error) {
	seconds := def
	if v := c.Param("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < minimum || n > maximum {
			return 0, newAPIError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", v, minimum, maximum)
		}
		seconds = n
	}
	return time.Duration(seconds) * time.Second, nil
}

// arnAccount is the account field of an ARN (arn:aws:iam::<acct>:role/x).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// rootTargetAccount accepts AssumeRoot's TargetPrincipal as an account ID or
// as the member's root ARN.
func rootTargetAccount(principal string) string {
	if strings.HasPrefix(principal, "arn:") {
		return arnAccount(principal)
	}
	return principal
}
