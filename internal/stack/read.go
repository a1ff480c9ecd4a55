package stack

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Read parses a template as rendered by JSON or returned by CloudFormation's
// GetTemplate, checking the shape rootguard relies on: a Resources section
// whose every entry has a Type of the form Vendor::Service::Resource.
func Read(body []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("read template: no resources")
	}
	for id, r := range t.Resources {
		if id == "" {
			return nil, fmt.Errorf("read template: a resource has an empty logical ID")
		}
		if parts := strings.Split(r.Type, "::"); len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("read template: resource %s has type %q", id, r.Type)
		}
	}
	return &t, nil
}

// LogicalIDs lists the template's resources, sorted.
func (t *Template) LogicalIDs() []string {
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
