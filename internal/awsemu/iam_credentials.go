package awsemu

import (
	"net/http"
	"slices"
)

func (s *Server) registerLoginProfiles() {
	s.handle("iam", "GetLoginProfile", s.locked(s.getLoginProfile))
	s.handle("iam", "CreateLoginProfile", s.locked(s.createLoginProfile))
	s.handle("iam", "DeleteLoginProfile", s.locked(s.deleteLoginProfile))
	s.handle("iam", "ListSigningCertificates", s.locked(s.listSigningCertificates))
	s.handle("iam", "DeleteSigningCertificate", s.locked(s.deleteSigningCertificate))
}

func loginProfileMissing(u *User) error {
	name := u.name
	if u.root {
		name = u.account.ID
	}
	return errNoSuchEntity("Login Profile for User %s cannot be found.", name)
}

func (s *Server) getLoginProfile(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if u.login == nil {
		return loginProfileMissing(u)
	}
	type profile struct {
		UserName              string `xml:",omitempty"`
		CreateDate            string
		PasswordResetRequired bool
	}
	return c.Result(struct{ LoginProfile profile }{profile{optionalUserName(u), iamTime(u.login.created), false}})
}

// createLoginProfile follows the IAM API reference: in an sts:AssumeRoot
// session (IAMCreateRootUserPassword) the password "must be omitted"; the
// root user's e-mail owner then sets one through password recovery.
func (s *Server) createLoginProfile(c *Call) error {
	if c.Caller.TaskPolicyARN != "" && c.Param("Password") != "" {
		return newAPIError(http.StatusBadRequest, "ValidationError", "Password must be omitted when the request is made with an AssumeRoot session")
	}
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if u.login != nil {
		return errEntityAlreadyExists("Login Profile for user %s already exists.", u.name)
	}
	u.login = &loginProfile{created: s.now()}
	type profile struct {
		UserName              string `xml:",omitempty"`
		CreateDate            string
		PasswordResetRequired bool
	}
	return c.Result(struct{ LoginProfile profile }{profile{optionalUserName(u), iamTime(u.login.created), c.Param("PasswordResetRequired") == "true"}})
}

func (s *Server) deleteLoginProfile(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if u.login == nil {
		return loginProfileMissing(u)
	}
	u.login = nil
	return c.Result(nil)
}

func (s *Server) listSigningCertificates(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	start, end, next, err := pageOf(c, len(u.certs))
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
	for _, cert := range u.certs[start:end] {
		status := "Inactive"
		if cert.active {
			status = "Active"
		}
		members = append(members, certXML{optionalUserName(u), cert.id, cert.body, status, iamTime(cert.uploaded)})
	}
	return c.Result(struct {
		Certificates []certXML `xml:"Certificates>member"`
		listPage
	}{members, newListPage(next)})
}

func (s *Server) deleteSigningCertificate(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	id := c.Param("CertificateId")
	i := slices.IndexFunc(u.certs, func(cert *signingCert) bool { return cert.id == id })
	if i < 0 {
		return errNoSuchEntity("The Certificate with id %s cannot be found.", id)
	}
	u.certs = slices.Delete(u.certs, i, i+1)
	return c.Result(nil)
}
