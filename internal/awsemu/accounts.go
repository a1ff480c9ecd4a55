package awsemu

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/policy"
)

// The seeding API of the accounts, their IAM users and the organization.
// The model itself is package directory's (internal/directory), which the
// iam, sts and organizations packages answer from; Account, User and
// Organization are its seeding methods, and Account adds those of the other
// services (services_seed.go).

// Principal is who signed a request.
type Principal = emu.Principal

// PrincipalType is the kind of identity behind an access key.
type PrincipalType = emu.PrincipalType

const (
	PrincipalRoot        = emu.PrincipalRoot
	PrincipalUser        = emu.PrincipalUser
	PrincipalAssumedRole = emu.PrincipalAssumedRole
)

// AccessKey seeds an access key. Zero values get defaults: a generated ID
// and secret, Active, created now, never used.
type AccessKey = directory.AccessKey

// MFAKind is the kind of an MFA device; it decides its serial number form.
type MFAKind = directory.MFAKind

const (
	// MFAVirtual serials are arn:aws:iam::<acct>:mfa/<name>.
	MFAVirtual = directory.MFAVirtual
	// MFAHardware (TOTP token) serials are the token's serial, e.g. GAHT12345678.
	MFAHardware = directory.MFAHardware
	// MFAFIDO (passkey / security key) serials are arn:aws:iam::<acct>:u2f/….
	MFAFIDO = directory.MFAFIDO
)

// CredentialReportBehavior makes report generation slow or refused, to test
// callers' polling.
type CredentialReportBehavior = directory.CredentialReportBehavior

// Account is one AWS account of the emulator: its root user, IAM users and
// roles, MFA devices and credential report, and its resources in the other
// services. Seed it with its methods.
type Account struct {
	ID    string
	Name  string
	Email string

	a      *directory.Account
	server *Server
}

func (s *Server) account(a *directory.Account) *Account {
	if a == nil {
		return nil
	}
	return &Account{ID: a.ID, Name: a.Name, Email: a.Email, a: a, server: s}
}

// AddAccount adds an account (or returns the existing one with that ID).
// Its root user exists from the start, with no credentials.
func (s *Server) AddAccount(id, name string) *Account { return s.account(s.dir.AddAccount(id, name)) }

// Account returns the account with that ID, or nil.
func (s *Server) Account(id string) *Account { return s.account(s.dir.Account(id)) }

// Root is the account's root user.
func (a *Account) Root() *User { return &User{a.a.Root} }

// Suspend marks the account SUSPENDED in the organization.
func (a *Account) Suspend() { a.a.Suspend() }

// AddAlias adds an account alias.
func (a *Account) AddAlias(alias string) { a.a.AddAlias(alias) }

// AddUser adds an IAM user. allow, when given, is the only set of actions
// ("iam:List*", "sts:AssumeRole") the user may call; without it the user may
// call everything.
func (a *Account) AddUser(name string, allow ...string) *User {
	return &User{a.a.AddUser(name, allow...)}
}

// AddPolicyUser adds an IAM user whose permissions are the identity policy
// documents docs (docs/permissions/*.json): each call's action is checked
// against the actions their Allow statements name, and the roles a call
// passes (iam:PassRole: lambda:CreateFunction's Role, a rule target's or a
// schedule's RoleArn, also in what CloudFormation provisions as the user)
// against their statements with Resource and Condition evaluated, as are
// the actions of scopedActions (resources.go: STS AssumeRole/AssumeRoot,
// CloudFormation stacks, S3, SSM parameters, SQS queues, EventBridge
// PutEvents, Lambda CreateEventSourceMapping and functions, IAM roles,
// log groups, trails, SNS topics, schedules, EventBridge rules and buses)
// on the resources and condition keys the request carries. Other actions'
// resources and conditions are not evaluated.
func (a *Account) AddPolicyUser(name string, docs ...[]byte) (*User, error) {
	var stmts []policy.Statement
	for _, doc := range docs {
		s, err := policy.Parse(doc)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, s...)
	}
	return &User{a.a.AddPolicyUser(name, stmts)}, nil
}

