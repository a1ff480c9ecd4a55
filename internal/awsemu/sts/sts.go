// Package sts answers STS from awsemu's directory of accounts:
// GetCallerIdentity, AssumeRole (into roles whose trust policy names the
// caller's account) and AssumeRoot (task-scoped root sessions in member
// accounts, bounded by the root-task policies in taskpolicy.go, which the
// front enforces on every call of such a session).
package sts

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// service answers STS from the directory.
type service struct{ d *directory.Directory }

// Register answers the STS actions modelled on host, from d.
func Register(host emu.Host, d *directory.Directory) {
	s := &service{d}
	for action, h := range map[string]emu.Handler{
		"GetCallerIdentity": s.getCallerIdentity,
		"AssumeRole":        s.assumeRole,
		"AssumeRoot":        s.assumeRoot,
	} {
		host.Handle("sts", action, d.Locked(h))
	}
}

func (s *service) getCallerIdentity(c *emu.Call) error {
	p := c.Caller
	userID := p.Account
	switch p.Type {
	case emu.PrincipalUser:
		if u := s.d.Accounts[p.Account].Users[p.Name]; u != nil {
			userID = u.ID
		}
	case emu.PrincipalAssumedRole:
		if r := s.d.Accounts[p.Account].Roles[p.Name]; r != nil {
			userID = r.ID + ":" + p.Session
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

func (s *service) assumeRole(c *emu.Call) error {
	roleARN, session := c.Param("RoleArn"), c.Param("RoleSessionName")
	if session == "" {
		return emu.NewError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	denied := emu.NewError(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.Caller.ARN(), roleARN)
	if c.Caller.IsRoot() && c.Caller.TaskPolicyARN == "" {
		return emu.NewError(http.StatusForbidden, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	acct := s.d.Accounts[directory.ARNAccount(roleARN)]
	if acct == nil {
		return denied
	}
	r := acct.Roles[roleARN[strings.LastIndexByte(roleARN, '/')+1:]]
	if r == nil || !strings.Contains(roleARN, ":role/") || !r.TrustedAccounts[c.Caller.Account] {
		return denied
	}
	ttl, err := durationParam(c, 3600, 900, 43200)
	if err != nil {
		return err
	}
	p := emu.Principal{Account: acct.ID, Type: emu.PrincipalAssumedRole, Name: r.Name, Session: session}
	creds := s.d.IssueSession(p, r.Allow, ttl)
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
		}{r.ID + ":" + session, p.ARN()},
	})
}

// assumeRoot follows the STS API reference and the IAM user guide: only the
// management account or the delegated administrator for IAM may call it,
// never with root credentials, never on the global endpoint (which answers
// InvalidAction "Unknown Operation"), only for a member account, only with
// one of the root-task policies, and only once centralized root sessions are
// enabled. Sessions last at most 900 seconds.
func (s *service) assumeRoot(c *emu.Call) error {
	if c.GlobalEndpoint {
		return emu.NewError(http.StatusBadRequest, "InvalidAction", "Unknown Operation")
	}
	policyARN := c.Param("TaskPolicyArn.arn")
	target := RootTargetAccount(c.Param("TargetPrincipal"))
	deny := func(why string) error {
		return emu.NewError(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::%s:root %s", c.Caller.ARN(), target, why)
	}
	if c.Caller.IsRoot() {
		return deny("because root user credentials cannot call AssumeRoot")
	}
	o := s.d.Org
	if o == nil || !o.IsMember(c.Caller.Account) {
		return deny("because the caller's account is not in an organization")
	}
	if c.Caller.Account != o.Management.ID && !o.IsDelegatedAdmin(c.Caller.Account, directory.IAMServicePrincipal) {
		return deny("because only the management account or the delegated administrator for IAM can call AssumeRoot")
	}
	if _, ok := rootTaskPolicyName(policyARN); !ok {
		return deny("because " + policyARN + " is not a root-task policy")
	}
	if target == "" || !o.IsMember(target) || target == o.Management.ID {
		return deny("because the target is not a member account of the organization")
	}
	// Every privileged task runs in a root session, so each needs
	// RootSessions; the three task policies on root's credentials are
	// root credentials management and need RootCredentialsManagement too
	// (IAM API Reference, EnableOrganizationsRootSessions and
	// EnableOrganizationsRootCredentialsManagement; IAM User Guide, "Perform
	// a privileged task on an AWS Organizations member account").
	if !o.Features[directory.FeatureRootSessions] {
		return deny("because centralized root access (root sessions) is not enabled for the organization")
	}
	if name, _ := rootTaskPolicyName(policyARN); strings.HasPrefix(name, "IAM") && !o.Features[directory.FeatureRootCredentialsManagement] {
		return deny("because root credentials management is not enabled for the organization")
	}
	ttl, err := durationParam(c, 900, 0, 900)
	if err != nil {
		return err
	}
	creds := s.d.IssueSession(emu.Principal{Account: target, Type: emu.PrincipalRoot, TaskPolicyARN: policyARN}, nil, ttl)
	return c.Result(struct {
		Credentials stsCredentials
	}{credentialsXML(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, creds.Expires)})
}

// durationParam reads DurationSeconds within [min, max], def when absent.
func durationParam(c *emu.Call, def, minimum, maximum int) (time.Duration, error) {
	seconds := def
	if v := c.Param("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < minimum || n > maximum {
			return 0, emu.NewError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value between %d and %d", v, minimum, maximum)
		}
		seconds = n
	}
	return time.Duration(seconds) * time.Second, nil
}

// RootTargetAccount is the account AssumeRoot's TargetPrincipal names: an
// account ID or the member's root ARN.
func RootTargetAccount(principal string) string {
	if strings.HasPrefix(principal, "arn:") {
		return directory.ARNAccount(principal)
	}
	return principal
}
