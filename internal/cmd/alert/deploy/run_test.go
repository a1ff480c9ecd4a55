package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/rootguard/rootguard/internal/cmdutil"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// fakeEngine answers from its fields and records what the command asked:
// the options it planned with, the webhook it was given, and every apply,
// discard and removal. Like the real engine, it asks for the webhook
// (AskWebhook) before it plans when none is stored or UpdateWebhook is set.
type fakeEngine struct {
	plan     *engine.Plan
	orgPlan  *engine.OrgPlan
	planErr  error
	applyErr error
	results  []engine.InstanceResult
	removal  *engine.Removal
	stored   bool // a webhook is stored already

	got        engine.Options
	gotOrg     engine.OrgOptions
	asked      bool
	webhook    string
	applied    int
	discarded  []*engine.Plan
	removed    int
	removedOrg int
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) ask(o engine.Options) error {
	if f.stored && !o.UpdateWebhook {
		return nil
	}
	f.asked = true
	var err error
	f.webhook, err = o.AskWebhook()
	return err
}

func (f *fakeEngine) Plan(_ context.Context, o engine.Options) (*engine.Plan, error) {
	f.got = o
	if err := f.ask(o); err != nil {
		return nil, err
	}
	return f.plan, f.planErr
}

func (f *fakeEngine) PlanOrg(_ context.Context, o engine.OrgOptions) (*engine.OrgPlan, error) {
	f.gotOrg = o
	if err := f.ask(o.Options); err != nil {
		return nil, err
	}
	return f.orgPlan, f.planErr
}

func (f *fakeEngine) Apply(context.Context, *engine.Plan) error { f.applied++; return f.applyErr }

func (f *fakeEngine) ApplyOrg(context.Context, *engine.OrgPlan) ([]engine.InstanceResult, error) {
	f.applied++
	return f.results, f.applyErr
}

func (f *fakeEngine) Discard(_ context.Context, p *engine.Plan) { f.discarded = append(f.discarded, p) }

func (f *fakeEngine) Remove(_ context.Context, o engine.Options) (*engine.Removal, error) {
	f.removed++
	f.got = o
	return f.removal, nil
}

func (f *fakeEngine) RemoveOrg(_ context.Context, o engine.OrgOptions) (*engine.Removal, error) {
	f.removedOrg++
	f.gotOrg = o
	return f.removal, nil
}

const testWebhook = "https://hooks.slack.com/services/T000/B000/fake-engine-secret"

