package audit

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/credreport"
	"github.com/rootguard/rootguard/internal/sdkstack"
)

// inputs is everything the checks read. Each input carries its own error so
// that a check is ERROR only when its own inputs are missing.
type inputs struct {
	identityErr  error
	caller       *account.Session
	accountID    string
	partition    account.Partition
	callerARN    string
	callerIsRoot bool
	alias        string

	// rootSession: root was read directly (sts:AssumeRoot session or root
	// credentials); otherwise through the credential report.
	rootSession bool

	summary    map[string]int32
	summaryErr error

	keys    []rootKey
	keysErr error

	passwordLastUsed credreport.Date
	lastUsedErr      error

	certs    []rootCert
	certsErr error

	// virtualMFA lists assigned virtual MFA devices with their user's ARN;
	// checks match the exact root ARN.
	virtualMFA    []mfaDevice
	virtualMFAErr error
	// rootMFA lists every MFA device of root with its kind — only in a
	// root session, where ListMFADevices answers for root itself. An IAM
	// principal sees root's virtual devices (ListVirtualMFADevices) and
	// nothing of its hardware TOTP tokens or FIDO keys.
	rootMFA []mfaDevice

	org    *iam.ListOrganizationsFeaturesOutput
	orgErr error

	alerting alertingState
	activity activityState

	aliasErr error
}

type rootKey struct {
	ID       string // the key ID in a root session; "access_key_1"/"access_key_2" from the report
	Status   string // Active or Inactive
	LastUsed credreport.Date
	Service  string
	Region   string
	// LastUseErr: the key's last use could not be read, so it is unknown
	// — never "never used".
	LastUseErr error
}

type rootCert struct {
	ID     string
	Status string
}

type mfaDevice struct {
	Serial  string
	UserARN string
	Kind    MFAKind
}

// rootARN is the root user's ARN: arn:<partition>:iam::<account>:root.
func (in *inputs) rootARN() string {
	return in.partition.RootARN(in.accountID)
}

// gather reads what the needed checks read, concurrently. Mode-independent
// calls start at once; with SessionAuto the root-user reads wait for
// GetCallerIdentity to tell which kind of session this is.
func gather(ctx context.Context, c clients, opts Options, n need) *inputs {
	in := &inputs{}
	identified := make(chan struct{})
	var wg sync.WaitGroup
	sdkstack.Go(&wg, func() {
		defer close(identified)
		caller := opts.Caller
		if caller == nil {
			var err error
			if caller, err = c.identify(ctx); err != nil {
				in.identityErr = err
				return
			}
		}
		in.caller = caller
		in.accountID, in.callerARN, in.partition, in.callerIsRoot = caller.AccountID, caller.CallerARN, caller.Partition, caller.IsRoot
	})
	if n&needSummary != 0 {
		sdkstack.Go(&wg, func() {
			out, err := c.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
			if err != nil {
				in.summaryErr = fmt.Errorf("read account summary: %w", err)
				return
			}
			in.summary = out.SummaryMap
		})
	}
	sdkstack.Go(&wg, func() {
		session := opts.Session
		if session == SessionAuto {
			<-identified
			if in.identityErr != nil {
				return
			}
			session = SessionIAM
			if in.callerIsRoot {
				session = SessionAssumeRoot
			}
		}
		if session == SessionAssumeRoot {
			in.rootSession = true
			readRootSession(ctx, c.iam, n, in)
			return
		}
		readWithReport(ctx, c.iam, opts, n, in)
	})
	if n&needOrg != 0 && opts.Session != SessionAssumeRoot {
		sdkstack.Go(&wg, func() {
			in.org, in.orgErr = c.iam.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
		})
	}
	if n&needAlerting != 0 {
		sdkstack.Go(&wg, func() {
			in.alerting = readAlerting(ctx, c, func() (string, bool) {
				<-identified
				return in.accountID, in.identityErr == nil
			})
		})
	}
	if n&needActivity != 0 {
		sdkstack.Go(&wg, func() {
			in.activity = readActivity(ctx, c, func() (account.Partition, string, bool) {
				<-identified
				return in.partition, in.accountID, in.identityErr == nil
			})
		})
	}
	wg.Wait()
	if in.rootSession {
		// ListMFADevices in a root session lists root's own devices.
		for i := range in.virtualMFA {
			in.virtualMFA[i].UserARN = in.rootARN()
		}
	}
	return in
}

