package awsemu

import (
	"net/http"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// PrincipalType is the kind of identity behind an access key.
type PrincipalType string

const (
	PrincipalRoot        PrincipalType = "Root"
	PrincipalUser        PrincipalType = "IAMUser"
	PrincipalAssumedRole PrincipalType = "AssumedRole"
)

// Principal is who signed a request.
type Principal struct {
	Account string
	Type    PrincipalType
	Name    string // IAM user or role name; empty for root
	Session string // role session name
	// TaskPolicyARN is set on AssumeRoot sessions: the root-task policy that
	// bounds what the session may call.
	TaskPolicyARN string
}

// ARN is the principal's ARN as GetCallerIdentity reports it.
func (p Principal) ARN() string {
	switch p.Type {
	case PrincipalRoot:
		return "arn:aws:iam::" + p.Account + ":root"
	case PrincipalUser:
		return "arn:aws:iam::" + p.Account + ":user/" + p.Name
	case PrincipalAssumedRole:
		return "arn:aws:sts::" + p.Account + ":assumed-role/" + p.Name + "/" + p.Session
	}
	return ""
}

// IsRoot reports whether the principal is the account's root user, with its
// own credentials or in an AssumeRoot session.
func (p Principal) IsRoot() bool { return p.Type == PrincipalRoot }

// credential is an access key the front accepts: a long-term key of a user
// (root included) or temporary session credentials.
type credential struct {
	principal Principal
	secret    string
	token     string
	expires   time.Time  // zero for long-term keys
	key       *accessKey // long-term keys only
	allow     []string   // a role session's allow list; nil allows everything
}

// authenticate resolves the access key of c to its principal and notes the
// key's use, as IAM does for last-used information.
func (s *Server) authenticate(c *Call) error {
	if c.accessKeyID == "" {
		return newAPIError(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cred := s.keys[c.accessKeyID]
	if cred == nil || (cred.key != nil && !cred.key.active) {
		if c.protocol == wire.JSON {
			return newAPIError(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
		}
		return newAPIError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if !cred.expires.IsZero() && !s.now().Before(cred.expires) {
		return newAPIError(http.StatusBadRequest, "ExpiredToken", "The security token included in the request is expired")
	}
	c.Caller = cred.principal
	c.record.Account = cred.principal.Account
	c.record.Principal = cred.principal.ARN()
	if cred.key != nil {
		cred.key.lastUsed = c.Time
		cred.key.lastService = c.Service
		cred.key.lastRegion = c.Region
	}
	c.allow = cred.allow
	if cred.key != nil {
		c.allow = cred.key.owner.allow
	}
	return nil
}
