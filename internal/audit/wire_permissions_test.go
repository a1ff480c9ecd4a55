package audit

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// policyActions reads the actions docs/permissions/audit.json allows.
func policyActions(t testing.TB) []string {
	t.Helper()
	raw, err := os.ReadFile("../../docs/permissions/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	var policy struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, s := range policy.Statement {
		actions = append(actions, s.Action...)
	}
	return actions
}

// policyUser adds to acct an auditor whose identity policy is
// docs/permissions/audit.json itself, and returns its credentials.
func policyUser(t testing.TB, acct *awsemu.Account) aws.Credentials {
	t.Helper()
	raw, err := os.ReadFile("../../docs/permissions/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	u, err := acct.AddPolicyUser("auditor", raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.AddAccessKey(awsemu.AccessKey{})
}

// seedEveryPath gives root credentials (so every root read is needed and no
// credential report exists yet, so it is generated) and the alerting path
// named: "rule" (EventBridge) or "cis" (metric filter + alarm).
func seedEveryPath(t testing.TB, a *awsemu.Account, path string) {
	t.Helper()
	now := time.Now()
	a.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, 0, -200))
	a.Root().AddMFADevice(awsemu.MFAFIDO, "key")
	a.AddAlias("alias-" + a.ID)
	if path == "cis" {
		cisSeed(cisRootFilter, &awsemu.Alarm{AlarmActions: []string{"arn:aws:sns:us-east-1:" + a.ID + ":security"}})(t, a)
		return
	}
	seedRulePath(t, a)
}

// TestWirePolicyIsEnough keeps docs/permissions/audit.json true against the
// local AWS: an auditor whose identity policy is exactly the document
// audits every path with no ERROR and no refused call.
func TestWirePolicyIsEnough(t *testing.T) {
	emu := newWireEmu(t)
	for _, path := range []string{"rule", "cis"} {
		t.Run(path, func(t *testing.T) {
			acct := emu.AddAccount(newAccountID(), "least-privilege")
			seedEveryPath(t, acct, path)
			creds := policyUser(t, acct)
			res := Account(context.Background(), emu.Config(creds), Options{Sleep: noSleep})
			if errs := errorsIn(res); res.Error != "" || len(errs) > 0 || len(res.Warnings) > 0 {
				t.Errorf("account error %q, ERROR checks %v, warnings %v", res.Error, errs, res.Warnings)
			}
			assertStatuses(t, res, map[CheckID]Status{"root-alerting": Pass, "root-mfa": Pass, "org-centralized-root-access": NotApplicable})
			for _, r := range callsOf(emu, acct.ID) {
				if strings.HasPrefix(r.ErrorCode, "AccessDenied") {
					t.Errorf("refused: %s", r)
				}
			}
		})
	}
}

// TestWireMissingPermission removes one action of the policy at a time: the
// check that needed it is ERROR and names the IAM action to grant.
func TestWireMissingPermission(t *testing.T) {
	emu := newWireEmu(t)
	actions := policyActions(t)
	for _, missing := range actions {
		if missing == "sts:GetCallerIdentity" {
			continue // no policy can deny it
		}
		t.Run(missing, func(t *testing.T) {
			acct := emu.AddAccount(newAccountID(), "denied")
			path := "rule"
			if strings.HasPrefix(missing, "logs:") || strings.HasPrefix(missing, "cloudwatch:") {
				path = "cis"
			}
			seedEveryPath(t, acct, path)
			allowed := slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return a == missing })
			creds := acct.AddUser("auditor", allowed...).AddAccessKey(awsemu.AccessKey{})
			res := Account(context.Background(), emu.Config(creds), Options{Sleep: noSleep})
			if res.Error != "" {
				t.Fatalf("account error: %s", res.Error)
			}
			if missing == "iam:ListAccountAliases" {
				// The alias only labels the account: no check needs it, so
				// it is a warning, not an ERROR.
				if len(res.Warnings) != 1 || !contains(res.Warnings[0], "grant "+missing) || len(errorsIn(res)) > 0 {
					t.Errorf("warnings %v, errors %v", res.Warnings, errorsIn(res))
				}
				return
			}
			var named []CheckID
			for _, c := range res.Checks {
				if c.Status == Error && c.Evidence[EvidenceMissingPermission] == missing && contains(c.Detail, "grant "+missing) {
					named = append(named, c.ID)
				}
			}
			if len(named) == 0 {
				t.Errorf("no ERROR check names %s", missing)
				logChecks(t, res)
			}
		})
	}
}
