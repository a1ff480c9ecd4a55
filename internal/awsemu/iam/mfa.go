package iam

import (
	"encoding/base32"
	"net/http"
	"regexp"
	"slices"
	"sort"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

type mfaDeviceXML struct {
	UserName     string
	SerialNumber string
	EnableDate   string
}

func (s *service) listMFADevices(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	start, end, next, err := pageOf(c, len(u.MFA))
	if err != nil {
		return err
	}
	var members []mfaDeviceXML
	for _, d := range u.MFA[start:end] {
		// IAM names the root user by its account ID here.
		name := u.Name
		if u.IsRoot {
			name = u.Account.ID
		}
		members = append(members, mfaDeviceXML{name, d.Serial, iamTime(d.Enabled)})
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

func userElement(u *directory.User) userXML {
	x := userXML{UserID: u.ID, Arn: u.ARN(), CreateDate: iamTime(u.Created)}
	if !u.IsRoot {
		x.Path, x.UserName = "/", u.Name
	}
	if u.Login != nil && !u.Login.LastUsed.IsZero() {
		x.PasswordLastUsed = iamTime(u.Login.LastUsed)
	}
	return x
}

// listVirtualMFADevices lists the account's virtual devices; a device
// assigned to the root user carries User.Arn = arn:aws:iam::<acct>:root.
func (s *service) listVirtualMFADevices(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	status := c.Param("AssignmentStatus")
	if status == "" {
		status = "Any"
	}
	serials := make([]string, 0, len(a.VirtualMFA))
	for serial, d := range a.VirtualMFA {
		assigned := d.Assigned != nil
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
		d := a.VirtualMFA[serial]
		m := virtualXML{SerialNumber: serial}
		if d.Assigned != nil {
			user := userElement(d.Assigned)
			m.User, m.EnableDate = &user, iamTime(d.Enabled)
		}
		members = append(members, m)
	}
	return c.Result(struct {
		VirtualMFADevices []virtualXML `xml:"VirtualMFADevices>member"`
		listPage
	}{members, newListPage(next)})
}

func (s *service) createVirtualMFADevice(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	name := c.Param("VirtualMFADeviceName")
	if name == "" {
		return errInvalidInput("VirtualMFADeviceName is required")
	}
	serial := a.MFASerial(directory.MFAVirtual, nil, name)
	if a.VirtualMFA[serial] != nil {
		return errEntityAlreadyExists("MFADevice entity at the same path and name already exists.")
	}
	a.VirtualMFA[serial] = &directory.MFADevice{Kind: directory.MFAVirtual, Serial: serial, Created: s.d.Now()}
	seed := base32.StdEncoding.EncodeToString([]byte(directory.RandomString(directory.UpperDigits, 40)))
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

func (s *service) deleteVirtualMFADevice(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	serial := c.Param("SerialNumber")
	d := a.VirtualMFA[serial]
	if d == nil {
		return errNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.Assigned != nil {
		return emu.NewError(http.StatusConflict, "DeleteConflict", "MFA Device is still in use.")
	}
	delete(a.VirtualMFA, serial)
	return c.Result(nil)
}

var authenticationCode = regexp.MustCompile(`^[0-9]{6}$`)

// enableMFADevice assigns a device to an IAM user. The root user cannot be
// named (UserName must be an IAM user), so root MFA enrollment through the
// API is refused, as on AWS, where it is a console-only step.
func (s *service) enableMFADevice(c *emu.Call) error {
	a := s.d.Accounts[c.Caller.Account]
	name := c.Param("UserName")
	u := a.Users[name]
	if u == nil {
		return errNoSuchEntity("The user with name %s cannot be found.", name)
	}
	if !authenticationCode.MatchString(c.Param("AuthenticationCode1")) || !authenticationCode.MatchString(c.Param("AuthenticationCode2")) {
		return emu.NewError(http.StatusForbidden, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	}
	serial := c.Param("SerialNumber")
	d := a.VirtualMFA[serial]
	switch {
	case d == nil && directory.ARNAccount(serial) != "":
		return errNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	case d == nil:
		d = &directory.MFADevice{Kind: directory.MFAHardware, Serial: serial, Created: s.d.Now()}
	case d.Assigned != nil:
		return errEntityAlreadyExists("MFA Device is already in use.")
	}
	d.Assigned, d.Enabled = u, s.d.Now()
	u.MFA = append(u.MFA, d)
	return c.Result(nil)
}

// deactivateMFADevice unassigns a device; a virtual device stays in the
// account, unassigned, until deleted.
func (s *service) deactivateMFADevice(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	serial := c.Param("SerialNumber")
	i := slices.IndexFunc(u.MFA, func(d *directory.MFADevice) bool { return d.Serial == serial })
	if i < 0 {
		return errNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	u.MFA[i].Assigned = nil
	u.MFA = slices.Delete(u.MFA, i, i+1)
	return c.Result(nil)
}
