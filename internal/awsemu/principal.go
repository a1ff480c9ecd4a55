package awsemu

import (
	"net/http"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// Principal is who signed a request.
type Principal = emu.Principal

// PrincipalType is the kind of identity behind an access key.
type PrincipalType = emu.PrincipalType

const (
	PrincipalRoot        = emu.PrincipalRoot
	PrincipalUser        = emu.PrincipalUser
	PrincipalAssumedRole = emu.PrincipalAssumedRole
)

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
		if c.Protocol == wire.JSON {
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
