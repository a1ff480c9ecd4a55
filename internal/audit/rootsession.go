package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/credreport"
	"github.com/rootguard/rootguard/internal/sdkstack"
)

// readRootSession reads the root user directly, as an sts:AssumeRoot
// session with IAMAuditRootUserCredentials can (it has no credential
// report): with no UserName, IAM answers for the caller, which is root.
func readRootSession(ctx context.Context, api iamAPI, n need, in *inputs) {
	var wg sync.WaitGroup
	if n&needLastUsed != 0 {
		sdkstack.Go(&wg, func() {
			out, err := api.GetUser(ctx, &iam.GetUserInput{})
			if err != nil {
				in.lastUsedErr = fmt.Errorf("read root user: %w", err)
				return
			}
			in.passwordLastUsed = dateOf(out.User.PasswordLastUsed)
		})
	}
	var keysErr, keyUseErr error
	if n&(needKeys|needLastUsed) != 0 {
		sdkstack.Go(&wg, func() {
			in.keys, keysErr, keyUseErr = readRootKeys(ctx, api, n&needLastUsed != 0)
		})
	}
	if n&needCerts != 0 {
		sdkstack.Go(&wg, func() {
			p := iam.NewListSigningCertificatesPaginator(api, &iam.ListSigningCertificatesInput{})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					in.certsErr = fmt.Errorf("list root signing certificates: %w", err)
					return
				}
				for _, c := range page.Certificates {
					in.certs = append(in.certs, rootCert{ID: aws.ToString(c.CertificateId), Status: string(c.Status)})
				}
			}
		})
	}
	if n&needVirtualMFA != 0 {
		sdkstack.Go(&wg, func() {
			p := iam.NewListMFADevicesPaginator(api, &iam.ListMFADevicesInput{})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					in.virtualMFAErr = fmt.Errorf("list root MFA devices: %w", err)
					return
				}
				for _, d := range page.MFADevices {
					dev := mfaDevice{Serial: aws.ToString(d.SerialNumber)}
					dev.Kind = MFAKindOfSerial(dev.Serial)
					in.rootMFA = append(in.rootMFA, dev)
					if dev.Kind == MFAVirtual {
						in.virtualMFA = append(in.virtualMFA, dev)
					}
				}
			}
		})
	}
	wg.Wait()
	in.keysErr = keysErr
	if keysErr != nil && in.lastUsedErr == nil {
		in.lastUsedErr = keysErr
	}
	if keyUseErr != nil && in.lastUsedErr == nil {
		in.lastUsedErr = keyUseErr
	}
}

// readRootKeys lists root's access keys and, when asked, each key's last
// use (concurrently). The second error is for last-use reads only: the keys
// themselves are still known.
func readRootKeys(ctx context.Context, api iamAPI, withLastUse bool) ([]rootKey, error, error) {
	var keys []rootKey
	p := iam.NewListAccessKeysPaginator(api, &iam.ListAccessKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list root access keys: %w", err), nil
		}
		for _, k := range page.AccessKeyMetadata {
			keys = append(keys, rootKey{ID: aws.ToString(k.AccessKeyId), Status: string(k.Status)})
		}
	}
	if !withLastUse {
		for i := range keys {
			keys[i].LastUseErr = errLastUseNotRead
		}
		return keys, nil, nil
	}
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		sdkstack.Go(&wg, func() {
			out, err := api.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(keys[i].ID)})
			if err != nil {
				errs[i] = fmt.Errorf("read last use of root access key %s: %w", keys[i].ID, err)
				// Unknown, not "never used": the key's LastUsed stays empty.
				keys[i].LastUseErr = errs[i]
				return
			}
			// AWS omits LastUsedDate (and answers ServiceName/Region "N/A")
			// for a key that was never used.
			keys[i].LastUsed = credreport.Date{Raw: "N/A"}
			if u := out.AccessKeyLastUsed; u != nil {
				keys[i].LastUsed = dateOf(u.LastUsedDate)
				keys[i].Service = aws.ToString(u.ServiceName)
				keys[i].Region = aws.ToString(u.Region)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return keys, nil, err
		}
	}
	return keys, nil, nil
}

// errLastUseNotRead marks keys listed for a check that does not need their
// last use; nothing shows it as a date.
var errLastUseNotRead = errors.New("not read")

// dateOf turns an API timestamp into a report-style date; AWS omits it when
// the credential was never used.
func dateOf(t *time.Time) credreport.Date {
	if t == nil || t.IsZero() {
		return credreport.Date{Raw: "N/A"}
	}
	return credreport.Date{Time: *t}
}