// runWith runs `alert deploy` (or remove) with args through its own flag
// parsing, on the fake engine e, with stdin; the function package is a
// file of its own unless args name one.
func runWith(t *testing.T, e *fakeEngine, newCmd func(*cmdutil.Factory, func(*Options) error) *cobra.Command, run func(context.Context, *Options) error, stdin string, args ...string) (string, string, error) {
	t.Helper()
	zip := writeZip(t)
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	cmd := newCmd(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error {
		o.Engine = func(context.Context) (Engine, error) { return e, nil }
		if o.FunctionZip == "" {
			o.FunctionZip = zip
		}
		return run(t.Context(), o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(t.Context())
	return out.String(), errOut.String(), err
}

func deploy(t *testing.T, e *fakeEngine, stdin string, args ...string) (string, string, error) {
	return runWith(t, e, NewCmdDeploy, runDeploy, stdin, args...)
}

// hubPlan creates the hub stack in us-east-1 (one resource) after
// uploading the code.
func hubPlan() *engine.Plan {
	return &engine.Plan{
		Steps:  []string{"upload the alert function's code"},
		Stacks: []engine.StackPlan{{Name: "rootguard-alert", Region: "us-east-1", Changes: []engine.Change{{Action: "Add", Logical: "AlertFunction", Type: "AWS::Lambda::Function"}}}},
	}
}

func TestDeployPrintsTheEnginesPlanAndAppliesOnlyWithApprove(t *testing.T) {
	const planned = "(plan) would upload the alert function's code\n(plan) would create stack rootguard-alert in us-east-1:\n  + AlertFunction (AWS::Lambda::Function)\n"
	upToDate := &engine.Plan{Stacks: []engine.StackPlan{{Name: "rootguard-alert", Region: "us-east-1", Status: "UPDATE_COMPLETE"}}}
	tests := []struct {
		name      string
		plan      *engine.Plan
		args      []string
		wantOut   string
		wantErr   string // in stderr
		applied   int
		discarded int
	}{
		{"plan only", hubPlan(), nil, planned, "No changes were applied; run again with --approve.", 0, 1},
		{"approved", hubPlan(), []string{"--approve"}, planned, "Deployed. Check it end to end with `rootguard alert test`.", 1, 0},
		{"up to date", upToDate, []string{"--approve"}, "stack rootguard-alert in us-east-1: no changes\n", "No changes: the alert pipeline is up to date.", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &fakeEngine{plan: tt.plan, stored: true}
			out, errOut, err := deploy(t, e, "", tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.wantOut || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stdout %q, stderr %q; want stdout %q, stderr with %q", out, errOut, tt.wantOut, tt.wantErr)
			}
			if e.applied != tt.applied || len(e.discarded) != tt.discarded {
				t.Errorf("%d applied, %d discarded; want %d, %d", e.applied, len(e.discarded), tt.applied, tt.discarded)
			}
			for _, p := range e.discarded {
				if p != tt.plan {
					t.Error("the command discarded another plan than the engine's")
				}
			}
			if e.got.Approve != slices.Contains(tt.args, "--approve") {
				t.Errorf("the engine planned with Approve %v for %v", e.got.Approve, tt.args)
			}
		})
	}
}

func TestDeployGivesTheEngineItsFlags(t *testing.T) {
	tests := []struct {
		args        []string
		wantAll     bool
		wantRegions []string
	}{
		// Without --regions the engine forwards every enabled Region.
		{nil, true, nil},
		{[]string{"--regions", "eu-west-1,eu-central-1"}, false, []string{"eu-west-1", "eu-central-1"}},
		// `--regions us-east-1` forwards none: the engine drops the home Region.
		{[]string{"--regions", "us-east-1"}, false, []string{"us-east-1"}},
		// Given but empty: none, not every enabled Region.
		{[]string{"--regions", ""}, false, []string{}},
	}
	for _, tt := range tests {
		e := &fakeEngine{plan: hubPlan(), stored: true}
		if _, _, err := deploy(t, e, "", append([]string{"--prefix", "rgfake", "--arch", "x86_64"}, tt.args...)...); err != nil {
			t.Fatal(err)
		}
		o := e.got
		if o.AllRegions != tt.wantAll || !slices.Equal(o.Stack.ForwardRegions, tt.wantRegions) {
			t.Errorf("%v: AllRegions %v, ForwardRegions %v; want %v, %v", tt.args, o.AllRegions, o.Stack.ForwardRegions, tt.wantAll, tt.wantRegions)
		}
		if o.Stack.Prefix != "rgfake" || o.Stack.Architecture != "x86_64" || string(o.FunctionZip) != "PK fake" {
			t.Errorf("%v: the engine got prefix %q, arch %q, package %q", tt.args, o.Stack.Prefix, o.Stack.Architecture, o.FunctionZip)
		}
	}
}

func TestDeployReadsTheWebhookOnlyWhenTheEngineAsks(t *testing.T) {
	tests := []struct {
		name    string
		stored  bool
		args    []string
		stdin   string
		asked   bool
		wantErr int // exit code
	}{
		{"first deploy", false, nil, testWebhook + "\n", true, cmdutil.ExitOK},
		{"stored, kept", true, nil, testWebhook + "\n", false, cmdutil.ExitOK},
		{"stored, --update-webhook", true, []string{"--update-webhook"}, testWebhook + "\n", true, cmdutil.ExitOK},
		// Not a Slack webhook: a usage error before the engine plans.
		{"not a webhook", false, nil, "https://example.com/hook\n", true, cmdutil.ExitUsage},
		{"no webhook on stdin", false, nil, "", true, cmdutil.ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &fakeEngine{plan: hubPlan(), stored: tt.stored}
			out, errOut, err := deploy(t, e, tt.stdin, tt.args...)
			if code := cmdutil.ExitCode(err); code != tt.wantErr || e.asked != tt.asked {
				t.Fatalf("exit %d (%v), asked %v; want exit %d, asked %v", code, err, e.asked, tt.wantErr, tt.asked)
			}
			if tt.wantErr == cmdutil.ExitOK && tt.asked && e.webhook != testWebhook {
				t.Errorf("the engine was given %q", e.webhook)
			}
			if tt.wantErr != cmdutil.ExitOK && (out != "" || e.applied != 0) {
				t.Errorf("a refused deploy printed a plan or applied: %q, %d applied", out, e.applied)
			}
			if strings.Contains(out+errOut, "hooks.slack.com") {
				t.Error("the webhook URL was printed")
			}
		})
	}
}

func TestDeployEngineErrorsMapToExitCodes(t *testing.T) {
	failed := []engine.InstanceResult{
		{Account: "222222222222", Region: "us-east-1", Status: "CURRENT"},
		{Account: "333333333333", Region: "us-east-1", Status: "OUTDATED", Detail: "FAILED", Reason: "role missing"},
	}
	org := &engine.OrgPlan{OrgID: "o-abc", HubAccount: "111122223333", HomeRegion: "us-east-1", StackSet: "rootguard-alert-spokes", Hub: hubPlan(),
		Steps: []string{"create the service-managed StackSet rootguard-alert-spokes"}}
	tests := []struct {
		name    string
		e       *fakeEngine
		args    []string
		code    int
		wantOut string // in stdout
		applied int
	}{
		{"no webhook stored", &fakeEngine{planErr: engine.ErrNoWebhook, stored: true}, nil, cmdutil.ExitError, "", 0},
		{"empty organization selection", &fakeEngine{planErr: &orgscan.EmptySelectionError{}, stored: true}, []string{"--org"}, cmdutil.ExitUsage, "", 0},
		{"apply fails", &fakeEngine{plan: hubPlan(), applyErr: errors.New("stack rootguard-alert: UPDATE_ROLLBACK_COMPLETE"), stored: true}, []string{"--approve"}, cmdutil.ExitError, "(plan) would create stack", 1},
		{"a spoke not current", &fakeEngine{orgPlan: org, results: failed, stored: true}, []string{"--org", "--approve"}, cmdutil.ExitError, "333333333333  us-east-1  OUTDATED  FAILED  role missing", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := deploy(t, tt.e, "", tt.args...)
			if code := cmdutil.ExitCode(err); code != tt.code {
				t.Errorf("exit %d (%v); want %d", code, err, tt.code)
			}
			if !strings.Contains(out, tt.wantOut) || (tt.wantOut == "" && out != "") || tt.e.applied != tt.applied {
				t.Errorf("stdout %q, %d applied; want stdout with %q, %d applied", out, tt.e.applied, tt.wantOut, tt.applied)
			}
		})
	}
	t.Run("caller not identified", func(t *testing.T) {
		ios, _, out, _ := iostreams.Test()
		opts := &Options{IO: ios, FunctionZip: writeZip(t), Engine: func(context.Context) (Engine, error) {
			return nil, errors.New("identify the caller: ExpiredToken")
		}}
		if err := runDeploy(t.Context(), opts); cmdutil.ExitCode(err) != cmdutil.ExitError || out.Len() != 0 {
			t.Errorf("err = %v, stdout %q", err, out.String())
		}
	})
}

