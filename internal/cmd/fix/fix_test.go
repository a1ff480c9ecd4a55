package fix

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	rgfix "github.com/rootguard/rootguard/internal/fix"
	"github.com/rootguard/rootguard/internal/iostreams"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// typedAnswer is a test Prompter that types a fixed answer.
type typedAnswer struct {
	answer string
	asked  int
}

func (p *typedAnswer) ConfirmTyped(_, want string) (bool, error) {
	p.asked++
	return p.answer == want, nil
}

func (p *typedAnswer) Secret(string) (string, error) { return "", errors.New("not asked in fix") }

func newEnv(t *testing.T, creds aws.Credentials, emu *awsemu.Server) (*FixOptions, *iostreams.IOStreams) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	opts := &FixOptions{
		IO:       ios,
		Prompter: &typedAnswer{},
		Now:      func() time.Time { return now },
	}
	opts.Engine = engineFor(func(ctx context.Context) (*account.Session, error) { return account.Resolve(ctx, emu.Config(creds)) }, opts)
	return opts, ios
}

func startEmu(t *testing.T) *awsemu.Server {
	t.Helper()
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	return emu
}

func deletedKeys(emu *awsemu.Server) []string {
	var out []string
	for _, c := range emu.CallsTo("iam", "DeleteAccessKey") {
		if c.ErrorCode == "" {
			out = append(out, c.Params["AccessKeyId"])
		}
	}
	return out
}

func stdout(ios *iostreams.IOStreams) string { return ios.Out.(interface{ String() string }).String() }
func stderr(ios *iostreams.IOStreams) string {
	return ios.ErrOut.(interface{ String() string }).String()
}

// standalone returns an account whose root holds an older unused key, a
// key rootguard signs with, and a signing certificate.
func standalone(t *testing.T) (*awsemu.Server, aws.Credentials, string) {
	emu := startEmu(t)
	acct := emu.AddAccount("123456789012", "standalone")
	root := acct.Root()
	old := root.AddAccessKey(awsemu.AccessKey{Created: now.AddDate(-2, 0, 0), LastUsed: now.AddDate(0, -3, 0), LastUsedService: "s3", LastUsedRegion: "eu-west-1"})
	inUse := root.AddAccessKey(awsemu.AccessKey{Created: now.AddDate(-1, 0, 0)})
	root.AddSigningCertificate(true)
	_ = old
	return emu, inUse, old.AccessKeyID
}

func TestPlanChangesNothing(t *testing.T) {
	emu, inUse, old := standalone(t)
	opts, ios := newEnv(t, inUse, emu)
	if err := runFix(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	out := stdout(ios)
	for _, want := range []string{
		"(plan) would delete root access key " + old + " (Active, last used 2026-08-28 (92 days ago) by s3 in eu-west-1)",
		"(plan) would delete root access key " + inUse.AccessKeyID,
		"(plan) would delete root signing certificate",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr(ios), "no changes were applied. Run again with --approve") {
		t.Errorf("stderr must say nothing changed:\n%s", stderr(ios))
	}
	if !strings.Contains(stderr(ios), "running with root user credentials") {
		t.Errorf("a run with root credentials must say it is root use:\n%s", stderr(ios))
	}
	if d := deletedKeys(emu); len(d) != 0 || len(emu.CallsTo("iam", "DeleteSigningCertificate")) != 0 {
		t.Fatalf("a plan deleted something: %v", d)
	}
}

func TestApproveWithRootCredentialsDeletesInUseKeyLast(t *testing.T) {
	emu, inUse, old := standalone(t)
	opts, ios := newEnv(t, inUse, emu)
	opts.Approve, opts.Yes = true, true
	opts.RecordPath = filepath.Join(t.TempDir(), "changes.jsonl")
	if err := runFix(context.Background(), opts); err != nil {
		t.Fatalf("%v\n%s%s", err, stdout(ios), stderr(ios))
	}
	if d := deletedKeys(emu); len(d) != 2 || d[0] != old || d[1] != inUse.AccessKeyID {
		t.Fatalf("deleted %v, want the other key first and the key in use last", d)
	}
	calls := emu.Calls()
	last := calls[len(calls)-1]
	if last.Action != "DeleteAccessKey" || last.Params["AccessKeyId"] != inUse.AccessKeyID {
		t.Fatalf("the key in use must be the last call, got %s %v", last.Action, last.Params)
	}
	if !strings.Contains(stdout(ios), "cannot run again from here") {
		t.Errorf("the user must be told verification needs other credentials:\n%s", stdout(ios))
	}
	rec, err := os.ReadFile(opts.RecordPath)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(rec), "\n"); lines != 3 || !strings.Contains(string(rec), `"actor":"arn:aws:iam::123456789012:root"`) || !strings.Contains(string(rec), `"result":"done"`) {
		t.Fatalf("record:\n%s", rec)
	}
}

