package awsemu

import "strings"

// arn is a parsed Amazon Resource Name.
type arn struct {
	service  string
	region   string
	account  string
	resource string
}

// parseArn splits "arn:partition:service:region:account:resource"; the
// resource keeps any further colons ("function:name:qualifier").
func parseArn(s string) arn {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return arn{}
	}

	return arn{service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}
}

// function returns the function name of a Lambda function ARN, without
// its qualifier.
func (a arn) function() string {
	name := strings.TrimPrefix(a.resource, "function:")
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}

	return name
}
