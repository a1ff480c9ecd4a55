// Package iam answers the IAM actions rootguard needs from awsemu's
// directory of accounts: the root user's surface in every account (account
// summary, credential report, access keys and their last use, MFA devices,
// login profile, signing certificates), the users and roles the tools
// create (CreateUser, CreateRole and the inline role policies
// CloudFormation's roles use), and centralized root access for the
// organization (ListOrganizationsFeatures, EnableOrganizationsRoot…).
// Every action runs under the directory's lock.
package iam

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// service answers IAM from the directory.
type service struct{ d *directory.Directory }

// Register answers the IAM actions modelled on host, from d.
func Register(host emu.Host, d *directory.Directory) {
	s := &service{d}
	for action, h := range map[string]emu.Handler{
		// account.go
		"GetAccountSummary":  s.getAccountSummary,
		"GetUser":            s.getUser,
		"CreateUser":         s.createUser,
		"CreateRole":         s.createRole,
		"ListAccountAliases": s.listAccountAliases,
		// credentials.go
		"GetLoginProfile":          s.getLoginProfile,
		"CreateLoginProfile":       s.createLoginProfile,
		"DeleteLoginProfile":       s.deleteLoginProfile,
		"ListSigningCertificates":  s.listSigningCertificates,
		"DeleteSigningCertificate": s.deleteSigningCertificate,
		// keys.go
		"ListAccessKeys":       s.listAccessKeys,
		"CreateAccessKey":      s.createAccessKey,
		"DeleteAccessKey":      s.deleteAccessKey,
		"UpdateAccessKey":      s.updateAccessKey,
		"GetAccessKeyLastUsed": s.getAccessKeyLastUsed,
		// mfa.go
		"ListMFADevices":         s.listMFADevices,
		"ListVirtualMFADevices":  s.listVirtualMFADevices,
		"CreateVirtualMFADevice": s.createVirtualMFADevice,
		"DeleteVirtualMFADevice": s.deleteVirtualMFADevice,
		"EnableMFADevice":        s.enableMFADevice,
		"DeactivateMFADevice":    s.deactivateMFADevice,
		// credreport.go
		"GenerateCredentialReport": s.generateCredentialReport,
		"GetCredentialReport":      s.getCredentialReport,
		// rolepolicy.go
		"PutRolePolicy":    s.putRolePolicy,
		"GetRolePolicy":    s.getRolePolicy,
		"DeleteRolePolicy": s.deleteRolePolicy,
		"DeleteRole":       s.deleteRole,
		// orgfeatures.go
		"ListOrganizationsFeatures":                    s.listOrganizationsFeatures,
		"EnableOrganizationsRootCredentialsManagement": s.enableRootFeature(directory.FeatureRootCredentialsManagement),
		"EnableOrganizationsRootSessions":              s.enableRootFeature(directory.FeatureRootSessions),
	} {
		host.Handle("iam", action, d.Locked(h))
	}
}

// subjectUser resolves the user an IAM call acts on: the named IAM user, or
// without UserName the caller itself (the root user for root credentials and
// AssumeRoot sessions). Role sessions must name a user, as in IAM.
func (s *service) subjectUser(c *emu.Call) (*directory.User, error) {
	a := s.d.Accounts[c.Caller.Account]
	name := c.Param("UserName")
	if name != "" {
		u := a.Users[name]
		if u == nil {
			return nil, errNoSuchEntity("The user with name %s cannot be found.", name)
		}
		return u, nil
	}
	switch c.Caller.Type {
	case emu.PrincipalRoot:
		return a.Root, nil
	case emu.PrincipalUser:
		if u := a.Users[c.Caller.Name]; u != nil {
			return u, nil
		}
		return nil, errNoSuchEntity("The user with name %s cannot be found.", c.Caller.Name)
	}
	return nil, errInvalidInput("Must specify userName when calling with non-User credentials")
}

// iamTime is the timestamp form of IAM's XML (ISO 8601, UTC).
func iamTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// optionalUserName is the UserName element IAM includes for IAM users and
// omits for the root user.
func optionalUserName(u *directory.User) string {
	if u.IsRoot {
		return ""
	}
	return u.Name
}

// pageOf returns the page of n items that Marker and MaxItems (default 100)
// select: [start, end), the next marker, and whether more remain.
func pageOf(c *emu.Call, n int) (start, end int, next string, err error) {
	maxItems := 100
	if v := c.Param("MaxItems"); v != "" {
		if maxItems, err = strconv.Atoi(v); err != nil || maxItems < 1 || maxItems > 1000 {
			return 0, 0, "", errInvalidInput("MaxItems must be between 1 and 1000")
		}
	}
	if m := c.Param("Marker"); m != "" {
		raw, decodeErr := base64.RawURLEncoding.DecodeString(m)
		if start, err = strconv.Atoi(string(raw)); decodeErr != nil || err != nil || start < 0 || start > n {
			return 0, 0, "", errInvalidInput("Invalid Marker")
		}
	}
	end = min(start+maxItems, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return start, end, next, nil
}

// listPage is the pagination tail of IAM list results.
type listPage struct {
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func newListPage(next string) listPage { return listPage{IsTruncated: next != "", Marker: next} }

func errEntityAlreadyExists(format string, args ...any) *emu.Error {
	return emu.NewError(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func errNoSuchEntity(format string, args ...any) *emu.Error {
	return emu.NewError(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func errInvalidInput(format string, args ...any) *emu.Error {
	return emu.NewError(http.StatusBadRequest, "InvalidInput", format, args...)
}
