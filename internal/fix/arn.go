package fix

import "github.com/aws/aws-sdk-go-v2/aws/arn"

// arnResourceType returns the type part of an IAM ARN's resource
// ("mfa" for arn:aws:iam::111122223333:mfa/root-account-mfa-device), or ""
// when s is not an ARN.
func arnResourceType(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return ""
	}
	for i, r := range a.Resource {
		if r == '/' {
			return a.Resource[:i]
		}
	}
	return a.Resource
}
