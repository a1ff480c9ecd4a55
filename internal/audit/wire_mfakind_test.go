package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// TestWireMFAKinds: in a root session, ListMFADevices shows each of root's
// devices and its serial tells the kind (virtual mfa/…, FIDO u2f/…, hardware
// TOTP a plain serial); an IAM principal sees root's virtual devices only,
// so a non-virtual device is reported as "hardware TOTP or FIDO", never as
// one of them.
func TestWireMFAKinds(t *testing.T) {
	emu := newWireEmu(t)
	mgmt := emu.AddAccount(newAccountID(), "management")
	org := emu.CreateOrganization(mgmt.ID)
	org.EnableCentralizedRootAccess("RootCredentialsManagement", "RootSessions")
	admin := emu.Config(mgmt.AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	checks := []CheckID{CheckRootMFA, CheckRootHardwareMFA}

	for _, tt := range []struct {
		kind                   awsemu.MFAKind
		hardware               Status
		inSession, asIAMUser   string
		notInSession, notAsIAM string
	}{
		{awsemu.MFAFIDO, Pass, "FIDO security key", "not virtual: a hardware TOTP token or a FIDO security key (AWS does not tell an IAM principal which)", "hardware TOTP", "FIDO security key (" + "x"},
		{awsemu.MFAHardware, Pass, "hardware TOTP token", "not virtual: a hardware TOTP token or a FIDO security key (AWS does not tell an IAM principal which)", "FIDO", "hardware TOTP token (" + "x"},
		{awsemu.MFAVirtual, Fail, "virtual", "virtual; other devices (hardware TOTP, FIDO), if any, are not visible to an IAM principal", "FIDO", "not virtual"},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			member := emu.AddAccount(newAccountID(), "member")
			org.AddAccount(member, org.RootID())
			member.Root().SetPassword(time.Now().AddDate(-1, 0, 0), time.Time{})
			serial := member.Root().AddMFADevice(tt.kind, "root-device")
			ctx := context.Background()

			session, err := rootsession.Assume(ctx, admin, member.ID, rootsession.AuditRootUserCredentials)
			if err != nil {
				t.Fatal(err)
			}
			inSession := Account(ctx, session, Options{Session: SessionAssumeRoot, Checks: checks})
			iamUser := Account(ctx, emu.Config(member.AddUser("auditor").AddAccessKey(awsemu.AccessKey{})), Options{Checks: checks, ReportWait: time.Minute, Sleep: noSleep})

			for name, tc := range map[string]struct {
				res  AccountResult
				want string
			}{"root session": {inSession, tt.inSession}, "IAM principal": {iamUser, tt.asIAMUser}} {
				mfa, hw := checkOf(t, tc.res, CheckRootMFA), checkOf(t, tc.res, CheckRootHardwareMFA)
				if mfa.Status != Pass || hw.Status != tt.hardware {
					t.Errorf("%s: root-mfa %s, root-hardware-mfa %s (%s), want PASS, %s", name, mfa.Status, hw.Status, hw.Detail, tt.hardware)
				}
				kind, _ := mfa.Evidence[EvidenceMFAKind].(string)
				if kind != tc.want || hw.Evidence[EvidenceMFAKind] != tc.want {
					t.Errorf("%s: kind %q / %v, want %q", name, kind, hw.Evidence[EvidenceMFAKind], tc.want)
				}
				if !strings.Contains(mfa.Detail, tc.want) {
					t.Errorf("%s: the table detail %q does not name the kind", name, mfa.Detail)
				}
				devices, _ := mfa.Evidence[EvidenceMFADevices].([]map[string]string)
				if name == "root session" && (len(devices) != 1 || devices[0]["serial"] != serial || devices[0]["kind"] != tt.inSession) {
					t.Errorf("%s: devices %v, want %s as %s", name, devices, serial, tt.inSession)
				}
			}
		})
	}
}

func TestMFAKindOfSerial(t *testing.T) {
	for serial, want := range map[string]MFAKind{
		"arn:aws:iam::123456789012:mfa/root-account-mfa-device":                      MFAVirtual,
		"arn:aws-us-gov:iam::123456789012:mfa/phone":                                 MFAVirtual,
		"arn:aws:iam::123456789012:u2f/root/yubikey-EXAMPLEBN5FHTECLFG7EXAMPLE":      MFAFIDO,
		"arn:aws:iam::123456789012:u2f/user/alice/fidokeyname-EXAMPLEBN5FHTECLFG7EX": MFAFIDO,
		"GAKT12345678":                        MFAHardwareTOTP,
		"arn:aws:iam::123456789012:sms-mfa/x": "unknown (arn:aws:iam::123456789012:sms-mfa/x)",
		"arn:aws:iam::123456789012:user/mfa":  "unknown (arn:aws:iam::123456789012:user/mfa)",
	} {
		if got := MFAKindOfSerial(serial); got != want {
			t.Errorf("%s: %q, want %q", serial, got, want)
		}
	}
}
