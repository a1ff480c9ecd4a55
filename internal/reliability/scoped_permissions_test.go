package reliability

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/cmdutil"
)

// refusedCalls are the calls of account the local AWS refused with
// AccessDenied, as "service:Action".
func refusedCalls(emu *awsemu.Server, account string) []string {
	var out []string
	for _, c := range emu.Calls() {
		if c.Account == account && strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			out = append(out, c.Service+":"+c.Action)
		}
	}
	return out
}

// TestAlertTestNeedsTheDocumentedEventSource: alert-operate.json lets
// `alert test` put events on the default bus only with events:source
// rootguard.test. With the documented policy the test event is put; with
// the condition naming another source the same command is refused on
// events:PutEvents — the condition, not the action's name, decides.
func TestAlertTestNeedsTheDocumentedEventSource(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		edit policyEdit
		ok   bool
	}{
		{"documented", policyEdit{}, true},
		{"other-source", policyEdit{replace: []string{`"events:source": "rootguard.test"`, `"events:source": "rootguard.other"`}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			emu, err := awsemu.New()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(emu.Close)
			acct := emu.AddAccount("123456789012", "security")
			tg := onEmu(emu, policyUser(t, acct, "operator", c.edit, "alert-operate.json"))
			// No pipeline: the documented run puts the event and finds no
			// answer within --wait (exit 3); the refused run ends at once.
			r := run(t, tg, "", "alert", "test", "--wait", "1s")
			refused := refusedCalls(emu, acct.ID)
			put := len(emu.CallsTo("events", "PutEvents"))
			if c.ok {
				if len(refused) > 0 || put != 1 || r.code != cmdutil.ExitFindings {
					t.Errorf("exit %d, %d PutEvents, refused %v; want the event put and no answer (exit %d)\nstderr:\n%s", r.code, put, refused, cmdutil.ExitFindings, r.stderr)
				}
				return
			}
			want := "is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:" + acct.ID + ":event-bus/default"
			if r.code == cmdutil.ExitOK || r.code == cmdutil.ExitFindings || !strings.Contains(r.stderr, want) || fmt.Sprint(refused) != "[events:PutEvents]" {
				t.Errorf("exit %d, refused %v; want the test event refused (%q)\nstderr:\n%s", r.code, refused, want, r.stderr)
			}
		})
	}
}

// TestAlertDeployNeedsTheDocumentedWebhookParameter: alert-deploy.json
// scopes ssm:PutParameter to arn:aws:ssm:us-east-1:*:parameter/rootguard/*.
// With PutParameter narrowed to another path (the rest of the document
// kept), `alert deploy` is refused on storing the webhook, naming the
// parameter's ARN, and creates no stack.
func TestAlertDeployNeedsTheDocumentedWebhookParameter(t *testing.T) {
	t.Parallel()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	if err := emu.SetRegions([]string{"us-east-1"}, nil); err != nil {
		t.Fatal(err)
	}
	acct := emu.AddAccount("123456789012", "security")
	prefix := fmt.Sprintf("rgsp%d", time.Now().UnixNano()%1e9)
	narrowed := policyEdit{replace: append([]string{
		`"ssm:GetParameter", "ssm:PutParameter",`, `"ssm:GetParameter",`,
		`"Sid": "WebhookParameter",`, `"Sid": "PutParameterElsewhere", "Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "arn:aws:ssm:us-east-1:*:parameter/other/*"}, {"Sid": "WebhookParameter",`,
	}, prefixed(prefix)...)}
	tg := onEmu(emu, policyUser(t, acct, "deployer", narrowed, "alert-deploy.json"))
	zip := withZip(t, []string{"FUNCTION_ZIP"})[0]
	r := run(t, tg, "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX\n", "alert", "deploy", "--approve", "--prefix", prefix, "--function-zip", zip)
	want := "is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:us-east-1:" + acct.ID + ":parameter/" + prefix + "/slack-webhook"
	if r.code == cmdutil.ExitOK || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d; want the webhook's PutParameter refused (%q)\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
	if refused := refusedCalls(emu, acct.ID); fmt.Sprint(refused) != "[ssm:PutParameter]" {
		t.Errorf("refused %v, want ssm:PutParameter alone", refused)
	}
	if n := len(emu.CallsTo("cloudformation", "ExecuteChangeSet")); n > 0 {
		t.Errorf("%d change sets executed after the webhook was refused", n)
	}
}

// TestOrgAuditNeedsTheDocumentedTaskPolicy: audit-org.json allows
// sts:AssumeRoot only with sts:TaskPolicyArn IAMAuditRootUserCredentials,
// and (centralized root access off) sts:AssumeRole only into
// OrganizationAccountAccessRole. With the condition naming another task
// policy, or the role resource another role, `audit --org` is refused on
// every AssumeRoot (AssumeRole) and reports each member reached as ERROR
// naming it, never PASS.
func TestOrgAuditNeedsTheDocumentedTaskPolicy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		rootSessions bool
		replace      []string
		action       string
	}{
		{"AssumeRoot", true, []string{"root-task/IAMAuditRootUserCredentials", "root-task/IAMDeleteRootUserCredentials"}, "AssumeRoot"},
		{"AssumeRole", false, []string{"role/OrganizationAccountAccessRole", "role/SomeOtherRole"}, "AssumeRole"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			orgAuditRefused(t, c.rootSessions, c.replace, c.action)
		})
	}
}

// orgAuditRefused runs `audit --org` with audit-org.json edited by replace
// and asserts every sts:<action> call was refused and every member is
// ERROR naming it.
func orgAuditRefused(t *testing.T, rootSessions bool, replace []string, action string) {
	t.Helper()
	emu, _ := sampleOrg(t, rootSessions)
	creds := policyUser(t, emu.Account("111111111111"), "auditor", policyEdit{replace: replace}, "audit.json", "audit-org.json")
	emu.ResetCalls()
	r := run(t, onEmu(emu, creds), "", "audit", "--org", "--output", "json")
	var rep struct {
		Accounts []struct {
			AccountID string `json:"account_id"`
			Error     string
			Checks    []struct{ ID, Status string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("exit %d: %v\nstdout:\n%s\nstderr:\n%s", r.code, err, r.stdout, r.stderr)
	}
	members := 0
	for _, a := range rep.Accounts {
		if a.AccountID == "111111111111" {
			continue // the management account audits itself as the caller
		}
		members++
		if !strings.Contains(a.Error, "sts:"+action) {
			t.Errorf("%s: error %q, want it to name the refused sts:%s", a.AccountID, a.Error, action)
		}
		for _, c := range a.Checks {
			if c.Status != "ERROR" {
				t.Errorf("%s: %s is %s unreached; want ERROR", a.AccountID, c.ID, c.Status)
			}
		}
	}
	if members == 0 {
		t.Fatalf("no member account in the report\n%s", r.stdout)
	}
	roots := emu.CallsTo("sts", action)
	if len(roots) == 0 {
		t.Fatalf("no sts:%s call", action)
	}
	for _, c := range roots {
		if !strings.HasPrefix(c.ErrorCode, "AccessDenied") {
			t.Errorf("%s %v answered %q, want AccessDenied (not what the document allows)", action, c.Params, c.ErrorCode)
		}
	}
}
