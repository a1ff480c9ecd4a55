package fix

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	rgfix "github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/rootsession"
)

// pausingPrompter types the right answer after running pause — the user
// thinking it over, or someone changing the account meanwhile.
type pausingPrompter struct {
	typedAnswer
	pause func()
}

func (p *pausingPrompter) ConfirmTyped(q, want string) (bool, error) {
	p.pause()
	return p.typedAnswer.ConfirmTyped(q, want)
}

// TestRootSessionsOutlastedByTheRun: AWS ends a root session when its
// DurationSeconds run out (the local AWS answers ExpiredToken, as STS
// does). With two-second sessions, 250 ms on every IAM call (applying alone takes longer than a session) and a user who
// waits longer than a session at the prompt, planning + confirmation +
// applying outlast several sessions; every change is still made and the
// run exits 0, because each session is opened right before use and renews
// itself before it expires.
func TestRootSessionsOutlastedByTheRun(t *testing.T) {
	emu, err := awsemu.New() // the real clock: sessions really expire
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.NewCentralizedRootOrg("111111111111")
	member := org.AddMember("222222222222", "workload")
	root := member.Root()
	root.SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, 0, -3))
	for range 3 {
		root.AddAccessKey(awsemu.AccessKey{})
	}
	root.AddSigningCertificate(true)
	root.AddMFADevice(awsemu.MFAVirtual, "root-phone")
	admin := org.Admin("admin")
	emu.InjectFault(awsemu.Fault{Service: "iam", Latency: 250 * time.Millisecond})

	const session = 2 * time.Second
	opts, ios := newEnv(t, admin, emu)
	opts.Now = time.Now
	opts.RootSession = rootsession.Options{Duration: session}
	opts.Accounts = []string{"222222222222"}
	opts.RemoveRootCredentials, opts.Approve = true, true
	ios.SetTTY(true, true, true)
	opts.Prompter = &pausingPrompter{typedAnswer: typedAnswer{answer: "222222222222"}, pause: func() { time.Sleep(session + session/2) }}
	start := time.Now()
	if err := runFix(context.Background(), opts); err != nil {
		t.Fatalf("%v\n%s%s", err, stdout(ios), stderr(ios))
	}
	elapsed := time.Since(start)
	for _, c := range emu.Calls() {
		if c.ErrorCode != "" {
			t.Errorf("%s:%s in %s answered %s", c.Service, c.Action, c.Account, c.ErrorCode)
		}
	}
	if d := deletedKeys(emu); len(d) != 3 {
		t.Fatalf("deleted %d keys, want 3\n%s", len(d), stdout(ios))
	}
	var sessions int
	for _, c := range emu.CallsTo("sts", "AssumeRoot") {
		if c.Params["DurationSeconds"] != "2" {
			t.Errorf("AssumeRoot asked for %s s, want 2", c.Params["DurationSeconds"])
		}
		sessions++
	}
	// One session per use (plan, verify before, apply, verify after) is
	// four; a run longer than those sessions needed more, opened by the
	// credentials cache before the current one expired.
	t.Logf("%d AssumeRoot sessions of %v in a %v run", sessions, session, elapsed.Round(time.Millisecond))
	if elapsed > 2*session && sessions <= 4 {
		t.Errorf("%d AssumeRoot calls in a %v run of %v sessions: the sessions were not renewed", sessions, elapsed, session)
	}
	if !strings.Contains(stdout(ios), "root-access-keys             FAIL → PASS") {
		t.Errorf("verification:\n%s", stdout(ios))
	}
}

