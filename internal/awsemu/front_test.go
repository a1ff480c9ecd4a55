package awsemu

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestOrganizationsListsThousandAccountsInPages(t *testing.T) {
	o := newTestOrg(t)
	for i := range 997 {
		o.org.AddAccount(o.emu.AddAccount(fmt.Sprintf("9%011d", i), fmt.Sprintf("acct-%d", i)), o.org.RootID())
	}
	o.emu.Account(otherID).Suspend()
	client := organizations.NewFromConfig(o.emu.Config(o.admin))
	pages := organizations.NewListAccountsPaginator(client, &organizations.ListAccountsInput{})
	seen, suspended, calls := map[string]bool{}, 0, 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		calls++
		for _, a := range page.Accounts {
			seen[*a.Id] = true
			if a.State == orgtypes.AccountStateSuspended {
				suspended++
			}
		}
	}
	if len(seen) != 1000 || calls != 50 || suspended != 1 {
		t.Errorf("%d accounts in %d pages, %d suspended; want 1000 in 50, 1", len(seen), calls, suspended)
	}
	roots, err := client.ListRoots(ctx(t), &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	ous, err := client.ListOrganizationalUnitsForParent(ctx(t), &organizations.ListOrganizationalUnitsForParentInput{ParentId: roots.Roots[0].Id})
	if err != nil {
		t.Fatal(err)
	}
	inOU, err := client.ListAccountsForParent(ctx(t), &organizations.ListAccountsForParentInput{ParentId: ous.OrganizationalUnits[0].Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(inOU.Accounts) != 1 || *inOU.Accounts[0].Id != memberID {
		t.Errorf("accounts in %s = %+v", *ous.OrganizationalUnits[0].Name, inOU.Accounts)
	}
}

func TestOrganizationsErrorsAreTyped(t *testing.T) {
	o := newTestOrg(t)
	solo := o.emu.AddAccount("444444444444", "standalone").AddUser("u").AddAccessKey(AccessKey{})
	_, err := organizations.NewFromConfig(o.emu.Config(solo)).DescribeOrganization(ctx(t), &organizations.DescribeOrganizationInput{})
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	if !errors.As(err, &notInUse) {
		t.Errorf("standalone account: %v, want AWSOrganizationsNotInUseException", err)
	}
	memberUser := o.member.AddUser("dev").AddAccessKey(AccessKey{})
	_, err = organizations.NewFromConfig(o.emu.Config(memberUser)).ListAccounts(ctx(t), &organizations.ListAccountsInput{})
	var denied *orgtypes.AccessDeniedException
	if !errors.As(err, &denied) {
		t.Errorf("member listing accounts: %v, want AccessDeniedException", err)
	}
}

func TestCentralizedRootAccessEnablement(t *testing.T) {
	o := newTestOrg(t)
	orgs := organizations.NewFromConfig(o.emu.Config(o.admin))
	client := o.iam(o.admin)
	_, err := client.EnableOrganizationsRootSessions(ctx(t), &iam.EnableOrganizationsRootSessionsInput{})
	if code := errorCode(t, err); code != "ServiceAccessNotEnabledException" {
		t.Fatalf("before trusted access: %q", code)
	}
	if _, err := orgs.EnableAWSServiceAccess(ctx(t), &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("iam.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.EnableOrganizationsRootCredentialsManagement(ctx(t), &iam.EnableOrganizationsRootCredentialsManagementInput{}); err != nil {
		t.Fatal(err)
	}
	out, err := client.EnableOrganizationsRootSessions(ctx(t), &iam.EnableOrganizationsRootSessionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EnabledFeatures) != 2 || *out.OrganizationId != o.org.ID {
		t.Errorf("features = %v in %s", out.EnabledFeatures, *out.OrganizationId)
	}
	if _, err := assumeRoot(t, o.sts(o.admin), memberID, auditPolicy); err != nil {
		t.Errorf("AssumeRoot after enabling: %v", err)
	}
}

func TestInjectedThrottlingIsDecodedAndRetried(t *testing.T) {
	o := newTestOrg(t)
	id := o.emu.InjectFault(Fault{Service: "iam", Action: "GetAccountSummary", ThrottleRate: 1})
	noRetry := iam.NewFromConfig(o.emu.Config(o.admin), func(opts *iam.Options) { opts.RetryMaxAttempts = 1 })
	_, err := noRetry.GetAccountSummary(ctx(t), &iam.GetAccountSummaryInput{})
	if code := errorCode(t, err); code != "Throttling" {
		t.Errorf("code = %q, want Throttling", code)
	}
	_, err = organizations.NewFromConfig(o.emu.Config(o.admin), func(opts *organizations.Options) { opts.RetryMaxAttempts = 1 }).
		ListRoots(ctx(t), &organizations.ListRootsInput{})
	if err != nil {
		t.Errorf("fault leaked to another service: %v", err)
	}
	o.emu.RemoveFault(id)

	o.emu.SeedFaults(7)
	o.emu.InjectFault(Fault{Service: "iam", ThrottleRate: 0.5})
	o.emu.ResetCalls()
	if _, err := o.iam(o.admin).GetAccountSummary(ctx(t), &iam.GetAccountSummaryInput{}); err != nil {
		t.Fatalf("standard retryer should ride out 50%% throttling: %v", err)
	}
	if n := len(o.emu.CallsTo("iam", "GetAccountSummary")); n < 1 {
		t.Errorf("%d calls logged", n)
	}
}

func TestInjectedFaultsPerAccount(t *testing.T) {
	o := newTestOrg(t)
	o.member.AddRole("OrganizationAccountAccessRole", mgmtID)
	o.emu.AddAccount(otherID, "").AddRole("OrganizationAccountAccessRole", mgmtID)
	o.emu.InjectFault(Fault{Service: "sts", Action: "AssumeRole", Account: memberID, DenyRate: 1})
	o.emu.InjectFault(Fault{Account: otherID, Latency: 50 * time.Millisecond})
	client := o.sts(o.admin)
	assume := func(acct string) error {
		_, err := client.AssumeRole(ctx(t), &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + acct + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("s")})
		return err
	}
	if code := errorCode(t, assume(memberID)); code != "AccessDenied" {
		t.Errorf("denied account: %q", code)
	}
	start := time.Now()
	if err := assume(otherID); err != nil {
		t.Errorf("other account: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("latency not applied: %v", elapsed)
	}
}

func TestHangReleasedByClose(t *testing.T) {
	o := newTestOrg(t)
	o.emu.InjectFault(Fault{Service: "iam", Hang: true})
	done := make(chan error, 1)
	go func() {
		_, err := iam.NewFromConfig(o.emu.Config(o.admin), func(opts *iam.Options) { opts.RetryMaxAttempts = 1 }).
			GetAccountSummary(ctx(t), &iam.GetAccountSummaryInput{})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("hung call returned early: %v", err)
	default:
	}
	closed := make(chan struct{})
	go func() { o.emu.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Second):
		t.Fatal("Close blocked on a hanging call")
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("hung call succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("hung call not released by Close")
	}
}

func TestCallLogRecordsCallerAndKeyParams(t *testing.T) {
	o := newTestOrg(t)
	bob := o.member.AddUser("bob")
	bobKey := bob.AddAccessKey(AccessKey{})
	admin := o.member.AddUser("admin").AddAccessKey(AccessKey{})
	o.emu.ResetCalls()
	_, err := o.iam(admin).DeleteAccessKey(ctx(t), &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(bobKey.AccessKeyID)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.iam(admin).DeleteAccessKey(ctx(t), &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(bobKey.AccessKeyID)})
	if code := errorCode(t, err); code != "NoSuchEntity" {
		t.Errorf("second delete: %q", code)
	}
	calls := o.emu.CallsTo("iam", "DeleteAccessKey")
	if len(calls) != 2 {
		t.Fatalf("calls = %v", calls)
	}
	first := calls[0]
	if first.Account != memberID || first.Principal != "arn:aws:iam::222222222222:user/admin" ||
		first.Params["AccessKeyId"] != bobKey.AccessKeyID || first.Params["UserName"] != "bob" || !first.OK() {
		t.Errorf("first = %s", first)
	}
	if calls[1].ErrorCode != "NoSuchEntity" || calls[1].Status != http.StatusNotFound {
		t.Errorf("second = %s", calls[1])
	}
	if got := first.Describe(); got != "user bob's key "+bobKey.AccessKeyID+" was deleted in "+memberID {
		t.Errorf("Describe = %q", got)
	}
}

func TestForwardsOtherServicesToKumo(t *testing.T) {
	o := newTestOrg(t)
	client := sqs.NewFromConfig(o.emu.Config(o.admin))
	name := fmt.Sprintf("awsemu-forward-%d", time.Now().UnixNano())
	queue, err := client.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: queue.QueueUrl, MessageBody: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	got, err := client.ReceiveMessage(ctx(t), &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 || *got.Messages[0].Body != "hello" {
		t.Errorf("messages = %+v", got.Messages)
	}
	sends := o.emu.CallsTo("sqs", "SendMessage")
	if len(sends) != 1 || sends[0].Account != mgmtID || !strings.Contains(sends[0].Params["QueueUrl"], name) {
		t.Errorf("call log = %v", sends)
	}
	bogus := aws.Credentials{AccessKeyID: "AKIANOBODY0000000000", SecretAccessKey: "x"}
	_, err = sqs.NewFromConfig(o.emu.Config(bogus)).ListQueues(ctx(t), &sqs.ListQueuesInput{})
	if code := errorCode(t, err); code != "UnrecognizedClientException" {
		t.Errorf("unknown key to a forwarded service: %q", code)
	}
}
