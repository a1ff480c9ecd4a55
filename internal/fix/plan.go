package fix

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Step is one change rootguard would make.
type Step struct {
	Account      string
	Action       string // the IAM action it performs, e.g. "iam:DeleteAccessKey"
	Target       string // key ID, certificate ID, MFA serial, feature name
	Description  string // one human line, with the evidence that matters
	Irreversible bool   // needs the typed account-ID confirmation
	EndsSession  bool   // deletes the credentials this run is signed with

	run       func(ctx context.Context) error
	principal string // who runs it, for the advice when AWS denies it
}

// Plan is the ordered list of steps for one account.
type Plan struct {
	Account string
	Steps   []Step
	Notes   []string // warnings shown with the plan
}

// Irreversible reports whether any step cannot be undone.
func (p *Plan) Irreversible() bool {
	for _, s := range p.Steps {
		if s.Irreversible {
			return true
		}
	}
	return false
}

// PlanRootCredentials orders the deletion of what inv holds, in the order
// AWS requires and that keeps the account safest while the run is under
// way: the password first (no console sign-in), then access keys and
// signing certificates (no API use), MFA last (never a password without
// MFA); virtual MFA devices are deleted after they are deactivated. The key
// that signs this run is deleted at the very end, because every call after
// it would fail.
//
// In an sts:AssumeRoot session (assumeRoot) a deactivated virtual device
// cannot be deleted: IAMDeleteRootUserCredentials does not allow
// iam:DeleteVirtualMFADevice (AWS removed it from the task policy in
// January 2025). The device is then left unassigned — it protects and
// unlocks nothing — and the plan says how to delete it.
func PlanRootCredentials(client iamAPI, inv *Inventory, now time.Time, assumeRoot bool) *Plan {
	p := &Plan{Account: inv.Account}
	acct := inv.Account
	if inv.LoginProfile {
		p.Steps = append(p.Steps, Step{
			Account: acct, Action: "iam:DeleteLoginProfile", Target: "root password",
			Description: "delete the root user's console password", Irreversible: true,
			run: func(ctx context.Context) error {
				_, err := client.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{})
				return err
			},
		})
	}
	var last []Step
	for _, k := range inv.AccessKeys {
		s := Step{
			Account: acct, Action: "iam:DeleteAccessKey", Target: k.ID,
			Description: "delete root access key " + k.ID + " (" + describeKey(k, now) + ")", Irreversible: true,
			EndsSession: k.InUse,
			run: func(ctx context.Context) error {
				_, err := client.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(k.ID)})
				return err
			},
		}
		if k.InUse {
			s.Description += "; this is the key rootguard is running with: it is deleted last and the session ends"
			last = append(last, s)
			p.Notes = append(p.Notes, fmt.Sprintf("Root access key %s signs this run: it is deleted last, after which these credentials stop working.", k.ID))
			continue
		}
		p.Steps = append(p.Steps, s)
	}
	for _, c := range inv.Certificates {
		p.Steps = append(p.Steps, Step{
			Account: acct, Action: "iam:DeleteSigningCertificate", Target: c.ID,
			Description:  fmt.Sprintf("delete root signing certificate %s (%s, uploaded %s)", c.ID, c.Status, day(c.Uploaded)),
			Irreversible: true,
			run: func(ctx context.Context) error {
				_, err := client.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{CertificateId: aws.String(c.ID)})
				return err
			},
		})
	}
	for _, d := range inv.MFADevices {
		p.Steps = append(p.Steps, Step{
			Account: acct, Action: "iam:DeactivateMFADevice", Target: d.Serial,
			Description: "deactivate root MFA device " + d.Serial + mfaKind(d), Irreversible: true,
			run: func(ctx context.Context) error {
				_, err := client.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{SerialNumber: aws.String(d.Serial)})
				return err
			},
		})
		if d.Virtual && assumeRoot {
			p.Notes = append(p.Notes, fmt.Sprintf("The virtual MFA device %s is left unassigned after deactivation: the AssumeRoot task policy cannot delete it. "+
				"Delete it with an IAM principal in %s: aws iam delete-virtual-mfa-device --serial-number %s", d.Serial, acct, d.Serial))
		}
		if d.Virtual && !assumeRoot {
			p.Steps = append(p.Steps, Step{
				Account: acct, Action: "iam:DeleteVirtualMFADevice", Target: d.Serial,
				Description: "delete the deactivated virtual MFA device " + d.Serial, Irreversible: true,
				run: func(ctx context.Context) error {
					_, err := client.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(d.Serial)})
					return err
				},
			})
		}
	}
	p.Steps = append(p.Steps, last...)
	return p
}

func describeKey(k AccessKey, now time.Time) string {
	if k.LastUsed.IsZero() {
		return k.Status + ", never used"
	}
	s := fmt.Sprintf("%s, last used %s (%d days ago)", k.Status, day(k.LastUsed), int(now.Sub(k.LastUsed).Hours()/24))
	if k.LastService != "" {
		s += " by " + k.LastService
	}
	if k.LastRegion != "" {
		s += " in " + k.LastRegion
	}
	return s
}

func day(t time.Time) string {
	if t.IsZero() {
		return "unknown date"
	}
	return t.UTC().Format("2006-01-02")
}

func mfaKind(d MFADevice) string {
	if d.Kind == "" {
		return ""
	}
	return " (" + string(d.Kind) + ")"
}
