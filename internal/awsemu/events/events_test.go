package events

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emutest"
)

// host records the handlers Register installs, so the model is driven
// without awsemu's Server.
type host = emutest.Host

type reply = emutest.Reply

// links records deliveries; wait waits for those under way (Go runs them
// in the background, as awsemu does: routing holds the model's lock).
type links struct {
	wg     sync.WaitGroup
	mu     sync.Mutex
	queued []string // queue + ":" + body
	orgs   map[string]string
	trust  map[string]string // account + "/" + role → trust policy
}

func (l *links) Go(f func(ctx context.Context)) { l.wg.Go(func() { f(context.Background()) }) }

func (l *links) SendToQueue(_ context.Context, queue, _ string, body []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queued = append(l.queued, queue+":"+string(body))
	return nil
}

func (l *links) InvokeAsync(context.Context, emu.Scope, string, []byte) {}

func (l *links) OrgID(account string) string { return l.orgs[account] }

func (l *links) TrustPolicy(account, role string) (string, error) {
	doc, ok := l.trust[account+"/"+role]
	if !ok {
		return "", ErrNoRole
	}
	return doc, nil
}

func call(t *testing.T, h host, s emu.Scope, action string, in any) (string, error) {
	t.Helper()
	handler := h["events:"+action]
	if handler == nil {
		t.Fatalf("events:%s is not registered", action)
	}
	body, _ := json.Marshal(in)
	r := &reply{}
	err := handler(&emu.Call{Service: "events", Action: action, Region: s.Region, Body: body,
		Caller: emu.Principal{Account: s.Account, Type: emu.PrincipalRoot}, Reply: r})
	out, _ := json.Marshal(r.Value)
	return string(out), err
}