func TestIrreversibleNeedsConfirmation(t *testing.T) {
	t.Run("no TTY and no --yes stops before any change", func(t *testing.T) {
		emu, inUse, _ := standalone(t)
		opts, _ := newEnv(t, inUse, emu)
		opts.Approve = true
		err := runFix(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), "stdin is not a terminal: run again with --yes") {
			t.Fatalf("err = %v", err)
		}
		if len(deletedKeys(emu)) != 0 {
			t.Fatal("deleted without confirmation")
		}
	})
	t.Run("a wrong answer changes nothing", func(t *testing.T) {
		emu, inUse, _ := standalone(t)
		opts, ios := newEnv(t, inUse, emu)
		opts.Approve = true
		ios.SetTTY(true, true, true)
		p := &typedAnswer{answer: "12345678901"}
		opts.Prompter = p
		if err := runFix(context.Background(), opts); !errors.Is(err, errNotConfirmed) || p.asked != 1 {
			t.Fatalf("err = %v, asked %d", err, p.asked)
		}
		if len(deletedKeys(emu)) != 0 {
			t.Fatal("deleted after a wrong confirmation")
		}
	})
	t.Run("typing the account ID proceeds", func(t *testing.T) {
		emu, inUse, _ := standalone(t)
		opts, ios := newEnv(t, inUse, emu)
		opts.Approve = true
		ios.SetTTY(true, true, true)
		opts.Prompter = &typedAnswer{answer: "123456789012"}
		if err := runFix(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		if len(deletedKeys(emu)) != 2 {
			t.Fatal("keys not deleted after confirmation")
		}
	})
}

func TestIAMUserIsToldTheTwoWays(t *testing.T) {
	emu := startEmu(t)
	acct := emu.AddAccount("123456789012", "standalone")
	acct.Root().AddAccessKey(awsemu.AccessKey{})
	admin := acct.AddUser("admin", "*").AddAccessKey(awsemu.AccessKey{})
	opts, ios := newEnv(t, admin, emu)
	err := runFix(context.Background(), opts)
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) || ec.Code != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want exit %d", err, cmdutil.ExitPartial)
	}
	for _, want := range []string{"cannot delete root's credentials", "sign in as root", "rootguard fix --accounts 123456789012"} {
		if !strings.Contains(stdout(ios), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout(ios))
		}
	}
}

// memberOrg is an organization with centralized root access whose member
// 222… has a password, a key, a certificate and a virtual MFA device.
func memberOrg(t *testing.T, features ...string) (*awsemu.Server, aws.Credentials) {
	emu := startEmu(t)
	org := emu.NewOrg("111111111111")
	member := org.AddMember("222222222222", "workload")
	if len(features) > 0 {
		org.EnableCentralizedRootAccess(features...)
	}
	root := member.Root()
	root.SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, 0, -3))
	root.AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -1), LastUsedService: "iam", LastUsedRegion: "us-east-1"})
	root.AddSigningCertificate(true)
	root.AddMFADevice(awsemu.MFAVirtual, "root-phone")
	return emu, org.Admin("admin")
}

