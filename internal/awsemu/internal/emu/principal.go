package emu

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
