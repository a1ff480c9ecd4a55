package iam

import (
	"net/http"
	"slices"

	"github.com/rootguard/rootguard/internal/awsemu/internal/directory"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

type accessKeyMetadata struct {
	UserName    string `xml:",omitempty"`
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string
	CreateDate  string
}

func (s *service) listAccessKeys(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	start, end, next, err := pageOf(c, len(u.Keys))
	if err != nil {
		return err
	}
	var members []accessKeyMetadata
	for _, k := range u.Keys[start:end] {
		members = append(members, accessKeyMetadata{optionalUserName(u), k.ID, k.Status(), iamTime(k.Created)})
	}
	return c.Result(struct {
		AccessKeyMetadata []accessKeyMetadata `xml:"AccessKeyMetadata>member"`
		listPage
	}{members, newListPage(next)})
}

// accessKeysPerUserQuota is IAM's AccessKeysPerUserQuota.
const accessKeysPerUserQuota = 2

func (s *service) createAccessKey(c *emu.Call) error {
	u, err := s.subjectUser(c)
	if err != nil {
		return err
	}
	if len(u.Keys) >= accessKeysPerUserQuota {
		return emu.NewError(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", accessKeysPerUserQuota)
	}
	k := u.NewAccessKey(directory.AccessKey{})
	c.Note("AccessKeyId", k.ID)
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
	}{optionalUserName(u), k.ID, k.Status(), k.Secret, iamTime(k.Created)}})
}

// subjectKey finds AccessKeyId among the subject user's keys.
func (s *service) subjectKey(c *emu.Call) (*directory.User, int, error) {
	u, err := s.subjectUser(c)
	if err != nil {
		return nil, 0, err
	}
	id := c.Param("AccessKeyId")
	i := slices.IndexFunc(u.Keys, func(k *directory.Key) bool { return k.ID == id })
	if i < 0 {
		return nil, 0, errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return u, i, nil
}

// deleteAccessKey removes the key for good: it stops authenticating at once.
func (s *service) deleteAccessKey(c *emu.Call) error {
	u, i, err := s.subjectKey(c)
	if err != nil {
		return err
	}
	delete(s.d.Keys, u.Keys[i].ID)
	u.Keys = slices.Delete(u.Keys, i, i+1)
	return c.Result(nil)
}

func (s *service) updateAccessKey(c *emu.Call) error {
	u, i, err := s.subjectKey(c)
	if err != nil {
		return err
	}
	switch c.Param("Status") {
	case "Active":
		u.Keys[i].Active = true
	case "Inactive":
		u.Keys[i].Active = false
	default:
		return errInvalidInput("Status must be Active or Inactive")
	}
	return c.Result(nil)
}

// getAccessKeyLastUsed answers for any long-term key of the caller's
// account; a key that was never used reports service and region N/A.
func (s *service) getAccessKeyLastUsed(c *emu.Call) error {
	id := c.Param("AccessKeyId")
	cred := s.d.Keys[id]
	if cred == nil || cred.Key == nil {
		return errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	if cred.Principal.Account != c.Caller.Account {
		return emu.AccessDenied(c, "iam:GetAccessKeyLastUsed", "on resource: "+cred.Key.Owner.ARN())
	}
	k := cred.Key
	type lastUsed struct {
		LastUsedDate string `xml:",omitempty"`
		ServiceName  string
		Region       string
	}
	used := lastUsed{ServiceName: notApplicable, Region: notApplicable}
	if !k.LastUsed.IsZero() {
		used = lastUsed{iamTime(k.LastUsed), k.LastService, k.LastRegion}
	}
	return c.Result(struct {
		UserName          string `xml:",omitempty"`
		AccessKeyLastUsed lastUsed
	}{optionalUserName(k.Owner), used})
}
