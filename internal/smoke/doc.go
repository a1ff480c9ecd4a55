// Package smoke holds read-only smoke tests against real AWS. CI never runs
// them: they need the build tag, ROOTGUARD_SMOKE=1 and credentials from the
// SDK's default chain (AWS_PROFILE, SSO, environment):
//
//	ROOTGUARD_SMOKE=1 AWS_PROFILE=audit go test -tags smoke -count=1 -v ./internal/smoke/
//
// The principal needs docs/permissions/audit.json plus
// cloudformation:ValidateTemplate. Nothing is created, changed or deleted,
// except that IAM may generate a credential report (as `rootguard audit`
// does).
package smoke
