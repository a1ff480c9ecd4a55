package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/rootguard/rootguard/internal/alertstatus"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
	engine "github.com/rootguard/rootguard/internal/deploy"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/stack"
)

const (
	wideMgmt   = "111111111111"
	wideHub    = "222222222222"
	widePrefix = "rgwide"
	wideOptIn  = "ap-east-1"
)

// wideMembers are the member accounts besides the hub: 5, or
// ROOTGUARD_ORG_E2E_MEMBERS for the benchmark (BENCHMARKS.md).
func wideMembers(t *testing.T) []string {
	n := 5
	if s := os.Getenv("ROOTGUARD_ORG_E2E_MEMBERS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 2 {
			t.Fatalf("ROOTGUARD_ORG_E2E_MEMBERS=%q: want a number of at least 2", s)
		}
	}
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("3%011d", i+1))
	}
	return ids
}

// TestOrganizationWideAlertingEndToEnd: an organization whose members span
// three Regions, one member without a trail and an opt-in Region enabled
// after the first deploy, deployed from the hub — a delegated
// administrator for StackSets and CloudTrail. `status --org` lists exactly
// the gaps there are before each fix and none after; then a root API call
// in every enabled Region of every account and a root sign-in in each give
// exactly one Slack message each.
func TestOrganizationWideAlertingEndToEnd(t *testing.T) {
	t.Parallel() // its own local AWS and prefix; waits on the pipeline, not the CPU
	e := newRegionsEnv(t)
	e.prefix = widePrefix
	emu := e.emu
	ctx := t.Context()
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, []string{wideOptIn}); err != nil {
		t.Fatal(err)
	}
	org := emu.CreateOrganization(wideMgmt)
	hub := emu.AddAccount(wideHub, "security")
	org.AddAccount(hub, org.RootID())
	members := wideMembers(t)
	noTrail, optIn := members[1], members[2]
	for _, id := range members {
		a := emu.AddAccount(id, "member")
		a.AddRole(orgscan.DefaultRoleName, wideHub)
		org.AddAccount(a, org.RootID())
		if id != noTrail {
			if err := a.AddTrail(awsemu.Trail{Name: "own", Region: "us-east-1", S3BucketName: "own-" + id, MultiRegion: true, Logging: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	emu.Account(wideMgmt).AddRole(orgscan.DefaultRoleName, wideHub)
	org.EnableServiceAccess(engine.StackSetsPrincipal)
	org.RegisterDelegatedAdministrator(wideHub, engine.StackSetsPrincipal)
	org.RegisterDelegatedAdministrator(wideHub, engine.CloudTrailPrincipal)
	org.EnableServiceAccess(engine.CloudTrailPrincipal)
	e.cfg = emu.Config(hub.AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	e.cfg.Region = stack.HomeRegion

	type gapKey struct{ account, region, kind string }
	status := func(wantGaps bool) (*alertstatus.Coverage, []gapKey) {
		t.Helper()
		out, errOut, err := e.run(t, "status", "", "--org", "--prefix", widePrefix, "--output", "json")
		var exit *cmdutil.ExitCodeError
		if wantGaps != (errors.As(err, &exit) && exit.Code == cmdutil.ExitFindings) || (!wantGaps && err != nil) {
			t.Fatalf("status --org: err %v, want gaps %v\n%s%s", err, wantGaps, out, errOut)
		}
		var cov alertstatus.Coverage
		if err := json.Unmarshal([]byte(out), &cov); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var keys []gapKey
		for _, g := range cov.Gaps {
			kind := "spoke"
			switch {
			case strings.Contains(g.Problem, "no logging trail"):
				kind = "trail"
			case strings.HasPrefix(g.Problem, "management account"):
				kind = "management"
			case strings.HasPrefix(g.Problem, "no stack instance"):
				kind = "region"
			case strings.HasPrefix(g.Problem, "hub:"):
				kind = "hub"
			}
			if g.Fix == "" {
				t.Errorf("gap %+v names no command that closes it", g)
			}
			keys = append(keys, gapKey{g.Account, g.Region, kind})
		}
		return &cov, keys
	}

	// Before anything: the member without a trail, the management account
	// in each of its Regions, and every other member-Region pair.
	_, gaps := status(true)
	// (The management account has no trail either, until the
	// organization trail.)
	want := []gapKey{{noTrail, "*", "trail"}, {wideMgmt, "*", "trail"}, {wideHub, "us-east-1", "hub"}}
	for _, id := range members {
		if id != noTrail {
			want = append(want, gapKey{id, "us-east-1", "spoke"}, gapKey{id, "eu-west-1", "spoke"})
		}
	}
	sameGaps(t, "before the first deploy", gaps, want)

	// First deploy, from the delegated administrator: an organization
	// trail for the member without one, and the management account named
	// with the command that covers it.
	start := time.Now()
	out, errOut, err := e.run(t, "deploy", e.webhook+"\n", "--org", "--prefix", widePrefix, "--function-zip", e.zip, "--arch", hostArch(), "--approve")
	t.Logf("first deploy, %d members × 2 Regions: %v", len(members), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("deploy: %v\n%s%s", err, out, errOut)
	}
	for _, w := range []string{"an organization trail", noTrail, "management account " + wideMgmt + ": not covered", "rootguard alert template --spoke " + wideHub + " --prefix " + widePrefix} {
		if !strings.Contains(out, w) {
			t.Errorf("the plan does not say %q:\n%s", w, out)
		}
	}

	// The printed command for the management account: the spoke template
	// as a plain stack in each of its Regions, with its own credentials.
	mgmtCfg := emu.Config(emu.Account(wideMgmt).AddUser("admin").AddAccessKey(awsemu.AccessKey{}))
	spoke, err := stack.Spoke(stack.HubOptions{Prefix: widePrefix}, wideHub)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := spoke.JSON()
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		c := mgmtCfg.Copy()
		c.Region = region
		cfn := cloudformation.NewFromConfig(c)
		name := stack.Names{Prefix: widePrefix}.ManagementSpokeStack()
		// `aws cloudformation deploy` makes a change set and executes it.
		cs, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: &name, ChangeSetName: aws.String("deploy"),
			ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(string(body)),
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, "the change set is ready", func() bool {
			d, err := cfn.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: cs.Id})
			return err == nil && d.Status == cfntypes.ChangeSetStatusCreateComplete
		})
		if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.Id}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, "the management account's spoke stack in "+region+" completes", func() bool {
			st, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
			if err == nil && len(st.Stacks) == 1 && strings.HasSuffix(string(st.Stacks[0].StackStatus), "_COMPLETE") && st.Stacks[0].StackStatus != cfntypes.StackStatusCreateComplete {
				t.Fatalf("management spoke stack in %s: %s %s", region, st.Stacks[0].StackStatus, aws.ToString(st.Stacks[0].StackStatusReason))
			}
			return err == nil && len(st.Stacks) == 1 && st.Stacks[0].StackStatus == cfntypes.StackStatusCreateComplete
		})
	}

	// A member enables the opt-in Region after the deploy: that, and only
	// that, is a gap.
	if err := emu.Account(optIn).EnableRegion(wideOptIn); err != nil {
		t.Fatal(err)
	}
	_, gaps = status(true)
	sameGaps(t, "after the opt-in", gaps, []gapKey{{optIn, wideOptIn, "region"}})

	// The next deploy covers it; then there is no gap.
	start = time.Now()
	if out, errOut, err = e.run(t, "deploy", "", "--org", "--prefix", widePrefix, "--function-zip", e.zip, "--arch", hostArch(), "--approve"); err != nil {
		t.Fatalf("second deploy: %v\n%s%s", err, out, errOut)
	}
	t.Logf("second deploy, adding %s: %v", wideOptIn, time.Since(start).Round(time.Millisecond))
	// Spokes only where their Region is enabled: every member in the two
	// default Regions, the opt-in Region in the one member that enabled it.
	inst, err := engine.ListInstances(ctx, cloudformation.NewFromConfig(e.cfg), stack.Names{Prefix: widePrefix}.SpokeStackSet(), cfntypes.CallAsDelegatedAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if len(inst) != 2*len(members)+1 || slices.ContainsFunc(inst, func(i engine.InstanceResult) bool { return i.Region == wideOptIn && i.Account != optIn }) {
		t.Errorf("%d stack instances, want %d, the opt-in Region in %s only: %+v", len(inst), 2*len(members)+1, optIn, inst)
	}
	cov, gaps := status(false)
	sameGaps(t, "after the second deploy", gaps, nil)
	if wantPairs := 2 + 2*len(members) + 1; cov.Pairs != wantPairs || cov.Covered != wantPairs {
		t.Errorf("coverage %d of %d pairs, want all %d", cov.Covered, cov.Pairs, wantPairs)
	}
	t.Logf("covered: %d accounts besides the hub, %d account-Region pairs", cov.Accounts, cov.Covered)

	// Root activity everywhere: one Slack message each. The events go one
	// at a time — the function summarises a burst from one account in one
	// message — each once the last is posted and the queue is empty.
	noBatchingWindow(t, e.cfg, stack.Names{Prefix: widePrefix})
	var ids []string
	all := append([]string{wideMgmt, wideHub}, members...)
	start = time.Now()
	for _, acct := range all {
		regions, err := emu.Account(acct).EnabledRegions()
		if err != nil {
			t.Fatal(err)
		}
		send := func(id string, emit func()) {
			emit()
			ids = append(ids, id)
			eventually(t, 30*time.Second, id+" was posted to Slack", func() bool {
				return e.postsNaming(id) > 0 && queueEmpty(t, e.cfg, stack.Names{Prefix: widePrefix})
			})
		}
		for _, region := range regions {
			id := "wide-" + acct + "-" + region
			send(id, func() { emitRootCall(t, emu, acct, region, id) })
		}
		send("e2e-"+acct, func() { putRootSignIn(t, emu, acct) })
	}
	t.Logf("%d root events delivered one by one in %v", len(ids), time.Since(start).Round(time.Millisecond))
	for _, id := range ids {
		if n := e.postsNaming(id); n != 1 {
			t.Errorf("%s: %d Slack messages, want 1", id, n)
		}
	}
	t.Logf("%d root events, %d Slack messages", len(ids), len(e.slack.received()))
}

