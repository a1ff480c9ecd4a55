package awsemu

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

func TestGetCallerIdentityPerAccessKey(t *testing.T) {
	o := newTestOrg(t)
	rootKey := o.member.Root().AddAccessKey(AccessKey{})
	alice := o.member.AddUser("alice").AddAccessKey(AccessKey{})
	o.member.AddRole("Auditor", mgmtID)
	session, err := o.sts(o.admin).AssumeRole(ctx(t), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + memberID + ":role/Auditor"), RoleSessionName: aws.String("audit")})
	if err != nil {
		t.Fatal(err)
	}
	roleCreds := aws.Credentials{AccessKeyID: *session.Credentials.AccessKeyId,
		SecretAccessKey: *session.Credentials.SecretAccessKey, SessionToken: *session.Credentials.SessionToken}

	tests := []struct {
		name    string
		creds   aws.Credentials
		account string
		arn     string
	}{
		{"management IAM user", o.admin, mgmtID, "arn:aws:iam::111111111111:user/admin"},
		{"member root", rootKey, memberID, "arn:aws:iam::222222222222:root"},
		{"member IAM user", alice, memberID, "arn:aws:iam::222222222222:user/alice"},
		{"assumed role", roleCreds, memberID, "arn:aws:sts::222222222222:assumed-role/Auditor/audit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := o.sts(tt.creds).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if *out.Account != tt.account || *out.Arn != tt.arn {
				t.Errorf("identity = %s %s, want %s %s", *out.Account, *out.Arn, tt.account, tt.arn)
			}
		})
	}
}

func TestUnknownAccessKeyIsInvalidClientTokenId(t *testing.T) {
	o := newTestOrg(t)
	bogus := aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: "x"}
	_, err := o.sts(bogus).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if got := errorCode(t, err); got != "InvalidClientTokenId" {
		t.Errorf("error code = %q, want InvalidClientTokenId", got)
	}
}