func TestRemoveMemberRootCredentialsThroughAssumeRoot(t *testing.T) {
	emu, admin := memberOrg(t, awsemu.CentralizedRootAccess...)
	opts, ios := newEnv(t, admin, emu)
	opts.Accounts = []string{"222222222222"}
	opts.RemoveRootCredentials, opts.Approve, opts.Yes = true, true, true
	if err := runFix(context.Background(), opts); err != nil {
		t.Fatalf("%v\n%s%s", err, stdout(ios), stderr(ios))
	}
	var order []string
	for _, c := range emu.Calls() {
		if c.Account == "222222222222" && c.ErrorCode == "" && (strings.HasPrefix(c.Action, "Delete") || strings.HasPrefix(c.Action, "Deactivate")) {
			order = append(order, c.Action)
		}
	}
	want := "DeleteLoginProfile DeleteAccessKey DeleteSigningCertificate DeactivateMFADevice"
	if strings.Join(order, " ") != want {
		t.Fatalf("order %q, want %q", strings.Join(order, " "), want)
	}
	if !strings.Contains(stdout(ios), "left unassigned after deactivation") {
		t.Errorf("the plan must say the virtual device stays unassigned:\n%s", stdout(ios))
	}
	for _, c := range emu.CallsTo("sts", "AssumeRoot") {
		if c.Params["TargetPrincipal"] != "222222222222" {
			t.Errorf("AssumeRoot into %q", c.Params["TargetPrincipal"])
		}
	}
	out := stdout(ios)
	for _, want := range []string{"root-access-keys", "FAIL → PASS", "root-mfa"} {
		if !strings.Contains(out, want) {
			t.Errorf("verification lacks %q:\n%s", want, out)
		}
	}
}

func TestAssumeRootRefusedIsExplained(t *testing.T) {
	emu, admin := memberOrg(t) // centralized root access not enabled
	opts, _ := newEnv(t, admin, emu)
	opts.Accounts = []string{"222222222222"}
	err := runFix(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "centralized root access enabled") {
		t.Fatalf("err = %v", err)
	}
	// The cause is the organization's feature, not a missing grant.
	if msg := err.Error(); !strings.Contains(msg, "RootSessions feature is not enabled") || strings.Contains(msg, "grant sts:AssumeRoot") {
		t.Errorf("err does not name the feature that is off, or asks for a grant:\n%s", msg)
	}
}

func TestPartialFailureIsRecordedAndExitsNonZero(t *testing.T) {
	emu, admin := memberOrg(t, awsemu.CentralizedRootAccess...)
	emu.InjectFault(awsemu.Fault{Service: "iam", Action: "DeleteSigningCertificate", DenyRate: 1})
	opts, ios := newEnv(t, admin, emu)
	opts.Accounts = []string{"222222222222"}
	opts.Approve, opts.Yes = true, true
	opts.RecordPath = filepath.Join(t.TempDir(), "r.jsonl")
	err := runFix(context.Background(), opts)
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) || ec.Code != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want exit %d", err, cmdutil.ExitPartial)
	}
	rec, _ := os.ReadFile(opts.RecordPath)
	if !strings.Contains(string(rec), `"action":"iam:DeleteSigningCertificate"`) || !strings.Contains(string(rec), `"result":"failed"`) ||
		!strings.Contains(string(rec), `"action":"iam:DeleteAccessKey"`) {
		t.Fatalf("record must hold the failed and the done step:\n%s", rec)
	}
	if !strings.Contains(stdout(ios), "permission") || !strings.Contains(stdout(ios), "iam:DeleteSigningCertificate") {
		t.Fatalf("output must name the missing permission:\n%s", stdout(ios))
	}
}

func TestEnableCentralizedRootAccessConverges(t *testing.T) {
	emu, admin := memberOrg(t)
	opts, ios := newEnv(t, admin, emu)
	opts.Only = []string{string(rgfix.CheckCentralized)}
	if err := runFix(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"organizations:EnableAWSServiceAccess", "iam:EnableOrganizationsRootCredentialsManagement", "iam:EnableOrganizationsRootSessions"} {
		if !strings.Contains(stdout(ios), want) {
			t.Errorf("plan lacks %s:\n%s", want, stdout(ios))
		}
	}
	opts.Approve = true
	if err := runFix(context.Background(), opts); err != nil {
		t.Fatalf("%v\n%s", err, stdout(ios))
	}
	if !strings.Contains(stdout(ios), "org-centralized-root-access  FAIL → PASS") {
		t.Errorf("verification:\n%s", stdout(ios))
	}
	again, ios2 := newEnv(t, admin, emu)
	again.Only = []string{string(rgfix.CheckCentralized)}
	if err := runFix(context.Background(), again); err != nil || !strings.Contains(stderr(ios2), "Nothing to fix") {
		t.Fatalf("second run must plan nothing: %v\n%s", err, stdout(ios2))
	}
}

