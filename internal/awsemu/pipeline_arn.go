package awsemu

import (
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// arn is a parsed Amazon Resource Name.
type arn struct {
	service  string
	region   string
	account  string
	resource string
}

// parseArn splits "arn:partition:service:region:account:resource"
// (emu.ParseARN); the resource keeps any further colons
// ("function:name:qualifier").
func parseArn(s string) arn {
	a := emu.ParseARN(s)

	return arn{service: a.Service, region: a.Region, account: a.Account, resource: a.Resource}
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
