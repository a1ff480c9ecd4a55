package audit

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
)

// rootStateCase is one state of an account's root user, with what the root
// checks must say about it and, when it matters, the evidence that says why.
type rootStateCase struct {
	name  string
	seed  func(a *awsemu.Account, now time.Time)
	want  map[CheckID]Status
	check func(t *testing.T, res AccountResult)
}

// rootStates covers every row of the root checks, including where
// the peers are known to be wrong.
var rootStates = []rootStateCase{
	{
		name: "hardened: FIDO root MFA, password not used for 200 days",
		seed: func(a *awsemu.Account, now time.Time) {
			a.Root().SetPassword(now.AddDate(-2, 0, 0), now.AddDate(0, 0, -200))
			a.Root().AddMFADevice(awsemu.MFAFIDO, "key")
		},
		want: map[CheckID]Status{"root-access-keys": Pass, "root-mfa": Pass, "root-hardware-mfa": Pass, "root-signing-certificates": Pass, "root-recent-use": Pass},
	},
	{
		name: "keys, virtual MFA, certificate, recent key use",
		seed: func(a *awsemu.Account, now time.Time) {
			a.Root().SetPassword(now.AddDate(-2, 0, 0), now.AddDate(0, 0, -300))
			a.Root().AddAccessKey(awsemu.AccessKey{ID: "AKIAROOTOLD", Inactive: true})
			a.Root().AddAccessKey(awsemu.AccessKey{ID: "AKIAROOTNEW", LastUsed: now.AddDate(0, 0, -2), LastUsedService: "s3", LastUsedRegion: "eu-west-1"})
			a.Root().AddMFADevice(awsemu.MFAVirtual, "root-account-mfa-device")
			a.Root().AddSigningCertificate(true)
		},
		want: map[CheckID]Status{"root-access-keys": Fail, "root-mfa": Pass, "root-hardware-mfa": Fail, "root-signing-certificates": Fail, "root-recent-use": Fail},
		check: func(t *testing.T, res AccountResult) {
			keys := checkOf(t, res, "root-access-keys").Evidence["keys"].([]map[string]any)
			if len(keys) != 2 || keys[0]["status"] != "Inactive" || keys[1]["status"] != "Active" ||
				keys[1]["last_used_service"] != "s3" || keys[1]["last_used_region"] != "eu-west-1" || keys[1]["last_used"] == "" {
				t.Errorf("root-access-keys evidence keys = %v", keys)
			}
			if d := checkOf(t, res, "root-hardware-mfa").Detail; !contains(d, ":mfa/root-account-mfa-device") {
				t.Errorf("root-hardware-mfa detail %q does not name the virtual device", d)
			}
		},
	},
	{
		// Peers decide "hardware MFA" by the substring "root" in any ARN.
		name: "IAM user named root with a virtual MFA: root's FIDO key still passes",
		seed: func(a *awsemu.Account, now time.Time) {
			a.Root().SetPassword(now.AddDate(-1, 0, 0), time.Time{})
			a.Root().AddMFADevice(awsemu.MFAFIDO, "key")
			a.AddUser("root").AddMFADevice(awsemu.MFAVirtual, "root")
			a.AddUser("root-admin").AddMFADevice(awsemu.MFAVirtual, "root-admin")
		},
		want: map[CheckID]Status{"root-mfa": Pass, "root-hardware-mfa": Pass},
		check: func(t *testing.T, res AccountResult) {
			if v := checkOf(t, res, "root-hardware-mfa").Evidence["root_virtual_mfa_devices"]; len(v.([]string)) != 0 {
				t.Errorf("root virtual devices = %v, want none", v)
			}
		},
	},
	{
		// Peers take the first date in the row (password_last_used).
		name: "newest date wins: password 200 days ago, second key 5 days ago",
		seed: func(a *awsemu.Account, now time.Time) {
			a.Root().SetPassword(now.AddDate(-2, 0, 0), now.AddDate(0, 0, -200))
			a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -400), LastUsedService: "ec2", LastUsedRegion: "us-east-1"})
			a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -5), LastUsedService: "iam", LastUsedRegion: "us-east-1"})
			a.Root().AddMFADevice(awsemu.MFAHardware, "")
		},
		want: map[CheckID]Status{"root-recent-use": Fail, "root-hardware-mfa": Pass},
		check: func(t *testing.T, res AccountResult) {
			c := checkOf(t, res, "root-recent-use")
			if c.Evidence["last_used_by"] != "access key access_key_2" || !contains(c.Detail, "5 day(s) ago") {
				t.Errorf("root-recent-use = %q, last_used_by %v", c.Detail, c.Evidence["last_used_by"])
			}
		},
	},
	{
		name: "newest date wins: password 3 days ago, keys long unused",
		seed: func(a *awsemu.Account, now time.Time) {
			a.Root().SetPassword(now.AddDate(-2, 0, 0), now.AddDate(0, 0, -3))
			a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -120), LastUsedService: "s3", LastUsedRegion: "us-east-1"})
		},
		want: map[CheckID]Status{"root-recent-use": Fail, "root-mfa": Fail, "root-hardware-mfa": Fail},
		check: func(t *testing.T, res AccountResult) {
			if by := checkOf(t, res, "root-recent-use").Evidence["last_used_by"]; by != "password" {
				t.Errorf("last_used_by = %v, want password", by)
			}
			if d := checkOf(t, res, "root-hardware-mfa").Detail; !contains(d, "no MFA at all") {
				t.Errorf("root-hardware-mfa detail = %q", d)
			}
		},
	},
	{
		// The report says no_information (password never used), N/A (keys
		// never used) and not_supported (root's password_enabled): all "never".
		name: "never used: no_information, N/A and not_supported mean never",
		seed: func(a *awsemu.Account, now time.Time) {
			a.Root().SetPassword(now.AddDate(0, 0, -10), time.Time{})
			a.Root().AddAccessKey(awsemu.AccessKey{Inactive: true})
			a.Root().AddMFADevice(awsemu.MFAFIDO, "key")
		},
		want: map[CheckID]Status{"root-recent-use": Pass, "root-access-keys": Fail, "root-mfa": Pass},
		check: func(t *testing.T, res AccountResult) {
			c := checkOf(t, res, "root-recent-use")
			if c.Evidence["last_used"] != "never" || !contains(c.Detail, "never been used") {
				t.Errorf("root-recent-use = %q %v, want never", c.Detail, c.Evidence)
			}
		},
	},
	{
		// Peers report members whose root credentials were removed as failing.
		name: "root credentials removed",
		seed: func(a *awsemu.Account, now time.Time) {},
		want: map[CheckID]Status{"root-access-keys": Pass, "root-mfa": NotApplicable, "root-hardware-mfa": NotApplicable, "root-signing-certificates": Pass, "root-recent-use": Pass},
	},
}

