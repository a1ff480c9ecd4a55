package stack

import (
	"encoding/json"
	"net/mail"
	"strings"
	"testing"
)

// FuzzHubOptions: the deploy flags (--prefix, --regions, --email,
// --org-id) that validate accepts always make templates CloudFormation
// can take — valid JSON, IAM role names within 64 characters of IAM's
// alphabet, one forwarding role per region — and an e-mail SNS can
// subscribe; whatever it refuses, Hub refuses with an error.
func FuzzHubOptions(f *testing.F) {
	for _, s := range []struct{ prefix, regions, email, org string }{
		{"", "", "", ""},
		{"rootguard", "eu-west-1,ap-southeast-2", "ops@example.com", ""},
		{"rg", "us-gov-west-1", "", "o-abcdefghij"},
		{"a-very-long-prefix20", "ap-southeast-7", "Ops <ops@example.com>", ""},
		{"x", "eu-west-1,eu-west-1", "a@", ""},
		{"UPPER", "us-east-1", "a b@example.com", "o-"},
		{"p", "aaaaaaaaaaaa-bbbbbbbbbbbb-1", "", ""},
		{"a-very-long-prefix20", "aaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbbb-1", "", ""},
	} {
		f.Add(s.prefix, s.regions, s.email, s.org)
	}
	f.Fuzz(func(t *testing.T, prefix, regions, email, org string) {
		o := HubOptions{Prefix: prefix, Email: email, OrgID: org, CreateTrail: true}
		if regions != "" {
			o.ForwardRegions = strings.Split(regions, ",")
		}
		tmpl, err := Hub(o)
		if (err == nil) != (o.validate() == nil) {
			t.Fatalf("Hub err %v but validate %v", err, o.validate())
		}
		if err != nil {
			return
		}
		if o.Email != "" {
			if a, err := mail.ParseAddress(o.Email); err != nil || a.Address != o.Email {
				t.Fatalf("accepted e-mail %q is not a bare address", o.Email)
			}
		}
		templates := []*Template{tmpl}
		for _, r := range o.ForwardRegions {
			fwd, err := Forwarder(prefix, r, false)
			if err != nil {
				t.Fatalf("hub accepted region %q but its forwarder does not: %v", r, err)
			}
			templates = append(templates, fwd)
		}
		forwardRoles := 0
		for _, tm := range templates {
			body, err := tm.JSON()
			if err != nil || !json.Valid(body) {
				t.Fatalf("template does not encode: %v", err)
			}
			for id, r := range tm.Resources {
				props, _ := r.Properties.(map[string]any)
				name, ok := props["RoleName"].(string)
				if !ok {
					continue
				}
				if len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") != "" {
					t.Fatalf("%s: role name %q is not an IAM role name (64 of [\\w+=,.@-])", id, name)
				}
				if tm == tmpl && strings.HasPrefix(name, Names{o.prefix()}.ForwardRole("")) {
					forwardRoles++
				}
			}
		}
		if forwardRoles != len(o.ForwardRegions) {
			t.Fatalf("%d forwarding roles for regions %q", forwardRoles, o.ForwardRegions)
		}
	})
}