func sameGaps[K comparable](t *testing.T, when string, got, want []K) {
	t.Helper()
	missing, extra := slices.Clone(want), []K{}
	for _, g := range got {
		if i := slices.Index(missing, g); i >= 0 {
			missing = slices.Delete(missing, i, i+1)
		} else {
			extra = append(extra, g)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s: gaps missing %v, unexpected %v", when, missing, extra)
	}
}

// emitRootCall has the local AWS deliver a root API call made in account
// and region, with CloudTrail event ID eventID, to that region's default
// bus, as CloudTrail does.
func emitRootCall(t *testing.T, emu *awsemu.Server, acct, region, eventID string) {
	t.Helper()
	detail, _ := json.Marshal(map[string]any{
		"eventVersion": "1.09", "eventTime": time.Now().UTC().Format(time.RFC3339),
		"eventSource": "ec2.amazonaws.com", "eventName": "TerminateInstances", "awsRegion": region,
		"sourceIPAddress": "198.51.100.23", "userAgent": "aws-cli/2.17.20",
		"userIdentity":      map[string]any{"type": "Root", "principalId": acct, "arn": "arn:aws:iam::" + acct + ":root", "accountId": acct},
		"requestParameters": map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-0123456789abcdef0"}}}},
		"eventID":           eventID, "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
		"recipientAccountId": acct, "eventCategory": "Management",
	})
	if _, err := emu.EmitServiceEvent(awsemu.ServiceEvent{Account: acct, Region: region, Source: "aws.ec2",
		DetailType: "AWS API Call via CloudTrail", Detail: detail}); err != nil {
		t.Fatalf("deliver the root call of %s in %s: %v", acct, region, err)
	}
}

// hostArch is the function architecture of this machine.
func hostArch() string {
	return map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
}
