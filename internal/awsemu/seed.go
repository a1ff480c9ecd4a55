package awsemu

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// AddAccount adds an account (or returns the existing one with that ID).
// Its root user exists from the start, with no credentials.
func (s *Server) AddAccount(id, name string) *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[id]; a != nil {
		return a
	}
	now := s.now()
	a := &Account{
		ID:         id,
		Name:       name,
		Email:      name + "+" + id + "@example.com",
		server:     s,
		users:      map[string]*User{},
		roles:      map[string]*role{},
		virtualMFA: map[string]*mfaDevice{},
		created:    now,
	}
	a.root = &User{account: a, root: true, id: id, created: now}
	s.accounts[id] = a
	return a
}

// Account returns the account with that ID, or nil.
func (s *Server) Account(id string) *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[id]
}

// Root is the account's root user.
func (a *Account) Root() *User { return a.root }

// Suspend marks the account SUSPENDED in the organization.
func (a *Account) Suspend() {
	a.server.mu.Lock()
	defer a.server.mu.Unlock()
	a.suspended = true
}

// AddAlias adds an account alias.
func (a *Account) AddAlias(alias string) {
	a.server.mu.Lock()
	defer a.server.mu.Unlock()
	a.aliases = append(a.aliases, alias)
}

// AddUser adds an IAM user. allow, when given, is the only set of actions
// ("iam:List*", "sts:AssumeRole") the user may call; without it the user may
// call everything.
func (a *Account) AddUser(name string, allow ...string) *User {
	a.server.mu.Lock()
	defer a.server.mu.Unlock()
	return a.addUser(name, allow)
}

func (a *Account) addUser(name string, allow []string) *User {
	if u := a.users[name]; u != nil {
		return u
	}
	u := &User{account: a, name: name, id: newUniqueID("AIDA"), created: a.server.now(), allow: allow}
	if len(allow) == 0 {
		u.allow = nil
	}
	a.users[name] = u
	return u
}

// AddRole adds a role that principals of trustedAccounts may assume (as a
// trust policy with "Principal": {"AWS": "arn:aws:iam::<acct>:root"} does).
func (a *Account) AddRole(name string, trustedAccounts ...string) {
	a.server.mu.Lock()
	defer a.server.mu.Unlock()
	trusted := map[string]bool{}
	for _, t := range trustedAccounts {
		trusted[t] = true
	}
	a.roles[name] = &role{account: a, name: name, id: newUniqueID("AROA"), created: a.server.now(),
		trustPolicy: trustPolicyFor(trustedAccounts), trustedAccounts: trusted}
}

func trustPolicyFor(accounts []string) string {
	principals := make([]string, len(accounts))
	for i, acct := range accounts {
		principals[i] = fmt.Sprintf("%q", "arn:aws:iam::"+acct+":root")
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[` +
		strings.Join(principals, ",") + `]},"Action":"sts:AssumeRole"}]}`
}

// AccessKey seeds an access key. Zero values get defaults: a generated ID
// and secret, Active, created now, never used.
type AccessKey struct {
	ID              string
	Secret          string
	Inactive        bool
	Created         time.Time
	LastUsed        time.Time
	LastUsedService string
	LastUsedRegion  string
}

// AddAccessKey gives the user a long-term access key and returns its
// credentials, which the front then accepts as this user.
func (u *User) AddAccessKey(spec AccessKey) aws.Credentials {
	s := u.account.server
	s.mu.Lock()
	defer s.mu.Unlock()
	k := u.addAccessKey(spec)
	return aws.Credentials{AccessKeyID: k.id, SecretAccessKey: k.secret, Source: "awsemu"}
}

func (u *User) addAccessKey(spec AccessKey) *accessKey {
	s := u.account.server
	k := &accessKey{owner: u, id: spec.ID, secret: spec.Secret, active: !spec.Inactive, created: spec.Created,
		lastUsed: spec.LastUsed, lastService: spec.LastUsedService, lastRegion: spec.LastUsedRegion}
	if k.id == "" {
		k.id = newAccessKeyID("AKIA")
	}
	if k.secret == "" {
		k.secret = newSecret()
	}
	if k.created.IsZero() {
		k.created = s.now()
	}
	u.keys = append(u.keys, k)
	s.keys[k.id] = &credential{principal: u.principal(), secret: k.secret, key: k}
	return k
}

func (u *User) principal() Principal {
	if u.root {
		return Principal{Account: u.account.ID, Type: PrincipalRoot}
	}
	return Principal{Account: u.account.ID, Type: PrincipalUser, Name: u.name}
}

// SetPassword gives the user a console password (a login profile), created
// at created and last used at lastUsed (zero: never used).
func (u *User) SetPassword(created, lastUsed time.Time) {
	u.account.server.mu.Lock()
	defer u.account.server.mu.Unlock()
	u.login = &loginProfile{created: created, lastUsed: lastUsed}
}

// AddMFADevice assigns an MFA device of kind to the user and returns its
// serial number in AWS's form for that kind.
func (u *User) AddMFADevice(kind MFAKind, name string) string {
	s := u.account.server
	s.mu.Lock()
	defer s.mu.Unlock()
	d := &mfaDevice{kind: kind, serial: u.account.mfaSerial(kind, u, name), created: s.now(), enabled: s.now(), assigned: u}
	u.mfa = append(u.mfa, d)
	if kind == MFAVirtual {
		u.account.virtualMFA[d.serial] = d
	}
	return d.serial
}

// mfaSerial builds the serial number AWS gives a device of kind: virtual
// devices are ARNs under mfa/, FIDO devices ARNs under u2f/, hardware TOTP
// tokens carry their printed serial.
func (a *Account) mfaSerial(kind MFAKind, u *User, name string) string {
	switch kind {
	case MFAHardware:
		if name != "" {
			return name
		}
		return "GAHT" + randomString("0123456789", 8)
	case MFAFIDO:
		owner := "root"
		if !u.root {
			owner = "user/" + u.name
		}
		return "arn:aws:iam::" + a.ID + ":u2f/" + owner + "/" + name + "-" + randomString(upperDigits, 26)
	default:
		return "arn:aws:iam::" + a.ID + ":mfa/" + name
	}
}

// AddSigningCertificate gives the user an X.509 signing certificate and
// returns its ID.
func (u *User) AddSigningCertificate(active bool) string {
	s := u.account.server
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &signingCert{id: randomString(upperDigits, 32), active: active, uploaded: s.now(),
		body: "-----BEGIN CERTIFICATE-----\nMIIB" + randomString(secretChars, 60) + "\n-----END CERTIFICATE-----"}
	u.certs = append(u.certs, c)
	return c.id
}

// Credentials issues temporary credentials for the principal directly,
// without an STS call: a role session (Type AssumedRole) or an AssumeRoot
// session (Type Root with TaskPolicyARN). For tests that start inside a
// session.
func (s *Server) Credentials(p Principal, ttl time.Duration) aws.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueSession(p, nil, ttl)
}

func (s *Server) issueSession(p Principal, allow []string, ttl time.Duration) aws.Credentials {
	id, secret, token := newAccessKeyID("ASIA"), newSecret(), newSessionToken()
	expires := s.now().Add(ttl)
	s.keys[id] = &credential{principal: p, secret: secret, token: token, expires: expires, allow: allow}
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: expires, Source: "awsemu"}
}