// TestChangedSinceThePlanIsShownNotActedOnBlindly: between the plan and the
// confirmation, someone deletes one planned key and adds a new one. The key
// already gone is not deleted again; the new key is shown and left alone
// (nobody approved deleting it), and the run says it is not complete.
func TestChangedSinceThePlanIsShownNotActedOnBlindly(t *testing.T) {
	emu, admin := memberOrg(t, awsemu.CentralizedRootAccess...)
	root := emu.Account("222222222222").Root()
	keep := root.AddAccessKey(awsemu.AccessKey{})
	doomed := root.AddAccessKey(awsemu.AccessKey{})
	var added string
	opts, ios := newEnv(t, admin, emu)
	opts.Accounts, opts.Only, opts.Approve = []string{"222222222222"}, []string{"root-access-keys"}, true
	ios.SetTTY(true, true, true)
	opts.Prompter = &pausingPrompter{typedAnswer: typedAnswer{answer: "222222222222"}, pause: func() {
		client := iam.NewFromConfig(emu.Config(keep))
		if _, err := client.DeleteAccessKey(context.Background(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(doomed.AccessKeyID)}); err != nil {
			t.Errorf("delete a key behind fix's back: %v", err)
		}
		added = root.AddAccessKey(awsemu.AccessKey{}).AccessKeyID
	}}
	err := runFix(context.Background(), opts)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want exit 5: a key appeared and was left\n%s", err, stdout(ios))
	}
	out := stdout(ios)
	if !strings.Contains(out, "root access key "+added+": appeared since the plan, left alone") {
		t.Errorf("the new key must be shown:\n%s", out)
	}
	if !strings.Contains(out, "delete root access key "+doomed.AccessKeyID+" (Active, never used): already gone: gone since the plan") {
		t.Errorf("the key gone since the plan must be shown as such:\n%s", out)
	}
	deleted := deletedKeys(emu)
	for _, id := range deleted {
		if id == added {
			t.Fatalf("the key that appeared after the plan was deleted: %v", deleted)
		}
	}
	var byFix int
	for _, c := range emu.CallsTo("iam", "DeleteAccessKey") {
		if c.Params["AccessKeyId"] == doomed.AccessKeyID {
			byFix++
		}
	}
	if byFix != 1 { // the deletion behind fix's back, not a second one
		t.Errorf("%s deleted %d times", doomed.AccessKeyID, byFix)
	}
}

// TestMemberDeniedBySCPIsThatMembersError: a "deny root" SCP without the
// aws:AssumedRoot exemption in one member denies its root session. That
// member is reported with AWS's message and the exemption to add — not a
// grant to root, which no one can make — and every other member is fixed.
func TestMemberDeniedBySCPIsThatMembersError(t *testing.T) {
	emu, admin := memberOrg(t, awsemu.CentralizedRootAccess...)
	org := emu.Organization()
	denied := emu.AddAccount("333333333333", "locked-down")
	org.AddAccount(denied, org.RootID())
	denied.Root().AddAccessKey(awsemu.AccessKey{})
	emu.InjectFault(awsemu.Fault{Service: "iam", Account: "333333333333", DenyRate: 1})

	opts, ios := newEnv(t, admin, emu)
	opts.Org, opts.Only, opts.Approve, opts.Yes = true, []string{string(rgfix.CheckAccessKeys)}, true, true
	err := runFix(context.Background(), opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want exit %d\n%s", err, cmdutil.ExitPartial, stdout(ios))
	}
	out := stdout(ios)
	i := strings.Index(out, "Account 333333333333")
	if i < 0 {
		t.Fatalf("the denied member is not reported:\n%s", out)
	}
	report := out[i:]
	if j := strings.Index(report[1:], "Account "); j >= 0 {
		report = report[:j+1]
	}
	for _, want := range []string{"cannot fix", "with an explicit deny in a service control policy", "aws:AssumedRoot", "cannot be granted"} {
		if !strings.Contains(report, want) {
			t.Errorf("the denied member's report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "grant iam:") {
		t.Errorf("advice to grant root a permission:\n%s", report)
	}
	deleted := map[string]bool{}
	for _, c := range emu.CallsTo("iam", "DeleteAccessKey") {
		if c.ErrorCode == "" {
			deleted[c.Account] = true
		}
	}
	if !deleted["222222222222"] || deleted["333333333333"] {
		t.Fatalf("deleted in %v: want the unaffected member fixed", deleted)
	}
}
