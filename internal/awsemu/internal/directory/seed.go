package directory

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu/internal/policy"
)

// AddAccount adds an account (or returns the existing one with that ID).
// Its root user exists from the start, with no credentials.
func (d *Directory) AddAccount(id, name string) *Account {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a := d.Accounts[id]; a != nil {
		return a
	}
	now := d.Now()
	a := &Account{
		ID:         id,
		Name:       name,
		Email:      name + "+" + id + "@example.com",
		Dir:        d,
		Users:      map[string]*User{},
		Roles:      map[string]*Role{},
		VirtualMFA: map[string]*MFADevice{},
		Created:    now,
	}
	a.Root = &User{Account: a, IsRoot: true, ID: id, Created: now}
	d.Accounts[id] = a
	return a
}

// Account returns the account with that ID, or nil.
func (d *Directory) Account(id string) *Account {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.Accounts[id]
}

// Suspend marks the account SUSPENDED in the organization.
func (a *Account) Suspend() {
	a.Dir.mu.Lock()
	defer a.Dir.mu.Unlock()
	a.Suspended = true
}

// AddAlias adds an account alias.
func (a *Account) AddAlias(alias string) {
	a.Dir.mu.Lock()
	defer a.Dir.mu.Unlock()
	a.Aliases = append(a.Aliases, alias)
}

// SetCredentialReportBehavior configures the account's report generation.
func (a *Account) SetCredentialReportBehavior(b CredentialReportBehavior) {
	a.Dir.mu.Lock()
	defer a.Dir.mu.Unlock()
	a.Report.Behavior = b
	a.Report.LimitExceeded = b.LimitExceededCalls
}

// AddUser adds an IAM user. allow, when given, is the only set of actions
// ("iam:List*", "sts:AssumeRole") the user may call; without it the user may
// call everything.
func (a *Account) AddUser(name string, allow ...string) *User {
	a.Dir.mu.Lock()
	defer a.Dir.mu.Unlock()
	return a.NewUser(name, allow)
}

// NewUser is AddUser with the lock held.
func (a *Account) NewUser(name string, allow []string) *User {
	if u := a.Users[name]; u != nil {
		return u
	}
	u := &User{Account: a, Name: name, ID: NewUniqueID("AIDA"), Created: a.Dir.Now(), Allow: allow}
	if len(allow) == 0 {
		u.Allow = nil
	}
	a.Users[name] = u
	return u
}

// AddPolicyUser adds an IAM user whose identity policy is stmts: every call
// is checked against the actions of its Allow statements, and iam:PassRole
// against its statements with resources and conditions (Grant).
func (a *Account) AddPolicyUser(name string, stmts []policy.Statement) *User {
	a.Dir.mu.Lock()
	defer a.Dir.mu.Unlock()
	u := a.NewUser(name, policy.Actions(stmts))
	if u.Allow == nil {
		// A policy that allows nothing allows nothing (NewUser reads an
		// empty allow list as "everything").
		u.Allow = []string{}
	}
	u.Policy = stmts
	return u
}

// AddRole adds a role that principals of trustedAccounts may assume (as a
// trust policy with "Principal": {"AWS": "arn:aws:iam::<acct>:root"} does).
func (a *Account) AddRole(name string, trustedAccounts ...string) {
	a.Dir.mu.Lock()
	defer a.Dir.mu.Unlock()
	trusted := map[string]bool{}
	for _, t := range trustedAccounts {
		trusted[t] = true
	}
	a.Roles[name] = &Role{Account: a, Name: name, ID: NewUniqueID("AROA"), Created: a.Dir.Now(),
		TrustPolicy: trustPolicyFor(trustedAccounts), TrustedAccounts: trusted, Policies: map[string]string{}}
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
	d := u.Account.Dir
	d.mu.Lock()
	defer d.mu.Unlock()
	k := u.NewAccessKey(spec)
	return aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret, Source: "awsemu"}
}

// NewAccessKey is AddAccessKey with the lock held.
func (u *User) NewAccessKey(spec AccessKey) *Key {
	d := u.Account.Dir
	k := &Key{Owner: u, ID: spec.ID, Secret: spec.Secret, Active: !spec.Inactive, Created: spec.Created,
		LastUsed: spec.LastUsed, LastService: spec.LastUsedService, LastRegion: spec.LastUsedRegion}
	if k.ID == "" {
		k.ID = NewAccessKeyID("AKIA")
	}
	if k.Secret == "" {
		k.Secret = newSecret()
	}
	if k.Created.IsZero() {
		k.Created = d.Now()
	}
	u.Keys = append(u.Keys, k)
	d.Keys[k.ID] = &Credential{Principal: u.Principal(), Secret: k.Secret, Key: k}
	return k
}

// SetPassword gives the user a console password (a login profile), created
// at created and last used at lastUsed (zero: never used).
func (u *User) SetPassword(created, lastUsed time.Time) {
	u.Account.Dir.mu.Lock()
	defer u.Account.Dir.mu.Unlock()
	u.Login = &LoginProfile{Created: created, LastUsed: lastUsed}
}

// AddMFADevice assigns an MFA device of kind to the user and returns its
// serial number in AWS's form for that kind.
func (u *User) AddMFADevice(kind MFAKind, name string) string {
	d := u.Account.Dir
	d.mu.Lock()
	defer d.mu.Unlock()
	dev := &MFADevice{Kind: kind, Serial: u.Account.MFASerial(kind, u, name), Created: d.Now(), Enabled: d.Now(), Assigned: u}
	u.MFA = append(u.MFA, dev)
	if kind == MFAVirtual {
		u.Account.VirtualMFA[dev.Serial] = dev
	}
	return dev.Serial
}

// MFASerial builds the serial number AWS gives a device of kind: virtual
// devices are ARNs under mfa/, FIDO devices ARNs under u2f/, hardware TOTP
// tokens carry their printed serial.
func (a *Account) MFASerial(kind MFAKind, u *User, name string) string {
	switch kind {
	case MFAHardware:
		if name != "" {
			return name
		}
		return "GAHT" + RandomString("0123456789", 8)
	case MFAFIDO:
		owner := "root"
		if !u.IsRoot {
			owner = "user/" + u.Name
		}
		return "arn:aws:iam::" + a.ID + ":u2f/" + owner + "/" + name + "-" + RandomString(UpperDigits, 26)
	default:
		return "arn:aws:iam::" + a.ID + ":mfa/" + name
	}
}

// AddSigningCertificate gives the user an X.509 signing certificate and
// returns its ID.
func (u *User) AddSigningCertificate(active bool) string {
	d := u.Account.Dir
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &SigningCert{ID: RandomString(UpperDigits, 32), Active: active, Uploaded: d.Now(),
		Body: "-----BEGIN CERTIFICATE-----\nMIIB" + RandomString(secretChars, 60) + "\n-----END CERTIFICATE-----"}
	u.Certs = append(u.Certs, c)
	return c.ID
}
