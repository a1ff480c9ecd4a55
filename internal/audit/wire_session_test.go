package audit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// TestWireAssumeRootSession audits members from the management account
// through sts:AssumeRoot with IAMAuditRootUserCredentials, as the
// organization run does: no credential report, only the task policy's reads,
// and the same verdicts as an IAM principal gets.
func TestWireAssumeRootSession(t *testing.T) {
	emu := newWireEmu(t)
	mgmt := emu.AddAccount(newAccountID(), "management")
	org := emu.CreateOrganization(mgmt.ID)
	org.EnableCentralizedRootAccess("RootCredentialsManagement", "RootSessions")
	admin := emu.Config(mgmt.AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	now := time.Now()
	taskPolicy := []string{"iam:GetAccessKeyLastUsed", "iam:GetAccountSummary", "iam:GetUser", "iam:ListAccessKeys", "iam:ListMFADevices", "iam:ListSigningCertificates", "sts:GetCallerIdentity"}

	for _, tt := range rootStates {
		t.Run(tt.name, func(t *testing.T) {
			member := emu.AddAccount(newAccountID(), "member")
			org.AddAccount(member, org.RootID())
			tt.seed(member, now)
			ctx := context.Background()
			session, err := rootsession.Assume(ctx, admin, member.ID, rootsession.AuditRootUserCredentials)
			if err != nil {
				t.Fatal(err)
			}
			res := Account(ctx, session, Options{Session: SessionAssumeRoot, Checks: append(slices.Clone(rootCheckIDs), "org-centralized-root-access")})
			want := map[CheckID]Status{"org-centralized-root-access": NotApplicable}
			for id, s := range tt.want {
				want[id] = s
			}
			assertStatuses(t, res, want)
			if res.AccountID != member.ID || res.CallerARN != "arn:aws:iam::"+member.ID+":root" || len(res.Warnings) != 0 {
				t.Errorf("account %s caller %s warnings %v", res.AccountID, res.CallerARN, res.Warnings)
			}
			if src := checkOf(t, res, "root-recent-use").Evidence["source"]; src != "root user (sts:AssumeRoot session)" {
				t.Errorf("root-recent-use source = %v", src)
			}
			var actions []string
			for _, r := range callsOf(emu, member.ID) {
				if !r.OK() {
					t.Errorf("call failed in the root session: %s", r)
				}
				if !slices.Contains(actions, r.Service+":"+r.Action) {
					actions = append(actions, r.Service+":"+r.Action)
				}
			}
			slices.Sort(actions)
			// GetAccessKeyLastUsed only when root has keys.
			if !slices.Equal(actions, taskPolicy) && !slices.Equal(actions, slices.DeleteFunc(slices.Clone(taskPolicy), func(a string) bool { return a == "iam:GetAccessKeyLastUsed" })) {
				t.Errorf("root session called %v, want %v", actions, taskPolicy)
			}
		})
	}
}

// TestWireRootSessionKeyEvidence: in a root session the evidence carries the
// real key IDs and last-use details from GetAccessKeyLastUsed.
func TestWireRootSessionKeyEvidence(t *testing.T) {
	ctx := context.Background()
	_, _, session := memberRootKeySession(t)
	res := Account(ctx, session, Options{Session: SessionAssumeRoot, Checks: rootCheckIDs})
	keys := checkOf(t, res, "root-access-keys").Evidence["keys"].([]map[string]any)
	if len(keys) != 1 || keys[0]["id"] != "AKIAMEMBERROOT" || keys[0]["status"] != "Active" || keys[0]["last_used_service"] != "sts" || keys[0]["last_used_region"] != "us-west-2" {
		t.Errorf("keys evidence = %v", keys)
	}
	if c := checkOf(t, res, "root-recent-use"); c.Status != Fail || c.Evidence["last_used_by"] != "access key AKIAMEMBERROOT" {
		t.Errorf("root-recent-use = %s %v", c.Status, c.Evidence)
	}
}

// TestWireRootSessionKeyLastUseUnknown: when GetAccessKeyLastUsed fails,
// the key's last use is unknown — never "never used" — and root-recent-use,
// which depends on it, is ERROR; root-access-keys still FAILs on the key.
func TestWireRootSessionKeyLastUseUnknown(t *testing.T) {
	ctx := context.Background()
	emu, member, session := memberRootKeySession(t)
	emu.InjectFault(awsemu.Fault{Service: "iam", Action: "GetAccessKeyLastUsed", Account: member, DenyRate: 1})
	res := Account(ctx, session, Options{Session: SessionAssumeRoot, Checks: rootCheckIDs})
	keys := checkOf(t, res, "root-access-keys")
	if keys.Status != Fail || !strings.Contains(keys.Detail, "AKIAMEMBERROOT Active, last use unknown: ") || strings.Contains(keys.Detail, "never used") {
		t.Errorf("root-access-keys = %s %q", keys.Status, keys.Detail)
	}
	ev := keys.Evidence["keys"].([]map[string]any)
	if len(ev) != 1 || !strings.HasPrefix(ev[0]["last_used"].(string), "unknown: ") {
		t.Errorf("keys evidence = %v, want last_used unknown", ev)
	}
	if c := checkOf(t, res, "root-recent-use"); c.Status != Error {
		t.Errorf("root-recent-use = %s %q, want ERROR", c.Status, c.Detail)
	}

	// Asked only for root-access-keys, the last use is not read and not
	// claimed either way.
	res = Account(ctx, session, Options{Session: SessionAssumeRoot, Checks: []CheckID{"root-access-keys"}})
	keys = checkOf(t, res, "root-access-keys")
	if keys.Status != Fail || strings.Contains(keys.Detail, "never used") || strings.Contains(keys.Detail, "unknown") {
		t.Errorf("root-access-keys alone = %s %q", keys.Status, keys.Detail)
	}
	if _, ok := keys.Evidence["keys"].([]map[string]any)[0]["last_used"]; ok {
		t.Errorf("keys evidence claims a last use it did not read: %v", keys.Evidence["keys"])
	}
}

// memberRootKeySession starts a local AWS with an organization that has
// centralized root access and a member whose root user has the access key
// AKIAMEMBERROOT, last used a day ago (sts, us-west-2), and returns it with
// an audit root session in the member.
func memberRootKeySession(t *testing.T) (*awsemu.Server, string, aws.Config) {
	t.Helper()
	emu := newWireEmu(t)
	mgmt := emu.AddAccount(newAccountID(), "management")
	org := emu.CreateOrganization(mgmt.ID)
	org.EnableCentralizedRootAccess("RootCredentialsManagement", "RootSessions")
	member := emu.AddAccount(newAccountID(), "member")
	org.AddAccount(member, org.RootID())
	member.Root().AddAccessKey(awsemu.AccessKey{ID: "AKIAMEMBERROOT", LastUsed: time.Now().AddDate(0, 0, -1), LastUsedService: "sts", LastUsedRegion: "us-west-2"})
	session, err := rootsession.Assume(context.Background(), emu.Config(mgmt.AddUser("admin").AddAccessKey(awsemu.AccessKey{})), member.ID, rootsession.AuditRootUserCredentials)
	if err != nil {
		t.Fatal(err)
	}
	return emu, member.ID, session
}

// TestWireOrgCentralizedRootAccess covers every kind of account the
// org-centralized-root-access check can run in.
func TestWireOrgCentralizedRootAccess(t *testing.T) {
	// managementWith is a management account whose organization has
	// trusted access for IAM and the centralized root access features.
	managementWith := func(features ...string) func(*awsemu.Server) *awsemu.Account {
		return func(emu *awsemu.Server) *awsemu.Account {
			mgmt := emu.AddAccount(newAccountID(), "management")
			emu.CreateOrganization(mgmt.ID).EnableCentralizedRootAccess(features...)
			return mgmt
		}
	}
	tests := []struct {
		name       string
		setup      func(emu *awsemu.Server) *awsemu.Account // returns the audited account
		want       Status
		detailHas  string
		errorCode  string
		orgFeature bool
	}{
		{"management with RootCredentialsManagement", managementWith("RootCredentialsManagement", "RootSessions"), Pass, "RootCredentialsManagement and RootSessions are enabled", "", true},
		{"management with only RootCredentialsManagement: no root sessions, no central task", managementWith("RootCredentialsManagement"), Fail, "RootSessions is not enabled", "", true},
		{"management with IAM trusted access but no feature", managementWith(), Fail, "RootCredentialsManagement is not enabled", "", false},
		{"management with only RootSessions", managementWith("RootSessions"), Fail, "RootCredentialsManagement is not enabled", "", false},
		{"management without IAM trusted access", func(emu *awsemu.Server) *awsemu.Account {
			mgmt := emu.AddAccount(newAccountID(), "management")
			emu.CreateOrganization(mgmt.ID)
			return mgmt
		}, Fail, "trusted access for IAM is not enabled", "ServiceAccessNotEnabledException", false},
		{"member", func(emu *awsemu.Server) *awsemu.Account {
			mgmt := emu.AddAccount(newAccountID(), "management")
			org := emu.CreateOrganization(mgmt.ID)
			org.EnableCentralizedRootAccess("RootCredentialsManagement")
			member := emu.AddAccount(newAccountID(), "member")
			org.AddAccount(member, org.RootID())
			return member
		}, NotApplicable, "member account", "AccountNotManagementOrDelegatedAdministratorException", false},
		{"delegated administrator for IAM", func(emu *awsemu.Server) *awsemu.Account {
			mgmt := emu.AddAccount(newAccountID(), "management")
			org := emu.CreateOrganization(mgmt.ID)
			org.EnableCentralizedRootAccess("RootCredentialsManagement", "RootSessions")
			admin := emu.AddAccount(newAccountID(), "security")
			org.AddAccount(admin, org.RootID())
			org.RegisterDelegatedAdministrator(admin.ID, "iam.amazonaws.com")
			return admin
		}, Pass, "RootCredentialsManagement and RootSessions are enabled", "", true},
		{"standalone", func(emu *awsemu.Server) *awsemu.Account {
			return emu.AddAccount(newAccountID(), "standalone")
		}, NotApplicable, "standalone", "OrganizationNotFoundException", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One organization per Server: each case gets its own.
			emu := newWireEmu(t)
			acct := tt.setup(emu)
			creds := acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
			res := Account(context.Background(), emu.Config(creds), Options{Checks: []CheckID{"org-centralized-root-access"}})
			c := checkOf(t, res, "org-centralized-root-access")
			if c.Status != tt.want || !contains(c.Detail, tt.detailHas) {
				t.Errorf("= %s %q, want %s containing %q", c.Status, c.Detail, tt.want, tt.detailHas)
			}
			if tt.errorCode != "" && c.Evidence["error_code"] != tt.errorCode {
				t.Errorf("evidence error_code = %v, want %s", c.Evidence["error_code"], tt.errorCode)
			}
			features, _ := c.Evidence["enabled_features"].([]string)
			if tt.orgFeature != slices.Contains(features, "RootCredentialsManagement") {
				t.Errorf("evidence enabled_features = %v", c.Evidence["enabled_features"])
			}
		})
	}
}