// TestPutEventsRoutesToMatchingRulesOnly: a caller's event reaches the
// queue of a matching rule in its own account and region, not a rule that
// does not match nor one of another account; aws.* sources are refused to
// callers but Emit puts them.
func TestPutEventsRoutesToMatchingRulesOnly(t *testing.T) {
	h, l := host{}, &links{}
	e := Register(h, l)
	home := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	other := emu.Scope{Account: "444455556666", Region: "us-east-1"}
	for s, rules := range map[emu.Scope]map[string]string{
		home:  {"match": `{"source":["app","aws.signin"]}`, "miss": `{"source":["nope"]}`},
		other: {"match": `{"source":["app"]}`},
	} {
		for name, pattern := range rules {
			if err := e.PutRule(s, RuleSeed{Name: name, EventPattern: pattern}); err != nil {
				t.Fatal(err)
			}
			if err := e.PutTargets(s, name, map[string]string{"q": "arn:aws:sqs:us-east-1:000000000000:" + s.Account + "-" + name}); err != nil {
				t.Fatal(err)
			}
		}
	}

	out, err := call(t, h, home, "PutEvents", map[string]any{"Entries": []map[string]string{
		{"Source": "app", "DetailType": "t", "Detail": `{"n":1}`},
		{"Source": "aws.signin", "DetailType": "t", "Detail": `{"n":2}`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"FailedEntryCount":1`) || !strings.Contains(out, "NotAuthorizedForSourceException") {
		t.Errorf("PutEvents = %s, want the aws.* entry refused", out)
	}
	l.wg.Wait()
	e.Emit(home, "aws.signin", "AWS Console Sign In via CloudTrail", time.Unix(0, 0), []byte(`{"n":3}`))
	l.wg.Wait()

	if len(l.queued) != 2 || !strings.HasPrefix(l.queued[0], "111122223333-match:") || !strings.HasPrefix(l.queued[1], "111122223333-match:") ||
		!strings.Contains(l.queued[1], `"source":"aws.signin"`) {
		t.Errorf("queued = %q, want the app event and the emitted one, both on 111122223333-match", l.queued)
	}
}

// TestCrossAccountBusFollowsItsPolicy: forwarding to a custom bus of
// another account needs the bus and a policy allowing the sender's
// organization.
func TestCrossAccountBusFollowsItsPolicy(t *testing.T) {
	h := host{}
	l := &links{orgs: map[string]string{"111122223333": "o-abc"}}
	e := Register(h, l)
	sender := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	hub := emu.Scope{Account: "999988887777", Region: "us-east-1"}
	busARN := "arn:aws:events:us-east-1:999988887777:event-bus/central"

	if err := e.PutRule(sender, RuleSeed{Name: "fwd", EventPattern: `{"source":["app"]}`}); err != nil {
		t.Fatal(err)
	}
	if err := e.PutTargets(sender, "fwd", map[string]string{"bus": busARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(t, h, hub, "CreateEventBus", map[string]string{"Name": "central"}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(t, h, hub, "PutRule", map[string]string{"Name": "in", "EventBusName": "central", "EventPattern": `{"source":["app"]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := call(t, h, hub, "PutTargets", map[string]any{"Rule": "in", "EventBusName": "central",
		"Targets": []map[string]string{{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:hub"}}}); err != nil {
		t.Fatal(err)
	}
	put := func(n int) {
		t.Helper()
		if _, err := call(t, h, sender, "PutEvents", map[string]any{"Entries": []map[string]string{
			{"Source": "app", "DetailType": "t", "Detail": fmt.Sprintf(`{"n":%d}`, n)}}}); err != nil {
			t.Fatal(err)
		}
	}

	put(1) // no policy: denied
	l.wg.Wait()
	policy := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"` + busARN + `",` +
		`"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}`
	if _, err := call(t, h, hub, "PutPermission", map[string]string{"EventBusName": "central", "Policy": policy}); err != nil {
		t.Fatal(err)
	}
	put(2)
	l.wg.Wait()

	if len(l.queued) != 1 || !strings.Contains(l.queued[0], `"detail":{"n":2}`) {
		t.Errorf("queued = %q, want only the event sent after the policy allowed the organization", l.queued)
	}
}

// TestMayAssume: a bus in another Region is reached only through a role
// of the rule's account that trusts events.amazonaws.com for that rule.
func TestMayAssume(t *testing.T) {
	rule := "arn:aws:events:us-east-1:111122223333:rule/fwd"
	trust := `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole",` +
		`"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:111122223333:rule/f*"}}}]}`
	e := Register(host{}, &links{trust: map[string]string{"111122223333/fwd": trust, "111122223333/lambda": `{"Statement":[]}`}})
	for role, want := range map[string]string{
		"arn:aws:iam::111122223333:role/fwd":    "",
		"arn:aws:iam::111122223333:role/lambda": "does not let events.amazonaws.com assume it",
		"arn:aws:iam::111122223333:role/gone":   "role arn:aws:iam::111122223333:role/gone does not exist",
		"arn:aws:iam::444455556666:role/fwd":    "is not a role of account 111122223333",
		"":                                      "has no RoleArn",
	} {
		err := e.mayAssume("111122223333", rule, role)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("mayAssume(%q) = %v, want %q", role, err, want)
		}
	}
}

// TestPutRuleEnforcesThePatternSizeQuota: a pattern of 2,048 characters is
// accepted; one character more is refused with LimitExceededException (the
// account's quota), and past 4,096 with the API's ValidationException.
func TestPutRuleEnforcesThePatternSizeQuota(t *testing.T) {
	h := host{}
	Register(h, &links{})
	s := emu.Scope{Account: "111122223333", Region: "us-east-1"}
	pattern := func(n int) string {
		p := `{"source":["` + strings.Repeat("a", n) + `"]}`
		return p
	}
	base := len(pattern(0))
	for _, tc := range []struct {
		size int
		code string
	}{{2048, ""}, {2049, "LimitExceededException"}, {4097, "ValidationException"}} {
		_, err := call(t, h, s, "PutRule", map[string]string{"Name": fmt.Sprint("r", tc.size), "EventPattern": pattern(tc.size - base)})
		var code string
		if e, ok := err.(*emu.Error); ok {
			code = e.Code
		} else if err != nil {
			t.Fatalf("%d: %v", tc.size, err)
		}
		if code != tc.code {
			t.Errorf("pattern of %d characters: error %q, want %q", tc.size, code, tc.code)
		}
	}
}