func writeZip(t *testing.T) string {
	t.Helper()
	zip := filepath.Join(t.TempDir(), "bootstrap.zip")
	if err := os.WriteFile(zip, []byte("PK fake"), 0o600); err != nil {
		t.Fatal(err)
	}
	return zip
}

func TestDeployOrgPrintsThePlanAndDiscardsTheHubsWithoutApprove(t *testing.T) {
	hub := hubPlan()
	e := &fakeEngine{stored: true, orgPlan: &engine.OrgPlan{
		OrgID: "o-abc", HubAccount: "111122223333", HomeRegion: "us-east-1", StackSet: "rootguard-alert-spokes",
		Regions: []string{"us-east-1", "eu-west-1"}, Accounts: []orgscan.Account{{ID: "222222222222"}, {ID: "333333333333"}, {ID: "444444444444"}},
		Hub: hub, Steps: []string{"create the service-managed StackSet rootguard-alert-spokes"},
	}}
	out, errOut, err := deploy(t, e, "", "--org", "--hub-account", "111122223333", "--ou", "ou-abcd-12345678", "--regions", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	want := "organization o-abc: hub in account 111122223333 (us-east-1), spokes in 3 accounts × 2 regions\n" +
		"(plan) would upload the alert function's code\n(plan) would create stack rootguard-alert in us-east-1:\n  + AlertFunction (AWS::Lambda::Function)\n" +
		"(plan) would create the service-managed StackSet rootguard-alert-spokes\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if e.applied != 0 || len(e.discarded) != 1 || e.discarded[0] != hub || !strings.Contains(errOut, "No changes were applied") {
		t.Errorf("%d applied, discarded %v; stderr %q", e.applied, e.discarded, errOut)
	}
	o := e.gotOrg
	if o.HubAccount != "111122223333" || !slices.Equal(o.OUs, []string{"ou-abcd-12345678"}) || !slices.Equal(o.Regions, []string{"eu-west-1"}) || len(o.Stack.ForwardRegions) != 0 {
		t.Errorf("the engine got hub %s, OUs %v, Regions %v, forward %v", o.HubAccount, o.OUs, o.Regions, o.Stack.ForwardRegions)
	}
}

