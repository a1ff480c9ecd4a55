// Package directory is the emulator's model of who is who: the accounts,
// each with its root user, IAM users and roles, their credentials (access
// keys, passwords, MFA devices, signing certificates) and credential
// report state; the access keys and session credentials the front accepts;
// and the organization. The IAM, STS and Organizations packages answer
// their APIs from it, the front authenticates callers against it, and
// awsemu's seeding API (AddAccount, AddUser, AddAccessKey, …) fills it.
//
// One mutex guards the whole model. Handlers run under it (Locked); the
// seeding methods take it themselves; exported fields are read and
// written only with it held.
package directory

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/policy"
)

// Directory is one emulator's accounts, credentials and organization.
type Directory struct {
	mu sync.Mutex
	// Accounts by ID.
	Accounts map[string]*Account
	// Keys are the credentials the front accepts, by access key ID.
	Keys map[string]*Credential
	// Org is the organization, nil while accounts stand alone.
	Org *Organization
	// Now is the emulator's clock.
	Now func() time.Time
	// Moved, when set, is called after an account joins, moves within or
	// leaves (to "") the organization, outside the lock.
	Moved func(account, to string)
}

// New is an empty directory on the clock now.
func New(now func() time.Time) *Directory {
	return &Directory{Accounts: map[string]*Account{}, Keys: map[string]*Credential{}, Now: now}
}

// Lock takes the model's mutex.
func (d *Directory) Lock() { d.mu.Lock() }

// Unlock releases the model's mutex.
func (d *Directory) Unlock() { d.mu.Unlock() }

// Locked runs h holding the model's mutex.
func (d *Directory) Locked(h emu.Handler) emu.Handler {
	return func(c *emu.Call) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		return h(c)
	}
}

// Credential is an access key the front accepts: a long-term key of a user
// (root included) or temporary session credentials.
type Credential struct {
	Principal emu.Principal
	Secret    string
	Token     string
	Expires   time.Time // zero for long-term keys
	Key       *Key      // long-term keys only
	Allow     []string  // a role session's allow list; nil allows everything
	// Policy is the session's identity policy where its principal was given
	// one (a CloudFormation session of such a caller); see Grant.
	Policy []policy.Statement
}

// Grant is what a principal may do: Actions is the allow list every call's
// action is checked against (nil allows everything); Policy, when the
// principal was given an identity policy document, is its statements, which
// the front evaluates with resources and conditions where it authorizes by
// resource (iam:PassRole). Without Policy the allow list holds for every
// resource.
type Grant struct {
	Actions []string
	Policy  []policy.Statement
}

var (
	// ErrUnknownKey: the access key does not exist or is inactive.
	ErrUnknownKey = errors.New("unknown access key")
	// ErrExpired: the session's credentials have expired.
	ErrExpired = errors.New("expired token")
)

// Authenticate resolves accessKeyID to its principal and what the caller
// may do, and notes a long-term key's use at,
// for service in region, as IAM does for last-used information.
func (d *Directory) Authenticate(accessKeyID string, at time.Time, service, region string) (emu.Principal, Grant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cred := d.Keys[accessKeyID]
	if cred == nil || (cred.Key != nil && !cred.Key.Active) {
		return emu.Principal{}, Grant{}, ErrUnknownKey
	}
	if !cred.Expires.IsZero() && !d.Now().Before(cred.Expires) {
		return emu.Principal{}, Grant{}, ErrExpired
	}
	if cred.Key != nil {
		cred.Key.LastUsed = at
		cred.Key.LastService = service
		cred.Key.LastRegion = region
		return cred.Principal, Grant{cred.Key.Owner.Allow, cred.Key.Owner.Policy}, nil
	}
	return cred.Principal, Grant{cred.Allow, cred.Policy}, nil
}

// Session issues temporary credentials for p that may do what g grants
// (the zero Grant allows everything), valid for ttl.
func (d *Directory) Session(p emu.Principal, g Grant, ttl time.Duration) aws.Credentials {
	d.mu.Lock()
	defer d.mu.Unlock()
	creds := d.IssueSession(p, g.Actions, ttl)
	d.Keys[creds.AccessKeyID].Policy = g.Policy
	return creds
}

// IssueSession is Session with the lock held.
func (d *Directory) IssueSession(p emu.Principal, allow []string, ttl time.Duration) aws.Credentials {
	id, secret, token := NewAccessKeyID("ASIA"), newSecret(), newSessionToken()
	expires := d.Now().Add(ttl)
	d.Keys[id] = &Credential{Principal: p, Secret: secret, Token: token, Expires: expires, Allow: allow}
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: expires, Source: "awsemu"}
}

// OrgID is the ID of the organization account belongs to, or "".
func (d *Directory) OrgID(account string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.Org == nil || !d.Org.IsMember(account) {
		return ""
	}
	return d.Org.ID
}

// ARNAccount is the account field of an ARN (arn:aws:iam::<acct>:role/x).
func ARNAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
