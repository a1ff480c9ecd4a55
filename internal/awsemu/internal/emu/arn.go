package emu

import "strings"

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Service  string
	Region   string
	Account  string
	Resource string
}

// ParseARN splits "arn:partition:service:region:account:resource"; the
// resource keeps any further colons ("function:name:qualifier"). Anything
// else parses as the zero ARN.
func ParseARN(s string) ARN {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ARN{}
	}
	return ARN{Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}
}