func TestRemovePlansWithTheEngineAndDeletesOnlyWithApprove(t *testing.T) {
	removal := &engine.Removal{Delete: []string{"stack rootguard-alert in us-east-1"}, Keep: []string{"bucket rootguard-trail (its logs)"}}
	for _, tt := range []struct {
		args          []string
		wantOut       string
		removed, org  int
		wantApprove   bool
		wantErrSuffix string
	}{
		{nil, "(plan) would delete stack rootguard-alert in us-east-1\nkept bucket rootguard-trail (its logs)\n", 1, 0, false, "No changes were applied; run again with --approve.\n"},
		{[]string{"--approve"}, "deleted stack rootguard-alert in us-east-1\nkept bucket rootguard-trail (its logs)\n", 1, 0, true, "1 removed, 1 kept.\n"},
		{[]string{"--org"}, "(plan) would delete stack rootguard-alert in us-east-1\nkept bucket rootguard-trail (its logs)\n", 0, 1, false, "No changes were applied; run again with --approve.\n"},
	} {
		e := &fakeEngine{removal: removal}
		out, errOut, err := runWith(t, e, NewCmdRemove, runRemove, "", tt.args...)
		if err != nil {
			t.Fatal(err)
		}
		if out != tt.wantOut || !strings.HasSuffix(errOut, tt.wantErrSuffix) || e.removed != tt.removed || e.removedOrg != tt.org {
			t.Errorf("%v: stdout %q, stderr %q, %d removed, %d org; want %q, %q, %d, %d", tt.args, out, errOut, e.removed, e.removedOrg, tt.wantOut, tt.wantErrSuffix, tt.removed, tt.org)
		}
		approve := e.got.Approve
		if tt.org > 0 {
			approve = e.gotOrg.Approve
		}
		if approve != tt.wantApprove {
			t.Errorf("%v: the engine removed with Approve %v", tt.args, approve)
		}
	}
}