// TestWireRootChecks audits each root state through real SDK clients over
// HTTP against the local AWS as an IAM principal: the credential report is
// generated, polled and parsed there.
func TestWireRootChecks(t *testing.T) {
	emu := newWireEmu(t)
	now := time.Now()
	for _, tt := range rootStates {
		t.Run(tt.name, func(t *testing.T) {
			acct := emu.AddAccount(newAccountID(), "wire")
			tt.seed(acct, now)
			creds := acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
			res := Account(context.Background(), emu.Config(creds), Options{Checks: rootCheckIDs, Sleep: noSleep})
			assertStatuses(t, res, tt.want)
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

// TestWireNoInformationEvidence: a root password that was never used is
// "no_information" in the credential report, and the evidence says so
// rather than inventing a date.
func TestWireNoInformationEvidence(t *testing.T) {
	emu := newWireEmu(t)
	acct := emu.AddAccount(newAccountID(), "wire")
	acct.Root().SetPassword(time.Now().AddDate(0, -1, 0), time.Time{})
	creds := acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
	res := Account(context.Background(), emu.Config(creds), Options{Checks: []CheckID{"root-recent-use"}, Sleep: noSleep})
	c := checkOf(t, res, "root-recent-use")
	if c.Status != Pass || c.Evidence["password_last_used"] != "no_information" || c.Evidence["source"] != "credential report" {
		t.Errorf("root-recent-use = %s %q %v", c.Status, c.Detail, c.Evidence)
	}
}

// TestWireThrottlingSurvived injects throttling on 30 % of IAM calls: with
// rootguard's retryer (awsconfig.NewRetryer) every check is decided as
// without throttling. Only the backoff delay is shortened, to keep the test
// fast; attempts and the retry quota are rootguard's.
func TestWireThrottlingSurvived(t *testing.T) {
	emu := newWireEmu(t)
	emu.SeedFaults(7)
	emu.InjectFault(awsemu.Fault{Service: "iam", ThrottleRate: 0.3})
	now := time.Now()
	for _, tt := range rootStates {
		t.Run(tt.name, func(t *testing.T) {
			acct := emu.AddAccount(newAccountID(), "throttled")
			tt.seed(acct, now)
			cfg := emu.Config(acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{}))
			cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxBackoffDelay(awsconfig.NewRetryer(), 5*time.Millisecond) }
			res := Account(context.Background(), cfg, Options{Checks: rootCheckIDs, Sleep: noSleep})
			assertStatuses(t, res, tt.want)
			if errs := errorsIn(res); len(errs) > 0 {
				t.Errorf("errors under throttling: %v", errs)
			}
		})
	}
	throttled := 0
	for _, r := range emu.Calls() {
		if r.ErrorCode == "Throttling" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("no call was throttled: the test proves nothing")
	}
	t.Logf("%d IAM calls throttled and retried", throttled)
}
