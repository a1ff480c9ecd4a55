package directory

import (
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/policy"
)

// Account is one AWS account: its root user, IAM users and roles, MFA
// devices and credential report.
type Account struct {
	ID    string
	Name  string
	Email string

	Dir        *Directory
	Root       *User
	Users      map[string]*User // by name
	Roles      map[string]*Role // by name
	VirtualMFA map[string]*MFADevice
	Aliases    []string
	Report     CredentialReport
	Suspended  bool
	Created    time.Time
}

// User is an IAM user or, with IsRoot set, the account's root user.
type User struct {
	Account *Account
	IsRoot  bool
	Name    string
	ID      string
	Created time.Time
	Login   *LoginProfile
	Keys    []*Key
	MFA     []*MFADevice
	Certs   []*SigningCert
	Allow   []string // nil allows every action
	// Policy is the user's identity policy when it was given one
	// (AddPolicyUser); Allow is then its Allow statements' actions.
	Policy []policy.Statement
}

// ARN is the user's ARN; the root user's is arn:aws:iam::<acct>:root.
func (u *User) ARN() string {
	if u.IsRoot {
		return "arn:aws:iam::" + u.Account.ID + ":root"
	}
	return "arn:aws:iam::" + u.Account.ID + ":user/" + u.Name
}

// UserName is the name IAM reports for the user; the root user's is the
// credential report's "<root_account>".
func (u *User) UserName() string {
	if u.IsRoot {
		return "<root_account>"
	}
	return u.Name
}

// Principal is who signs with the user's long-term keys.
func (u *User) Principal() emu.Principal {
	if u.IsRoot {
		return emu.Principal{Account: u.Account.ID, Type: emu.PrincipalRoot}
	}
	return emu.Principal{Account: u.Account.ID, Type: emu.PrincipalUser, Name: u.Name}
}

// LoginProfile is a console password.
type LoginProfile struct {
	Created  time.Time
	LastUsed time.Time // zero: never used
}

// Key is a long-term access key.
type Key struct {
	Owner       *User
	ID          string
	Secret      string
	Active      bool
	Created     time.Time
	LastUsed    time.Time // zero: never used
	LastService string
	LastRegion  string
}

// Status is IAM's Active or Inactive.
func (k *Key) Status() string {
	if k.Active {
		return "Active"
	}
	return "Inactive"
}

// MFAKind is the kind of an MFA device; it decides its serial number form.
type MFAKind string

const (
	// MFAVirtual serials are arn:aws:iam::<acct>:mfa/<name>.
	MFAVirtual MFAKind = "virtual"
	// MFAHardware (TOTP token) serials are the token's serial, e.g. GAHT12345678.
	MFAHardware MFAKind = "hardware"
	// MFAFIDO (passkey / security key) serials are arn:aws:iam::<acct>:u2f/….
	MFAFIDO MFAKind = "fido"
)

// MFADevice is an MFA device, assigned or (virtual only) not.
type MFADevice struct {
	Kind     MFAKind
	Serial   string
	Created  time.Time
	Enabled  time.Time
	Assigned *User // nil: an unassigned virtual device
}

// SigningCert is an X.509 signing certificate.
type SigningCert struct {
	ID       string
	Body     string
	Active   bool
	Uploaded time.Time
}

// Role is an IAM role.
type Role struct {
	Account         *Account
	Name            string
	ID              string
	Created         time.Time
	TrustPolicy     string
	TrustedAccounts map[string]bool
	Allow           []string
	// Policies are its inline policies: name → document.
	Policies map[string]string
}

// ARN is the role's ARN.
func (r *Role) ARN() string { return "arn:aws:iam::" + r.Account.ID + ":role/" + r.Name }

// CredentialReportBehavior makes report generation slow or refused, to test
// callers' polling.
type CredentialReportBehavior struct {
	// InProgressCalls is how many Generate/GetCredentialReport calls after
	// a generation starts still see it in progress (INPROGRESS /
	// ReportInProgress) before it completes.
	InProgressCalls int
	// NeverCompletes keeps every generation in progress.
	NeverCompletes bool
	// LimitExceededCalls is how many GenerateCredentialReport calls are
	// refused with LimitExceeded before one is accepted.
	LimitExceededCalls int
}

// CredentialReport is an account's credential report generation state.
type CredentialReport struct {
	Behavior      CredentialReportBehavior
	LimitExceeded int
	InProgress    bool
	Pending       int
	Content       []byte
	Generated     time.Time
}
