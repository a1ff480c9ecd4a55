package report

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/rootguard/rootguard/internal/audit"
)

// syntheticOrg is an organization of n accounts in 20 OUs, every account
// with every check and evidence shaped as the checks write it (see
// internal/audit): every third member's root has a password and an access
// key (FAIL), every 40th could not read its virtual MFA devices (ERROR,
// with the AccessDenied evidence), every 500th could not be reached.
func syntheticOrg(n int) ([]audit.AccountResult, map[string]string) {
	const source = "root user (sts:AssumeRoot session)"
	summary := func(creds int) map[string]any {
		return map[string]any{audit.EvidencePasswordPresent: creds, audit.EvidenceAccessKeysPresent: creds,
			audit.EvidenceCertificatesPresent: 0, audit.EvidenceMFAEnabled: 0}
	}
	ous := make(map[string]string, n)
	accts := make([]audit.AccountResult, 0, n)
	for i := range n {
		id := fmt.Sprintf("%012d", 200000000000+i)
		ous[id] = "Root/workloads/ou-" + strconv.Itoa(i%20)
		a := audit.AccountResult{AccountID: id, AccountAlias: "team-" + strconv.Itoa(i) + "-prod", Access: "assume-root"}
		if i%500 == 499 {
			a.Error = "cannot reach the account: sts:AssumeRoot: AccessDenied: User: arn:aws:iam::200000000000:role/rootguard-posture is not authorized to perform: sts:AssumeRoot"
			for _, c := range audit.CheckIDs() {
				a.Checks = append(a.Checks, audit.CheckResult{ID: c, Status: audit.Error, Severity: audit.High, Title: string(c),
					Detail: "not audited: " + a.Error, Evidence: map[string]any{"not_audited": a.Error}})
			}
			accts = append(accts, a)
			continue
		}
		creds := 0
		var keys []map[string]any
		keysStatus, keysDetail, mfaStatus, mfaDetail := audit.Pass, "root has no access keys", audit.NotApplicable, "root has no password, access keys or signing certificates: nothing to protect with MFA"
		if i%3 == 1 {
			creds = 1
			keys = []map[string]any{{"id": "AKIA" + id + "EXAMPLE", "status": "Active", "last_used": "N/A", "last_used_service": "N/A", "last_used_region": "N/A"}}
			keysStatus, keysDetail = audit.Fail, "AKIA"+id+"EXAMPLE Active, never used"
			mfaStatus, mfaDetail = audit.Fail, "root has credentials and no MFA (AccountMFAEnabled = 0)"
		}
		keysEv := map[string]any{"keys": keys, "source": source, audit.EvidenceAccessKeysPresent: creds}
		hw := audit.CheckResult{ID: audit.CheckRootHardwareMFA, Status: mfaStatus, Severity: audit.High, Title: "Root user's MFA is a hardware device", Detail: mfaDetail, Evidence: summary(creds)}
		if i%40 == 7 {
			hw.Status, hw.Detail = audit.Error, "could not read root's virtual MFA devices: AccessDenied: iam:ListVirtualMFADevices"
			hw.Evidence = map[string]any{audit.EvidenceAPICall: "iam:ListVirtualMFADevices", audit.EvidenceErrorCode: "AccessDenied",
				audit.EvidenceDeniedBy:   "not named by AWS (the root user cannot be granted permissions: an SCP or the resource's policy denies it)",
				audit.EvidenceAWSMessage: "User: arn:aws:sts::" + id + ":assumed-root/rootguard is not authorized to perform: iam:ListVirtualMFADevices with an explicit deny in a service control policy"}
		}
		a.Checks = []audit.CheckResult{
			{ID: audit.CheckRootAccessKeys, Status: keysStatus, Severity: audit.Critical, Title: "Root user has no access keys", Detail: keysDetail,
				Remediation: "Delete every root access key, active or inactive: `rootguard fix`.", Evidence: keysEv, References: []string{"CIS 1.4", "IAM.4"}},
			{ID: audit.CheckRootMFA, Status: mfaStatus, Severity: audit.Critical, Title: "Root user has MFA", Detail: mfaDetail,
				Remediation: "Enable MFA on root, or remove its credentials.", Evidence: summary(creds), References: []string{"CIS 1.5", "IAM.9"}},
			hw,
			{ID: audit.CheckRootSigningCertificates, Status: audit.Pass, Severity: audit.High, Title: "Root user has no signing certificates", Detail: "root has no signing certificates",
				Evidence: map[string]any{"certificates": []map[string]any{}, "source": source, audit.EvidenceCertificatesPresent: 0}},
			{ID: audit.CheckRootRecentUse, Status: audit.Pass, Severity: audit.High, Title: "Root user not used recently", Detail: "root has never been used (no recorded sign-in or key use)",
				Evidence: map[string]any{"password_last_used": "N/A", "keys": keys, "window_days": 90, "source": source, "last_used": "never"}, References: []string{"CIS 1.7"}},
			{ID: audit.CheckRootAlerting, Status: audit.Pass, Severity: audit.High, Title: "Root activity raises an alert", Detail: "rule rootguard-root-activity sends root activity to the hub",
				Evidence: map[string]any{"matching_rules": []map[string]any{{"name": "rootguard-root-activity", "arn": "arn:aws:events:us-east-1:" + id + ":rule/rootguard-root-activity", "targets": []string{"arn:aws:events:us-east-1:200000000000:event-bus/rootguard"}}}, "trails": nil}},
			{ID: audit.CheckRootActivityAlerting, Status: audit.Pass, Severity: audit.High, Title: "Root activity alerting covers every Region", Detail: "every enabled Region is covered",
				Evidence: map[string]any{"covered_regions": []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"}}},
			{ID: audit.CheckOrgCentralizedRootAccess, Status: audit.NotApplicable, Severity: audit.High, Title: "Centralized root access is enabled",
				Detail: "member account: centralized root access is decided by the management account", Evidence: map[string]any{audit.EvidenceErrorCode: "AccountNotManagementOrDelegatedAdministratorException"}},
		}
		accts = append(accts, a)
	}
	return accts, ous
}

// BenchmarkHTML renders the report of an organization as the scheduled
// posture run does (grouped by OU), into a writer that only counts bytes:
//
//	go test -run '^$' -bench BenchmarkHTML -benchmem -benchtime 3x ./internal/report
func BenchmarkHTML(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		accts, ous := syntheticOrg(n)
		in := HTMLInput{Accounts: accts, OUs: ous, Generated: at, Version: "bench",
			Skipped: []SkippedAccount{{AccountID: "999999999999", Status: "SUSPENDED"}}}
		b.Run(strconv.Itoa(n)+"-accounts", func(b *testing.B) {
			var size countWriter
			b.ReportAllocs()
			for b.Loop() {
				size = 0
				if err := HTML(&size, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size)/(1<<20), "MiB/page")
		})
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
