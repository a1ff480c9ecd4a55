package awsemu

import (
	"encoding/base32"
	"net/http"
	"regexp"
	"slices"
	"sort"
)

func (s *Server) registerMFA() {
	s.handle("iam", "ListMFADevices", s.locked(s.listMFADevices))
	s.handle("iam", "ListVirtualMFADevices", s.locked(s.listVirtualMFADevices))
	s.handle("iam", "CreateVirtualMFADevice", s.locked(s.createVirtualMFADevice))
	s.handle("iam", "DeleteVirtualMFADevice", s.locked(s.deleteVirtualMFADevice))
	s.handle("iam", "EnableMFADevice", s.locked(s.enableMFADevice))
	s.handle("iam", "DeactivateMFADevice", s.locked(s.deactivateMFADevice))
}

type mfaDeviceXML struct {
	UserName     string
	SerialNumber string
	EnableDate   string
}

func (s *Server) listMFADevices(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	start, end, next, err := pageOf(c, len(u.mfa))
	if err != nil {
		return err
	}
	var members []mfaDeviceXML
	for _, d := range u.mfa[start:end] {
		// IAM names the root user by its account ID here.
		name := u.name
		if u.root {
			name = u.account.ID
		}
		members = append(members, mfaDeviceXML{name, d.serial, iamTime(d.enabled)})
	}
	return c.Result(struct {
		MFADevices []mfaDeviceXML `xml:"MFADevices>member"`
		listPage
	}{members, newListPage(next)})
}

type userXML struct {
	Path       string `xml:",omitempty"`
	UserName   string `xml:",omitempty"`
	UserID     string `xml:"UserId"`
	Arn        string
	CreateDate string
	// PasswordLastUsed is only present once the password was used.
	PasswordLastUsed string `xml:",omitempty"`
}

func userElement(u *User) userXML {
	x := userXML{UserID: u.id, Arn: u.arn(), CreateDate: iamTime(u.created)}
	if !u.root {
		x.Path, x.UserName = "/", u.name
	}
	if u.login != nil && !u.login.lastUsed.IsZero() {
		x.PasswordLastUsed = iamTime(u.login.lastUsed)
	}
	return x
}

// listVirtualMFADevices lists the account's virtual devices; a device
// assigned to the root user carries User.Arn = arn:aws:iam::<acct>:root.
func (s *Server) listVirtualMFADevices(c *Call) error {
	a := s.accounts[c.Caller.Account]
	status := c.Param("AssignmentStatus")
	if status == "" {
		status = "Any"
	}
	serials := make([]string, 0, len(a.virtualMFA))
	for serial, d := range a.virtualMFA {
		assigned := d.assigned != nil
		if status == "Any" || (status == "Assigned") == assigned {
			serials = append(serials, serial)
		}
	}
	sort.Strings(serials)
	start, end, next, err := pageOf(c, len(serials))
	if err != nil {
		return err
	}
	type virtualXML struct {
		SerialNumber string
		EnableDate   string   `xml:",omitempty"`
		User         *userXML `xml:",omitempty"`
	}
	var members []virtualXML
	for _, serial := range serials[start:end] {
		d := a.virtualMFA[serial]
		m := virtualXML{SerialNumber: serial}
		if d.assigned != nil {
			user := userElement(d.assigned)
			m.User, m.EnableDate = &user, iamTime(d.enabled)
		}
		members = append(members, m)
	}
	return c.Result(struct {
		VirtualMFADevices []virtualXML `xml:"VirtualMFADevices>member"`
		listPage
	}{members, newListPage(next)})
}

func (s *Server) createVirtualMFADevice(c *Call) error {
	a := s.accounts[c.Caller.Account]
	name := c.Param("VirtualMFADeviceName")
	if name == "" {
		return errInvalidInput("VirtualMFADeviceName is required")
	}
	serial := a.mfaSerial(MFAVirtual, nil, name)
	if a.virtualMFA[serial] != nil {
		return errEntityAlreadyExists("MFADevice entity at the same path and name already exists.")
	}
	a.virtualMFA[serial] = &mfaDevice{kind: MFAVirtual, serial: serial, created: s.now()}
	seed := base32.StdEncoding.EncodeToString([]byte(randomString(upperDigits, 40)))
	return c.Result(struct {
		VirtualMFADevice struct {
			SerialNumber     string
			Base32StringSeed string
		}
	}{struct {
		SerialNumber     string
		Base32StringSeed string
	}{serial, seed}})
}

func (s *Server) deleteVirtualMFADevice(c *Call) error {
	a := s.accounts[c.Caller.Account]
	serial := c.Param("SerialNumber")
	d := a.virtualMFA[serial]
	if d == nil {
		return errNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.assigned != nil {
		return newAPIError(http.StatusConflict, "DeleteConflict", "MFA Device is still in use.")
	}
	delete(a.virtualMFA, serial)
	return c.Result(nil)
}

var authenticationCode = regexp.MustCompile(`^[0-9]{6}$`)

// enableMFADevice assigns a device to an IAM user. The root user cannot be
// named (UserName must be an IAM user), so root MFA enrollment through the
// API is refused, as on AWS, where it is a console-only step.
func (s *Server) enableMFADevice(c *Call) error {
	a := s.accounts[c.Caller.Account]
	name := c.Param("UserName")
	u := a.users[name]
	if u == nil {
		return errNoSuchEntity("The user with name %s cannot be found.", name)
	}
	if !authenticationCode.MatchString(c.Param("AuthenticationCode1")) || !authenticationCode.MatchString(c.Param("AuthenticationCode2")) {
		return newAPIError(http.StatusForbidden, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	serial := c.Param("SerialNumber")
	d := a.virtualMFA[serial]
	switch {
	case d == nil && arnAccount(serial) != "":
		return errNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	case d == nil:
		d = &mfaDevice{kind: MFAHardware, serial: serial, created: s.now()}
	case d.assigned != nil:
		return errEntityAlreadyExists("MFA Device is already in use.")
	}
	d.assigned, d.enabled = u, s.now()
	u.mfa = append(u.mfa, d)
	return c.Result(nil)
}

// deactivateMFADevice unassigns a device; a virtual device stays in the
// account, unassigned, until deleted.
func (s *Server) deactivateMFADevice(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	serial := c.Param("SerialNumber")
	i := slices.IndexFunc(u.mfa, func(d *mfaDevice) bool { return d.serial == serial })
	if i < 0 {
		return errNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	u.mfa[i].assigned = nil
	u.mfa = slices.Delete(u.mfa, i, i+1)
	return c.Result(nil)
}