// readWithReport reads root through the credential report, the assigned
// virtual MFA devices and the account alias: an ordinary IAM principal.
func readWithReport(ctx context.Context, api iamAPI, opts Options, n need, in *inputs) {
	var wg sync.WaitGroup
	if n&(needKeys|needLastUsed|needCerts) != 0 {
		sdkstack.Go(&wg, func() {
			rep, err := fetchCredentialReport(ctx, api, opts)
			if err == nil {
				err = in.fromReport(rep)
			}
			in.keysErr, in.lastUsedErr, in.certsErr = err, err, err
		})
	}
	if n&needVirtualMFA != 0 {
		sdkstack.Go(&wg, func() {
			in.virtualMFA, in.virtualMFAErr = listAssignedVirtualMFA(ctx, api)
		})
	}
	sdkstack.Go(&wg, func() {
		out, err := api.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
		if err != nil {
			in.aliasErr = fmt.Errorf("read account alias: %w", err)
			return
		}
		if len(out.AccountAliases) > 0 {
			in.alias = out.AccountAliases[0]
		}
	})
	wg.Wait()
}

func (in *inputs) fromReport(rep *credreport.Report) error {
	root, ok := rep.Root()
	if !ok {
		return fmt.Errorf("credential report has no %s row", credreport.RootUser)
	}
	in.passwordLastUsed = root.PasswordLastUsed
	for i, k := range root.AccessKeys {
		if !k.Present() {
			continue
		}
		in.keys = append(in.keys, rootKey{
			ID: fmt.Sprintf("access_key_%d", i+1), Status: credentialStatus(k.Active),
			LastUsed: k.LastUsed, Service: k.LastUsedService, Region: k.LastUsedRegion,
		})
	}
	for i, c := range root.Certs {
		if !c.Present() {
			continue
		}
		in.certs = append(in.certs, rootCert{ID: fmt.Sprintf("cert_%d", i+1), Status: credentialStatus(c.Active)})
	}
	return nil
}

// credentialStatus is IAM's word for the state of a key or certificate
// whose report column "active" is a.
func credentialStatus(a credreport.Flag) string {
	if a == credreport.True {
		return "Active"
	}
	return "Inactive"
}

func listAssignedVirtualMFA(ctx context.Context, api iamAPI) ([]mfaDevice, error) {
	var out []mfaDevice
	p := iam.NewListVirtualMFADevicesPaginator(api, &iam.ListVirtualMFADevicesInput{AssignmentStatus: "Assigned"})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list virtual MFA devices: %w", err)
		}
		for _, d := range page.VirtualMFADevices {
			dev := mfaDevice{Serial: aws.ToString(d.SerialNumber)}
			if d.User != nil {
				dev.UserARN = aws.ToString(d.User.Arn)
			}
			out = append(out, dev)
		}
	}
	return out, nil
}

// MFAKind is the kind of an MFA device, as its serial number tells it.
type MFAKind string

// The MFA kinds AWS distinguishes by serial number (IAM API reference,
// ListMFADevices, and the AWS CLI examples of list-mfa-devices and
// get-mfa-device): a virtual device is an IAM resource
// arn:<partition>:iam::<acct>:mfa/<name>; a FIDO security key (passkey)
// arn:<partition>:iam::<acct>:u2f/<owner>/<name>-<id>; a hardware TOTP
// token keeps its vendor serial (e.g. GAKT12345678).
const (
	MFAVirtual      MFAKind = "virtual"
	MFAFIDO         MFAKind = "FIDO security key"
	MFAHardwareTOTP MFAKind = "hardware TOTP token"
)

// MFAKindOfSerial tells a device's kind from its serial number.
func MFAKindOfSerial(serial string) MFAKind {
	a, err := arn.Parse(serial)
	switch {
	case err != nil:
		return MFAHardwareTOTP
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "mfa/"):
		return MFAVirtual
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "u2f/"):
		return MFAFIDO
	}
	// An ARN of another form is no kind AWS documents: not claimed as
	// hardware.
	return MFAKind("unknown (" + serial + ")")
}
