package awsemu

import (
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func TestCredentialReportRootRow(t *testing.T) {
	o := newTestOrg(t)
	root := o.member.Root()
	root.SetPassword(t0.Add(-48*time.Hour), time.Time{})
	key := root.AddAccessKey(AccessKey{ID: "AKIAROOTKEY000000001", Created: t0, LastUsed: t0.Add(time.Hour), LastUsedService: "s3", LastUsedRegion: "eu-west-1"})
	root.AddAccessKey(AccessKey{ID: "AKIAROOTKEY000000002", Created: t0, Inactive: true})
	root.AddMFADevice(MFAVirtual, "root-account-mfa-device")
	admin := o.member.AddUser("admin").AddAccessKey(AccessKey{})
	o.member.SetCredentialReportBehavior(CredentialReportBehavior{InProgressCalls: 1})
	client := o.iam(admin)

	_, err := client.GetCredentialReport(ctx(t), &iam.GetCredentialReportInput{})
	var notPresent *iamtypes.CredentialReportNotPresentException
	if !errors.As(err, &notPresent) {
		t.Fatalf("before generation: %v, want ReportNotPresent", err)
	}
	for _, want := range []iamtypes.ReportStateType{iamtypes.ReportStateTypeStarted, iamtypes.ReportStateTypeInprogress, iamtypes.ReportStateTypeComplete} {
		out, err := client.GenerateCredentialReport(ctx(t), &iam.GenerateCredentialReportInput{})
		if err != nil {
			t.Fatal(err)
		}
		if out.State != want {
			t.Fatalf("state = %s, want %s", out.State, want)
		}
	}
	out, err := client.GetCredentialReport(ctx(t), &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(out.Content))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows[0]) != 22 || strings.Join(rows[0], ",") != "user,arn,user_creation_time,password_enabled,password_last_used,"+
		"password_last_changed,password_next_rotation,mfa_active,"+
		"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"+
		"access_key_1_last_used_region,access_key_1_last_used_service,"+
		"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"+
		"access_key_2_last_used_region,access_key_2_last_used_service,"+
		"cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated" {
		t.Fatalf("header = %v", rows[0])
	}
	want := []string{"<root_account>", "arn:aws:iam::222222222222:root", o.member.a.Created.UTC().Format("2006-01-02T15:04:05+00:00"),
		"not_supported", "no_information", "not_supported", "not_supported", "true",
		"true", "2024-05-01T10:00:00+00:00", "2024-05-01T11:00:00+00:00", "eu-west-1", "s3",
		"false", "2024-05-01T10:00:00+00:00", "N/A", "N/A", "N/A",
		"false", "N/A", "false", "N/A"}
	if strings.Join(rows[1], ",") != strings.Join(want, ",") {
		t.Errorf("root row\n got %v\nwant %v", rows[1], want)
	}
	if rows[2][0] != "admin" || rows[2][3] != "false" || rows[2][4] != "N/A" {
		t.Errorf("admin row = %v", rows[2])
	}
	_ = key
}

func TestCredentialReportRefusals(t *testing.T) {
	o := newTestOrg(t)
	admin := o.member.AddUser("admin").AddAccessKey(AccessKey{})
	o.member.SetCredentialReportBehavior(CredentialReportBehavior{LimitExceededCalls: 1, NeverCompletes: true})
	client := o.iam(admin)
	_, err := client.GenerateCredentialReport(ctx(t), &iam.GenerateCredentialReportInput{})
	var limit *iamtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("first generation: %v, want LimitExceeded", err)
	}
	if _, err := client.GenerateCredentialReport(ctx(t), &iam.GenerateCredentialReportInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = client.GetCredentialReport(ctx(t), &iam.GetCredentialReportInput{})
	var notReady *iamtypes.CredentialReportNotReadyException
	if !errors.As(err, &notReady) {
		t.Fatalf("get while generating: %v, want ReportInProgress", err)
	}
}

