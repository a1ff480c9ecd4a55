package roottask

import (
	"encoding/json"
	"errors"
)

// statement is the part of a resource policy statement the plan shows.
type statement struct {
	Effect    string
	Principal json.RawMessage
}

// everyone reports whether the statement's principal is every principal:
// "*" or {"AWS": "*"} (alone or in a list).
func (s statement) everyone() bool {
	var star string
	if json.Unmarshal(s.Principal, &star) == nil {
		return star == "*"
	}
	var byType map[string]json.RawMessage
	if json.Unmarshal(s.Principal, &byType) != nil {
		return false
	}
	aws, ok := byType["AWS"]
	if !ok {
		return false
	}
	if json.Unmarshal(aws, &star) == nil {
		return star == "*"
	}
	var list []string
	if json.Unmarshal(aws, &list) == nil {
		for _, p := range list {
			if p == "*" {
				return true
			}
		}
	}
	return false
}

// parsePolicy reads a resource policy's statements; Statement may be one
// object or a list, as IAM's grammar allows.
func parsePolicy(doc string) ([]statement, error) {
	var p struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, err
	}
	if len(p.Statement) == 0 {
		return nil, errors.New("no Statement")
	}
	var list []statement
	if err := json.Unmarshal(p.Statement, &list); err == nil {
		return list, nil
	}
	var one statement
	if err := json.Unmarshal(p.Statement, &one); err != nil {
		return nil, err
	}
	return []statement{one}, nil
}
