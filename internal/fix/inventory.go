// Package fix removes root-user credentials and turns on centralized root
// access: it builds a plan from what AWS reports, shows it, acts only when
// approved, records every change, and verifies the result.
package fix

import (
	"context"
	"fmt"
	"time"

	"github.com/rootguard/rootguard/internal/audit"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/awserr"
)

// iamAPI is what fix reads and changes in the target account. Calls are
// made without UserName: they then act on the caller, which is the root
// user both with root's own credentials and inside an AssumeRoot session.
type iamAPI interface {
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, optFns ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, optFns ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
	DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, optFns ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
	ListSigningCertificates(ctx context.Context, in *iam.ListSigningCertificatesInput, optFns ...func(*iam.Options)) (*iam.ListSigningCertificatesOutput, error)
	DeleteSigningCertificate(ctx context.Context, in *iam.DeleteSigningCertificateInput, optFns ...func(*iam.Options)) (*iam.DeleteSigningCertificateOutput, error)
	GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, optFns ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
	DeleteLoginProfile(ctx context.Context, in *iam.DeleteLoginProfileInput, optFns ...func(*iam.Options)) (*iam.DeleteLoginProfileOutput, error)
	ListMFADevices(ctx context.Context, in *iam.ListMFADevicesInput, optFns ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error)
	DeactivateMFADevice(ctx context.Context, in *iam.DeactivateMFADeviceInput, optFns ...func(*iam.Options)) (*iam.DeactivateMFADeviceOutput, error)
	DeleteVirtualMFADevice(ctx context.Context, in *iam.DeleteVirtualMFADeviceInput, optFns ...func(*iam.Options)) (*iam.DeleteVirtualMFADeviceOutput, error)
}

var _ iamAPI = (*iam.Client)(nil)

// AccessKey is one root access key with its last use.
type AccessKey struct {
	ID          string
	Status      string // Active or Inactive
	Created     time.Time
	LastUsed    time.Time // zero: never used
	LastService string
	LastRegion  string
	InUse       bool // the key signing this very run
}

// Certificate is one root X.509 signing certificate.
type Certificate struct {
	ID       string
	Status   string
	Uploaded time.Time
}

// MFADevice is one MFA device assigned to root.
type MFADevice struct {
	Serial  string
	Virtual bool // a virtual device is deleted after it is deactivated
	Kind    audit.MFAKind
}

// Inventory is what root holds in one account.
type Inventory struct {
	Account      string
	LoginProfile bool
	AccessKeys   []AccessKey
	Certificates []Certificate
	MFADevices   []MFADevice
}

// What selects the credential kinds to read.
type What struct {
	AccessKeys, Certificates, LoginProfile, MFADevices bool
}

// ReadInventory reads root's credentials of the selected kinds. inUseKey is
// the access key ID of the caller's credentials, marked InUse when it is one
// of root's keys.
func ReadInventory(ctx context.Context, client iamAPI, account, inUseKey string, what What) (*Inventory, error) {
	inv := &Inventory{Account: account}
	if what.AccessKeys {
		keys, err := readAccessKeys(ctx, client, inUseKey)
		if err != nil {
			return nil, err
		}
		inv.AccessKeys = keys
	}
	if what.Certificates {
		certs, err := readCertificates(ctx, client)
		if err != nil {
			return nil, err
		}
		inv.Certificates = certs
	}
	if what.LoginProfile {
		_, err := client.GetLoginProfile(ctx, &iam.GetLoginProfileInput{})
		switch {
		case err == nil:
			inv.LoginProfile = true
		case awserr.Code(err) != "NoSuchEntity":
			return nil, fmt.Errorf("read root password in %s: %w", account, err)
		}
	}
	if what.MFADevices {
		devices, err := readMFADevices(ctx, client)
		if err != nil {
			return nil, fmt.Errorf("read root MFA devices in %s: %w", account, err)
		}
		inv.MFADevices = devices
	}
	return inv, nil
}

func readAccessKeys(ctx context.Context, client iamAPI, inUseKey string) ([]AccessKey, error) {
	var keys []AccessKey
	p := iam.NewListAccessKeysPaginator(client, &iam.ListAccessKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list root access keys: %w", err)
		}
		for _, md := range page.AccessKeyMetadata {
			id := aws.ToString(md.AccessKeyId)
			k := AccessKey{ID: id, Status: string(md.Status), Created: aws.ToTime(md.CreateDate), InUse: id == inUseKey}
			used, err := client.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: md.AccessKeyId})
			if err != nil && awserr.Code(err) != "NoSuchEntity" {
				return nil, fmt.Errorf("read last use of root access key %s: %w", id, err)
			}
			if err == nil && used.AccessKeyLastUsed != nil {
				lu := used.AccessKeyLastUsed
				k.LastUsed = aws.ToTime(lu.LastUsedDate)
				k.LastService, k.LastRegion = usedValue(lu.ServiceName), usedValue(lu.Region)
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// usedValue drops the placeholder AWS returns for a key never used.
func usedValue(s *string) string {
	if v := aws.ToString(s); v != "N/A" {
		return v
	}
	return ""
}

func readCertificates(ctx context.Context, client iamAPI) ([]Certificate, error) {
	var certs []Certificate
	p := iam.NewListSigningCertificatesPaginator(client, &iam.ListSigningCertificatesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list root signing certificates: %w", err)
		}
		for _, c := range page.Certificates {
			certs = append(certs, Certificate{ID: aws.ToString(c.CertificateId), Status: string(c.Status), Uploaded: aws.ToTime(c.UploadDate)})
		}
	}
	return certs, nil
}

func readMFADevices(ctx context.Context, client iamAPI) ([]MFADevice, error) {
	var devices []MFADevice
	p := iam.NewListMFADevicesPaginator(client, &iam.ListMFADevicesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.MFADevices {
			serial := aws.ToString(d.SerialNumber)
			kind := audit.MFAKindOfSerial(serial)
			devices = append(devices, MFADevice{Serial: serial, Virtual: kind == audit.MFAVirtual, Kind: kind})
		}
	}
	return devices, nil
}