func TestCredentialReportExpires(t *testing.T) {
	now := t0
	emu, err := New(WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	admin := emu.AddAccount(memberID, "solo").AddUser("admin").AddAccessKey(AccessKey{})
	client := iam.NewFromConfig(emu.Config(admin))
	if _, err := client.GenerateCredentialReport(ctx(t), &iam.GenerateCredentialReportInput{}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(5 * time.Hour)
	_, err = client.GetCredentialReport(ctx(t), &iam.GetCredentialReportInput{})
	var expired *iamtypes.CredentialReportExpiredException
	if !errors.As(err, &expired) {
		t.Fatalf("after 5 h: %v, want ReportExpired", err)
	}
}

func TestAccountSummaryFollowsRootCredentials(t *testing.T) {
	o := newTestOrg(t)
	root := o.member.Root()
	rootKey := root.AddAccessKey(AccessKey{})
	root.SetPassword(t0, t0)
	root.AddSigningCertificate(true)
	root.AddMFADevice(MFAHardware, "GAHT12345678")
	client := o.iam(rootKey)

	summary := func() map[string]int32 {
		out, err := client.GetAccountSummary(ctx(t), &iam.GetAccountSummaryInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.SummaryMap
	}
	got := summary()
	for _, k := range []string{"AccountMFAEnabled", "AccountAccessKeysPresent", "AccountPasswordPresent", "AccountSigningCertificatesPresent"} {
		if got[k] != 1 {
			t.Errorf("%s = %d, want 1", k, got[k])
		}
	}
	if got["AccessKeysPerUserQuota"] != 2 {
		t.Errorf("AccessKeysPerUserQuota = %d", got["AccessKeysPerUserQuota"])
	}
	// Root deletes its own key: the key stops authenticating at once.
	if _, err := client.DeleteAccessKey(ctx(t), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(rootKey.AccessKeyID)}); err != nil {
		t.Fatal(err)
	}
	_, err := o.sts(rootKey).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if code := errorCode(t, err); code != "InvalidClientTokenId" {
		t.Errorf("deleted key: code %q, want InvalidClientTokenId", code)
	}
	admin := o.member.AddUser("admin").AddAccessKey(AccessKey{})
	out, err := o.iam(admin).GetAccountSummary(ctx(t), &iam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	if out.SummaryMap["AccountAccessKeysPresent"] != 0 {
		t.Errorf("AccountAccessKeysPresent after deletion = %d", out.SummaryMap["AccountAccessKeysPresent"])
	}
	deletions := o.emu.CallsTo("iam", "DeleteAccessKey")
	if len(deletions) != 1 || deletions[0].Describe() != "root key "+rootKey.AccessKeyID+" was deleted in "+memberID {
		t.Errorf("call log = %v", deletions)
	}
}

func TestRootSurfaceWithoutUserName(t *testing.T) {
	o := newTestOrg(t)
	root := o.member.Root()
	rootKey := root.AddAccessKey(AccessKey{LastUsedService: "iam"})
	virtual := root.AddMFADevice(MFAVirtual, "root-account-mfa-device")
	fido := root.AddMFADevice(MFAFIDO, "yubikey")
	alice := o.member.AddUser("alice")
	alice.AddMFADevice(MFAVirtual, "alice")
	client := o.iam(rootKey)

	user, err := client.GetUser(ctx(t), &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *user.User.Arn != "arn:aws:iam::222222222222:root" || *user.User.UserId != memberID {
		t.Errorf("GetUser as root = %s %s", *user.User.Arn, *user.User.UserId)
	}
	devices, err := client.ListMFADevices(ctx(t), &iam.ListMFADevicesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(devices.MFADevices) != 2 || *devices.MFADevices[0].SerialNumber != virtual || *devices.MFADevices[1].SerialNumber != fido {
		t.Errorf("root MFA devices = %+v", devices.MFADevices)
	}
	if virtual != "arn:aws:iam::222222222222:mfa/root-account-mfa-device" || !strings.HasPrefix(fido, "arn:aws:iam::222222222222:u2f/root/yubikey-") {
		t.Errorf("serials = %s %s", virtual, fido)
	}
	assigned, err := client.ListVirtualMFADevices(ctx(t), &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned})
	if err != nil {
		t.Fatal(err)
	}
	rootAssigned := 0
	for _, d := range assigned.VirtualMFADevices {
		if d.User != nil && *d.User.Arn == "arn:aws:iam::222222222222:root" {
			rootAssigned++
		}
	}
	if len(assigned.VirtualMFADevices) != 2 || rootAssigned != 1 {
		t.Errorf("assigned virtual devices = %d, root's = %d", len(assigned.VirtualMFADevices), rootAssigned)
	}
	_, err = client.GetLoginProfile(ctx(t), &iam.GetLoginProfileInput{})
	var noSuchEntity *iamtypes.NoSuchEntityException
	if !errors.As(err, &noSuchEntity) {
		t.Errorf("root without password: %v, want NoSuchEntity", err)
	}
	last, err := client.GetAccessKeyLastUsed(ctx(t), &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(rootKey.AccessKeyID)})
	if err != nil {
		t.Fatal(err)
	}
	if *last.AccessKeyLastUsed.ServiceName != "iam" || last.AccessKeyLastUsed.LastUsedDate == nil {
		t.Errorf("last used = %+v, want this call's use of iam", last.AccessKeyLastUsed)
	}
	_, err = client.EnableMFADevice(ctx(t), &iam.EnableMFADeviceInput{UserName: aws.String(memberID),
		SerialNumber: aws.String("GAHT00000001"), AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321")})
	if !errors.As(err, &noSuchEntity) {
		t.Errorf("EnableMFADevice for root: %v, want refusal", err)
	}
}

func TestListAccessKeysPaginates(t *testing.T) {
	o := newTestOrg(t)
	bob := o.member.AddUser("bob")
	first := bob.AddAccessKey(AccessKey{})
	second := bob.AddAccessKey(AccessKey{})
	client := o.iam(first)
	var ids []string
	pages := iam.NewListAccessKeysPaginator(client, &iam.ListAccessKeysInput{MaxItems: aws.Int32(1)})
	calls := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		calls++
		for _, k := range page.AccessKeyMetadata {
			ids = append(ids, *k.AccessKeyId)
		}
	}
	if calls != 2 || strings.Join(ids, ",") != first.AccessKeyID+","+second.AccessKeyID {
		t.Errorf("%d pages, keys %v", calls, ids)
	}
	_, err := client.CreateAccessKey(ctx(t), &iam.CreateAccessKeyInput{})
	var limit *iamtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Errorf("third key: %v, want LimitExceeded", err)
	}
}