// AddRole adds a role that principals of trustedAccounts may assume (as a
// trust policy with "Principal": {"AWS": "arn:aws:iam::<acct>:root"} does).
func (a *Account) AddRole(name string, trustedAccounts ...string) {
	a.a.AddRole(name, trustedAccounts...)
}

// SetCredentialReportBehavior configures the account's report generation.
func (a *Account) SetCredentialReportBehavior(b CredentialReportBehavior) {
	a.a.SetCredentialReportBehavior(b)
}

// User is an IAM user or the account's root user. Seed it with its methods.
type User struct{ u *directory.User }

// AddAccessKey gives the user a long-term access key and returns its
// credentials, which the front then accepts as this user.
func (u *User) AddAccessKey(spec AccessKey) aws.Credentials { return u.u.AddAccessKey(spec) }

// SetPassword gives the user a console password (a login profile), created
// at created and last used at lastUsed (zero: never used).
func (u *User) SetPassword(created, lastUsed time.Time) { u.u.SetPassword(created, lastUsed) }

// AddMFADevice assigns an MFA device of kind to the user and returns its
// serial number in AWS's form for that kind.
func (u *User) AddMFADevice(kind MFAKind, name string) string { return u.u.AddMFADevice(kind, name) }

// AddSigningCertificate gives the user an X.509 signing certificate and
// returns its ID.
func (u *User) AddSigningCertificate(active bool) string { return u.u.AddSigningCertificate(active) }

// Organization is the AWS Organization of the emulator (at most one per
// Server). Account IDs are those of the Server's accounts, so every service
// sees the same IDs.
type Organization struct {
	ID string

	o *directory.Organization
}

// CreateOrganization makes managementID (added if missing) the management
// account of a new organization with all features.
func (s *Server) CreateOrganization(managementID string) *Organization {
	o := s.dir.CreateOrganization(managementID)
	return &Organization{ID: o.ID, o: o}
}

// Organization returns the organization, or nil for standalone accounts.
func (s *Server) Organization() *Organization {
	o := s.dir.Organization()
	if o == nil {
		return nil
	}
	return &Organization{ID: o.ID, o: o}
}

// RootID is the ID of the organization's root (r-…).
func (o *Organization) RootID() string { return o.o.RootID }

// ManagementAccountID is the management account's ID.
func (o *Organization) ManagementAccountID() string { return o.o.Management.ID }

// AddOU creates an organizational unit under parentID and returns its ID.
func (o *Organization) AddOU(parentID, name string) string { return o.o.AddOU(parentID, name) }

// AddAccount makes a a member account under parentID (the root or an OU).
// Moving an account to another parent deploys or removes the stack
// instances of service-managed StackSets with automatic deployment.
func (o *Organization) AddAccount(a *Account, parentID string) { o.o.AddAccount(a.ID, parentID) }

// RemoveAccount takes accountID out of the organization.
func (o *Organization) RemoveAccount(accountID string) { o.o.RemoveAccount(accountID) }

// EnableServiceAccess enables trusted access for a service principal.
func (o *Organization) EnableServiceAccess(servicePrincipal string) {
	o.o.EnableServiceAccess(servicePrincipal)
}

// RegisterDelegatedAdministrator makes accountID a delegated administrator
// for servicePrincipal.
func (o *Organization) RegisterDelegatedAdministrator(accountID, servicePrincipal string) {
	o.o.RegisterDelegatedAdministrator(accountID, servicePrincipal)
}

// EnableCentralizedRootAccess enables IAM trusted access and the features
// given (RootCredentialsManagement, RootSessions), as the management
// account's administrator does in the IAM console.
func (o *Organization) EnableCentralizedRootAccess(features ...string) {
	o.o.EnableCentralizedRootAccess(features...)
}

// Credentials issues temporary credentials for the principal directly,
// without an STS call: a role session (Type AssumedRole) or an AssumeRoot
// session (Type Root with TaskPolicyARN). For tests that start inside a
// session.
func (s *Server) Credentials(p Principal, ttl time.Duration) aws.Credentials {
	return s.dir.Session(p, directory.Grant{}, ttl)
}
