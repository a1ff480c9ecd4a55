package awsemu

import (
	"net/http"
	"slices"
)

func (s *Server) registerAccessKeys() {
	s.handle("iam", "ListAccessKeys", s.locked(s.listAccessKeys))
	s.handle("iam", "CreateAccessKey", s.locked(s.createAccessKey))
	s.handle("iam", "DeleteAccessKey", s.locked(s.deleteAccessKey))
	s.handle("iam", "UpdateAccessKey", s.locked(s.updateAccessKey))
	s.handle("iam", "GetAccessKeyLastUsed", s.locked(s.getAccessKeyLastUsed))
}

type accessKeyMetadata struct {
	UserName    string `xml:",omitempty"`
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string
	CreateDate  string
}

func (s *Server) listAccessKeys(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	start, end, next, err := pageOf(c, len(u.keys))
	if err != nil {
		return err
	}
	var members []accessKeyMetadata
	for _, k := range u.keys[start:end] {
		members = append(members, accessKeyMetadata{optionalUserName(u), k.id, k.status(), iamTime(k.created)})
	}
	return c.Result(struct {
		AccessKeyMetadata []accessKeyMetadata `xml:"AccessKeyMetadata>member"`
		listPage
	}{members, newListPage(next)})
}

// accessKeysPerUserQuota is IAM's AccessKeysPerUserQuota.
const accessKeysPerUserQuota = 2

func (s *Server) createAccessKey(c *Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if len(u.keys) >= accessKeysPerUserQuota {
		return newAPIError(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", accessKeysPerUserQuota)
	}
	k := u.addAccessKey(AccessKey{})
	c.Note("AccessKeyId", k.id)
	return c.Result(struct {
		AccessKey struct {
			UserName        string `xml:",omitempty"`
			AccessKeyID     string `xml:"AccessKeyId"`
			Status          string
			SecretAccessKey string
			CreateDate      string
		}
	}{struct {
		UserName        string `xml:",omitempty"`
		AccessKeyID     string `xml:"AccessKeyId"`
		Status          string
		SecretAccessKey string
		CreateDate      string
	}{optionalUserName(u), k.id, k.status(), k.secret, iamTime(k.created)}})
}

// subjectKey finds AccessKeyId among the subject user's keys.
func (s *Server) subjectKey(c *Call) (*User, int, error) {
	u, err := s.subjectUser(c)
	if err != nil {
		return nil, 0, err
	}
	id := c.Param("AccessKeyId")
	i := slices.IndexFunc(u.keys, func(k *accessKey) bool { return k.id == id })
	if i < 0 {
		return nil, 0, errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return u, i, nil
}

// deleteAccessKey removes the key for good: it stops authenticating at once.
func (s *Server) deleteAccessKey(c *Call) error {
	u, i, err := s.subjectKey(c)
	if err != nil {
		return err
	}
	delete(s.keys, u.keys[i].id)
	u.keys = slices.Delete(u.keys, i, i+1)
	return c.Result(nil)
}

func (s *Server) updateAccessKey(c *Call) error {
	u, i, err := s.subjectKey(c)
	if err != nil {
		return err
	}
	switch c.Param("Status") {
	case "Active":
		u.keys[i].active = true
	case "Inactive":
		u.keys[i].active = false
	default:
		return errInvalidInput("Status must be Active or Inactive")
	}
	return c.Result(nil)
}

// getAccessKeyLastUsed answers for any long-term key of the caller's
// account; a key that was never used reports service and region N/A.
func (s *Server) getAccessKeyLastUsed(c *Call) error {
	id := c.Param("AccessKeyId")
	cred := s.keys[id]
	if cred == nil || cred.key == nil {
		return errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	if cred.principal.Account != c.Caller.Account {
		return errAccessDenied(c, "iam:GetAccessKeyLastUsed", "on resource: "+cred.key.owner.arn())
	}
	k := cred.key
	type lastUsed struct {
		LastUsedDate string `xml:",omitempty"`
		ServiceName  string
		Region       string
	}
	used := lastUsed{ServiceName: notApplicable, Region: notApplicable}
	if !k.lastUsed.IsZero() {
		used = lastUsed{iamTime(k.lastUsed), k.lastService, k.lastRegion}
	}
	return c.Result(struct {
		UserName          string `xml:",omitempty"`
		AccessKeyLastUsed lastUsed
	}{optionalUserName(k.owner), used})
}
