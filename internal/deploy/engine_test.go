package deploy

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/stack"
)

// stackRegions are the Regions of a plan's stacks, in order.
func stackRegions(p *Plan) []string {
	var out []string
	for _, s := range p.Stacks {
		out = append(out, s.Region)
	}
	return out
}

// The engine built from the session forwards from the Regions the account
// has enabled (not the home Region, not one it has not opted in to), and
// asks for the webhook before it plans only when none is stored or an
// update is asked for; a failed ask plans and creates nothing.
func TestEngineFromSessionFindsRegionsAndAsksForTheWebhook(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	if err := emu.SetRegions([]string{"us-east-1", "eu-west-1"}, []string{"ap-east-1"}); err != nil {
		t.Fatal(err)
	}
	creds := emu.AddAccount("111122223333", "security").AddUser("deployer").AddAccessKey(awsemu.AccessKey{})
	ctx := t.Context()
	caller, err := account.Resolve(ctx, emu.Config(creds))
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(caller)
	asked := 0
	answer := func() (string, error) { asked++; return fakeWebhook, nil }
	opts := func(o Options) Options {
		o.Stack.Prefix, o.FunctionZip, o.Poll = "rgengine", []byte("PK\x05\x06 engine test"), 20*time.Millisecond
		return o
	}

	// The ask fails: nothing is planned or created.
	refused := errors.New("no terminal to ask on")
	if _, err := e.Plan(ctx, opts(Options{AllRegions: true, Approve: true, AskWebhook: func() (string, error) { return "", refused }})); !errors.Is(err, refused) {
		t.Fatalf("err = %v, want the ask's error", err)
	}
	if exists, err := bucketExists(ctx, NewClients(caller).S3, stack.Names{Prefix: "rgengine"}.ArtifactBucket("111122223333", stack.HomeRegion)); err != nil || exists {
		t.Fatalf("artifacts bucket exists=%v (%v) after a refused ask", exists, err)
	}

	// First plan, approved: every enabled Region forwards, and the URL
	// asked for is stored (an approved plan stores it before the stacks).
	plan, err := e.Plan(ctx, opts(Options{AllRegions: true, Approve: true, AskWebhook: answer}))
	if err != nil {
		t.Fatal(err)
	}
	e.Discard(ctx, plan)
	if got := stackRegions(plan); !slices.Equal(got, []string{"us-east-1", "eu-west-1"}) || asked != 1 {
		t.Fatalf("stacks in %v, asked %d times; want us-east-1 and eu-west-1, asked once", got, asked)
	}

	// Stored now: not asked again, unless an update is asked for. The
	// home Region given is dropped: `--regions us-east-1` forwards none.
	home := []string{stack.HomeRegion}
	plan, err = e.Plan(ctx, opts(Options{Stack: stack.HubOptions{ForwardRegions: home}, AskWebhook: answer}))
	if err != nil {
		t.Fatal(err)
	}
	e.Discard(ctx, plan)
	if got := stackRegions(plan); !slices.Equal(got, home) || asked != 1 {
		t.Fatalf("stacks in %v, asked %d times; want only the hub, not asked", got, asked)
	}
	plan, err = e.Plan(ctx, opts(Options{Stack: stack.HubOptions{ForwardRegions: home}, AskWebhook: answer, UpdateWebhook: true}))
	if err != nil {
		t.Fatal(err)
	}
	e.Discard(ctx, plan)
	if asked != 2 || !slices.Contains(plan.Steps, "replace the Slack webhook URL in SSM SecureString /rgengine/slack-webhook") {
		t.Fatalf("asked %d times, steps %q; want asked again and the URL replaced", asked, plan.Steps)
	}
}
