package audit

import (
	"context"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// TestWireRootChecks audits seeded accounts through real SDK clients over
// HTTP against the local AWS (awsemu), credential report generated there.
func TestWireRootChecks(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Skipf("local AWS unavailable: %v", err)
	}
	defer emu.Close()
	now := time.Now()
	ids := []string{"root-access-keys", "root-mfa", "root-hardware-mfa", "root-signing-certificates", "root-recent-use"}
	tests := []struct {
		name string
		seed func(a *awsemu.Account)
		want map[string]Status
	}{
		{"hardened", func(a *awsemu.Account) {
			a.Root().SetPassword(now.AddDate(-2, 0, 0), now.AddDate(0, 0, -200))
			a.Root().AddMFADevice(awsemu.MFAFIDO, "key")
			a.AddUser("root-admin").AddMFADevice(awsemu.MFAVirtual, "root-admin")
		}, map[string]Status{"root-access-keys": Pass, "root-mfa": Pass, "root-hardware-mfa": Pass, "root-signing-certificates": Pass, "root-recent-use": Pass}},
		{"keys, virtual MFA, certificate, recent key use", func(a *awsemu.Account) {
			a.Root().SetPassword(now.AddDate(-2, 0, 0), now.AddDate(0, 0, -300))
			a.Root().AddAccessKey(awsemu.AccessKey{Inactive: true})
			a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -2), LastUsedService: "s3", LastUsedRegion: "us-east-1"})
			a.Root().AddMFADevice(awsemu.MFAVirtual, "root-account-mfa-device")
			a.Root().AddSigningCertificate(true)
		}, map[string]Status{"root-access-keys": Fail, "root-mfa": Pass, "root-hardware-mfa": Fail, "root-signing-certificates": Fail, "root-recent-use": Fail}},
		{"root credentials removed", func(a *awsemu.Account) {},
			map[string]Status{"root-access-keys": Pass, "root-mfa": NotApplicable, "root-hardware-mfa": NotApplicable, "root-signing-certificates": Pass, "root-recent-use": Pass}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := emu.AddAccount("10000000000"+string(rune('0'+i)), "wire")
			tt.seed(acct)
			creds := acct.AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
			res := Account(context.Background(), emu.Config(creds), Options{Checks: ids, Sleep: func(context.Context, time.Duration) error { return nil }})
			if res.Error != "" {
				t.Fatal(res.Error)
			}
			got := statuses(res)
			for id, want := range tt.want {
				if got[id] != want {
					t.Errorf("%s = %s, want %s", id, got[id], want)
				}
			}
			if t.Failed() {
				for _, c := range res.Checks {
					t.Logf("%s %s: %s", c.ID, c.Status, c.Detail)
				}
			}
		})
	}
}
