package awsemu

import "time"

// Account is one AWS account of the emulator: its root user, IAM users and
// roles, MFA devices and credential report. All fields are guarded by the
// Server's mutex; use the methods.
type Account struct {
	ID    string
	Name  string
	Email string

	server     *Server
	root       *User
	users      map[string]*User // by name
	roles      map[string]*role // by name
	virtualMFA map[string]*mfaDevice
	aliases    []string
	report     credentialReport
	suspended  bool
	created    time.Time
}

// User is an IAM user or, with root set, the account's root user. Seed it
// with its methods; all state is guarded by the Server's mutex.
type User struct {
	account *Account
	root    bool
	name    string
	id      string
	created time.Time
	login   *loginProfile
	keys    []*accessKey
	mfa     []*mfaDevice
	certs   []*signingCert
	allow   []string // nil allows every action
}

func (u *User) arn() string {
	if u.root {
		return "arn:aws:iam::" + u.account.ID + ":root"
	}
	return "arn:aws:iam::" + u.account.ID + ":user/" + u.name
}

// userName is the name IAM reports for the user; the root user's is the
// credential report's "<root_account>".
func (u *User) userName() string {
	if u.root {
		return "<root_account>"
	}
	return u.name
}

type loginProfile struct {
	created  time.Time
	lastUsed time.Time // zero: never used
}

type accessKey struct {
	owner       *User
	id          string
	secret      string
	active      bool
	created     time.Time
	lastUsed    time.Time // zero: never used
	lastService string
	lastRegion  string
}

func (k *accessKey) status() string {
	if k.active {
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

type mfaDevice struct {
	kind     MFAKind
	serial   string
	created  time.Time
	enabled  time.Time
	assigned *User // nil: an unassigned virtual device
}

type signingCert struct {
	id       string
	body     string
	active   bool
	uploaded time.Time
}

type role struct {
	account         *Account
	name            string
	id              string
	created         time.Time
	trustPolicy     string
	trustedAccounts map[string]bool
	allow           []string
}

func (r *role) arn() string { return "arn:aws:iam::" + r.account.ID + ":role/" + r.name }