func TestFixWholeOrganization(t *testing.T) {
	emu, admin := memberOrg(t, awsemu.CentralizedRootAccess...)
	org := emu.Organization()
	for _, id := range []string{"333333333333", "444444444444"} {
		a := emu.AddAccount(id, "member-"+id[:1])
		org.AddAccount(a, org.RootID())
		a.Root().AddAccessKey(awsemu.AccessKey{})
	}
	suspended := emu.AddAccount("555555555555", "old")
	org.AddAccount(suspended, org.RootID())
	suspended.Root().AddAccessKey(awsemu.AccessKey{})
	suspended.Suspend()
	emu.InjectFault(awsemu.Fault{Service: "sts", Action: "AssumeRoot", Account: "444444444444", DenyRate: 1})

	opts, ios := newEnv(t, admin, emu)
	opts.Org, opts.Only, opts.Approve, opts.Concurrency = true, []string{string(rgfix.CheckAccessKeys)}, true, 4
	ios.SetTTY(true, true, true)
	p := &typedAnswer{answer: "2"} // 222… and 333… have plans; 444… could not be planned
	opts.Prompter = p
	err := runFix(context.Background(), opts)
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) || ec.Code != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want exit %d (one member unreachable)\n%s%s", err, cmdutil.ExitPartial, stdout(ios), stderr(ios))
	}
	if p.asked != 1 {
		t.Fatalf("asked %d times: one typed confirmation covers every account", p.asked)
	}
	deleted := map[string]bool{}
	for _, c := range emu.CallsTo("iam", "DeleteAccessKey") {
		if c.ErrorCode == "" {
			deleted[c.Account] = true
		}
	}
	if !deleted["222222222222"] || !deleted["333333333333"] || deleted["444444444444"] || deleted["555555555555"] || deleted["111111111111"] {
		t.Fatalf("deleted in %v: want the two reachable ACTIVE members only", deleted)
	}
	out := stdout(ios)
	if !strings.Contains(out, "Account 444444444444") || !strings.Contains(out, "cannot fix") || !strings.Contains(out, "sts:AssumeRoot") {
		t.Errorf("the unreachable member must be reported with the reason:\n%s", out)
	}
	if !strings.Contains(stderr(ios), "555555555555 is suspended: skipped") {
		t.Errorf("the suspended member must be listed as skipped:\n%s", stderr(ios))
	}
}

// policyDoc reads a docs/permissions policy document.
func policyDoc(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../../docs/permissions/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestFixPolicyIsEnough keeps docs/permissions/fix.json true: a management
// principal whose identity policy is exactly fix.json (plus audit.json,
// which the verification step needs) — sts:AssumeRoot evaluated on the
// member's root with the sts:TaskPolicyArn it asks for — enables centralized root access and removes a
// member's root credentials with no AccessDenied anywhere.
func TestFixPolicyIsEnough(t *testing.T) {
	emu, _ := memberOrg(t)
	u, err := emu.Account("111111111111").AddPolicyUser("fixer", policyDoc(t, "fix.json"), policyDoc(t, "audit.json"))
	if err != nil {
		t.Fatal(err)
	}
	fixer := u.AddAccessKey(awsemu.AccessKey{})

	enable, ios := newEnv(t, fixer, emu)
	enable.Only, enable.Approve = []string{string(rgfix.CheckCentralized)}, true
	if err := runFix(context.Background(), enable); err != nil {
		t.Fatalf("enable centralized root access: %v\n%s", err, stdout(ios))
	}
	remove, ios := newEnv(t, fixer, emu)
	remove.Accounts, remove.RemoveRootCredentials, remove.Approve, remove.Yes = []string{"222222222222"}, true, true, true
	if err := runFix(context.Background(), remove); err != nil {
		t.Fatalf("remove member root credentials: %v\n%s", err, stdout(ios))
	}
	for _, c := range emu.Calls() {
		if c.ErrorCode == "AccessDenied" || c.ErrorCode == "AccessDeniedException" {
			t.Errorf("%s %s:%s denied: fix.json lacks it", c.Principal, c.Service, c.Action)
		}
	}
}

func TestFlagsRefuseMistypedIDs(t *testing.T) {
	for _, args := range [][]string{
		{"--accounts", "22222222222"},
		{"--org", "--exclude-accounts", "22222222222"},
		{"--exclude-accounts", "222222222222", "--ou", "ou-ab12"},
	} {
		ios, _, _, _ := iostreams.Test()
		ran := false
		cmd := NewCmdFix(&cmdutil.Factory{IOStreams: ios}, func(*FixOptions) error { ran = true; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if ran || cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), args[len(args)-1]) {
			t.Errorf("%v: ran = %v, err = %v", args, ran, err)
		}
	}
}
