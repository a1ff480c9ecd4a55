package iam

import (
	"net/http"
	"slices"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

func loginProfileMissing(u *directory.User) error {
	name := u.Name
	if u.IsRoot {
		name = u.Account.ID
	}
	return errNoSuchEntity("Login Profile for User %s cannot be found.", name)
}

func (s *service) getLoginProfile(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if u.Login == nil {
		return loginProfileMissing(u)
	}
	type profile struct {
		UserName              string `xml:",omitempty"`
		CreateDate            string
		PasswordResetRequired bool
	}
	return c.Result(struct{ LoginProfile profile }{profile{optionalUserName(u), iamTime(u.Login.Created), false}})
}

// createLoginProfile follows the IAM API reference: in an sts:AssumeRoot
// session (IAMCreateRootUserPassword) the password "must be omitted"; the
// root user's e-mail owner then sets one through password recovery.
func (s *service) createLoginProfile(c *emu.Call) error {
	if c.Caller.TaskPolicyARN != "" && c.Param("Password") != "" {
		return emu.NewError(http.StatusBadRequest, "ValidationError", "Password must be omitted when the request is made with an AssumeRoot session")
	}
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if u.Login != nil {
		return errEntityAlreadyExists("Login Profile for user %s already exists.", u.Name)
	}
	u.Login = &directory.LoginProfile{Created: s.d.Now()}
	type profile struct {
		UserName              string `xml:",omitempty"`
		CreateDate            string
		PasswordResetRequired bool
	}
	return c.Result(struct{ LoginProfile profile }{profile{optionalUserName(u), iamTime(u.Login.Created), c.Param("PasswordResetRequired") == "true"}})
}

func (s *service) deleteLoginProfile(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if u.Login == nil {
		return loginProfileMissing(u)
	}
	u.Login = nil
	return c.Result(nil)
}

func (s *service) listSigningCertificates(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	start, end, next, err := pageOf(c, len(u.Certs))
	if err != nil {
		return err
	}
	type certXML struct {
		UserName        string `xml:",omitempty"`
		CertificateID   string `xml:"CertificateId"`
		CertificateBody string
		Status          string
		UploadDate      string
	}
	var members []certXML
	for _, cert := range u.Certs[start:end] {
		status := "Inactive"
		if cert.Active {
			status = "Active"
		}
		members = append(members, certXML{optionalUserName(u), cert.ID, cert.Body, status, iamTime(cert.Uploaded)})
	}
	return c.Result(struct {
		Certificates []certXML `xml:"Certificates>member"`
		listPage
	}{members, newListPage(next)})
}

func (s *service) deleteSigningCertificate(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	id := c.Param("CertificateId")
	i := slices.IndexFunc(u.Certs, func(cert *directory.SigningCert) bool { return cert.ID == id })
	if i < 0 {
		return errNoSuchEntity("The Certificate with id %s cannot be found.", id)
	}
	u.Certs = slices.Delete(u.Certs, i, i+1)
	return c.Result(nil)
}
