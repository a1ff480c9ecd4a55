package awsemu

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"
)

// subjectUser resolves the user an IAM call acts on: the named IAM user, or
// without UserName the caller itself (the root user for root credentials and
// AssumeRoot sessions). Role sessions must name a user, as in IAM.
func (s *Server) subjectUser(c *Call) (*User, error) {
	a := s.accounts[c.Caller.Account]
	name := c.Param("UserName")
	if name != "" {
		u := a.users[name]
		if u == nil {
			return nil, errNoSuchEntity("The user with name %s cannot be found.", name)
		}
		return u, nil
	}
	switch c.Caller.Type {
	case PrincipalRoot:
		return a.root, nil
	case PrincipalUser:
		if u := a.users[c.Caller.Name]; u != nil {
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
func optionalUserName(u *User) string {
	if u.root {
		return ""
	}
	return u.name
}

// pageOf returns the page of n items that Marker and MaxItems (default 100)
// select: [start, end), the next marker, and whether more remain.
func pageOf(c *Call, n int) (start, end int, next string, err error) {
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

var errEntityAlreadyExists = func(format string, args ...any) *APIError {
	return newAPIError(http.StatusConflict, "EntityAlreadyExists", format, args...)
}