func TestAssumeRoleRequiresTrust(t *testing.T) {
	o := newTestOrg(t)
	o.member.AddRole("TrustsManagement", mgmtID)
	o.member.AddRole("TrustsNobody")
	rootKey := o.emu.Account(mgmtID).Root().AddAccessKey(AccessKey{})
	tests := []struct {
		name  string
		creds aws.Credentials
		role  string
		want  string
	}{
		{"trusted", o.admin, "TrustsManagement", ""},
		{"not trusted", o.admin, "TrustsNobody", "AccessDenied"},
		{"missing role", o.admin, "Nope", "AccessDenied"},
		{"root may not assume roles", rootKey, "TrustsManagement", "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := o.sts(tt.creds).AssumeRole(ctx(t), &sts.AssumeRoleInput{
				RoleArn: aws.String("arn:aws:iam::" + memberID + ":role/" + tt.role), RoleSessionName: aws.String("s")})
			if got := errorCode(t, err); got != tt.want {
				t.Errorf("error code = %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

const auditPolicy = "arn:aws:iam::aws:policy/root-task/" + "IAMAuditRootUserCredentials"

func assumeRoot(t *testing.T, client *sts.Client, target, policy string) (*sts.AssumeRootOutput, error) {
	t.Helper()
	return client.AssumeRoot(ctx(t), &sts.AssumeRootInput{
		TargetPrincipal: aws.String(target),
		TaskPolicyArn:   &ststypes.PolicyDescriptorType{Arn: aws.String(policy)},
	})
}

func TestAssumeRootRules(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(o testOrg) *sts.Client
		target  string
		policy  string
		enabled bool
		want    string
	}{
		{"management on regional endpoint", func(o testOrg) *sts.Client { return o.sts(o.admin) }, memberID, auditPolicy, true, ""},
		{"root ARN as target", func(o testOrg) *sts.Client { return o.sts(o.admin) }, "arn:aws:iam::" + memberID + ":root", auditPolicy, true, ""},
		{"global endpoint", func(o testOrg) *sts.Client {
			return sts.NewFromConfig(o.emu.GlobalSTSConfig(o.admin))
		}, memberID, auditPolicy, true, "InvalidAction"},
		{"not a task policy", func(o testOrg) *sts.Client { return o.sts(o.admin) }, memberID, "arn:aws:iam::aws:policy/AdministratorAccess", true, "AccessDenied"},
		{"management account as target", func(o testOrg) *sts.Client { return o.sts(o.admin) }, mgmtID, auditPolicy, true, "AccessDenied"},
		{"root sessions disabled", func(o testOrg) *sts.Client { return o.sts(o.admin) }, memberID, auditPolicy, false, "AccessDenied"},
		{"member account caller", func(o testOrg) *sts.Client {
			return o.sts(o.emu.Account(otherID).AddUser("ops").AddAccessKey(AccessKey{}))
		}, memberID, auditPolicy, true, "AccessDenied"},
		{"delegated administrator for IAM", func(o testOrg) *sts.Client {
			o.org.RegisterDelegatedAdministrator(otherID, "iam.amazonaws.com")
			return o.sts(o.emu.Account(otherID).AddUser("ops").AddAccessKey(AccessKey{}))
		}, memberID, auditPolicy, true, ""},
		{"root credentials", func(o testOrg) *sts.Client {
			return o.sts(o.emu.Account(mgmtID).Root().AddAccessKey(AccessKey{}))
		}, memberID, auditPolicy, true, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newTestOrg(t)
			if tt.enabled {
				o.org.EnableCentralizedRootAccess("RootCredentialsManagement", "RootSessions")
			}
			out, err := assumeRoot(t, tt.setup(o), tt.target, tt.policy)
			if got := errorCode(t, err); got != tt.want {
				t.Fatalf("error code = %q, want %q (%v)", got, tt.want, err)
			}
			if err != nil {
				return
			}
			creds := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId,
				SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
			id, err := o.sts(creds).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if *id.Arn != "arn:aws:iam::"+memberID+":root" {
				t.Errorf("session ARN = %s", *id.Arn)
			}
		})
	}
}

func TestAssumeRootSessionIsBoundByItsTaskPolicy(t *testing.T) {
	o := newTestOrg(t)
	o.org.EnableCentralizedRootAccess("RootCredentialsManagement", "RootSessions")
	rootKey := o.member.Root().AddAccessKey(AccessKey{})
	o.member.AddUser("alice")
	out, err := assumeRoot(t, o.sts(o.admin), memberID, auditPolicy)
	if err != nil {
		t.Fatal(err)
	}
	client := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(o.emu.URL),
		Credentials: credentials.NewStaticCredentialsProvider(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken)})

	keys, err := client.ListAccessKeys(ctx(t), &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != rootKey.AccessKeyID {
		t.Errorf("root keys = %+v, want %s", keys.AccessKeyMetadata, rootKey.AccessKeyID)
	}
	_, err = client.DeleteAccessKey(ctx(t), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(rootKey.AccessKeyID)})
	if got := errorCode(t, err); got != "AccessDenied" {
		t.Errorf("DeleteAccessKey under the audit policy: code %q, want AccessDenied", got)
	}
	_, err = client.ListAccessKeys(ctx(t), &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	if got := errorCode(t, err); got != "AccessDenied" {
		t.Errorf("ListAccessKeys of an IAM user: code %q, want AccessDenied", got)
	}
	if _, err := client.GetCredentialReport(ctx(t), &iam.GetCredentialReportInput{}); errorCode(t, err) != "AccessDenied" {
		t.Errorf("GetCredentialReport under the audit policy: %v, want AccessDenied", err)
	}
}

// TestAssumeRootFeatureGates: every task needs RootSessions; the task
// policies on root's credentials also need RootCredentialsManagement.
func TestAssumeRootFeatureGates(t *testing.T) {
	const s3Policy = "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy"
	for _, tc := range []struct {
		features []string
		policy   string
		want     string
	}{
		{[]string{"RootSessions"}, s3Policy, ""},
		{[]string{"RootSessions"}, auditPolicy, "AccessDenied"},
		{[]string{"RootCredentialsManagement"}, auditPolicy, "AccessDenied"},
		{[]string{"RootCredentialsManagement"}, s3Policy, "AccessDenied"},
		{[]string{"RootCredentialsManagement", "RootSessions"}, auditPolicy, ""},
	} {
		o := newTestOrg(t)
		o.org.EnableCentralizedRootAccess(tc.features...)
		_, err := assumeRoot(t, o.sts(o.admin), memberID, tc.policy)
		if got := errorCode(t, err); got != tc.want {
			t.Errorf("%v %s: code %q, want %q", tc.features, tc.policy, got, tc.want)
		}
	}
}
