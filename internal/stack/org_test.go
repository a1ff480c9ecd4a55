package stack

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	testOrgID      = "o-abcdef1234"
	testHubAccount = "111122223333"
)

func TestOrgTemplatesMatchGolden(t *testing.T) {
	hub, err := Hub(HubOptions{OrgID: testOrgID})
	if err != nil {
		t.Fatal(err)
	}
	spoke, err := Spoke(HubOptions{}, testHubAccount)
	if err != nil {
		t.Fatal(err)
	}
	for golden, tmpl := range map[string]*Template{"hub-org.json": hub, "spoke.json": spoke} {
		got, err := tmpl.JSON()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", golden)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/stack -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("template differs from %s; run go test ./internal/stack -update and review the diff", path)
		}
	}
}

func TestOrgBusAcceptsOnlyTheOrganization(t *testing.T) {
	hub, err := Hub(HubOptions{OrgID: testOrgID})
	if err != nil {
		t.Fatal(err)
	}
	doc := decoded(t, hub)
	res := doc["Resources"].(map[string]any)
	bus := res[LogicalOrgBus].(map[string]any)["Properties"].(map[string]any)
	stmts := bus["Policy"].(map[string]any)["Statement"].([]any)
	if len(stmts) != 1 {
		t.Fatalf("bus policy has %d statements, want 1", len(stmts))
	}
	s := stmts[0].(map[string]any)
	if got := flatten(s["Action"]); got != `["events:PutEvents"]` {
		t.Errorf("bus policy allows %s", got)
	}
	if got := flatten(s["Condition"]); got != `{"StringEquals":{"aws:PrincipalOrgID":"`+testOrgID+`"}}` {
		t.Errorf("bus policy condition %s, want aws:PrincipalOrgID = %s only", got, testOrgID)
	}
	if got := flatten(s["Resource"]); !strings.Contains(got, ":event-bus/rootguard-org") {
		t.Errorf("bus policy resource %s is not the bus", got)
	}

	rule := res[LogicalOrgRule].(map[string]any)["Properties"].(map[string]any)
	if flatten(rule["EventBusName"]) != `{"Ref":"OrgEventBus"}` || rule["EventPattern"] != ForwardPattern() {
		t.Errorf("org rule on %s with pattern %v", flatten(rule["EventBusName"]), rule["EventPattern"])
	}
	if got := flatten(rule["Targets"]); !strings.Contains(got, `"Fn::GetAtt":["AlertQueue","Arn"]`) || !strings.Contains(got, "DeadLetterConfig") {
		t.Errorf("org rule targets %s", got)
	}
	queuePolicy := flatten(res["AlertQueuePolicy"])
	if !strings.Contains(queuePolicy, `"Fn::GetAtt":["OrgRootActivityRule","Arn"]`) || !strings.Contains(queuePolicy, `"Fn::GetAtt":["RootActivityRule","Arn"]`) {
		t.Errorf("queue policy does not admit both rules: %s", queuePolicy)
	}

	plain, err := Hub(HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Resources[LogicalOrgBus]; ok {
		t.Error("a hub without an organization has an organization bus")
	}
	if _, err := Hub(HubOptions{OrgID: "org-1"}); err == nil {
		t.Error("an invalid organization ID was accepted")
	}
}

func TestSpokeRoleIsScopedToTheHubBus(t *testing.T) {
	spoke, err := Spoke(HubOptions{}, testHubAccount)
	if err != nil {
		t.Fatal(err)
	}
	doc := decoded(t, spoke)
	found := slices.DeleteFunc(statements(t, doc), func(s foundStatement) bool { return s.resource != LogicalSpokeRole })
	if len(found) != 1 {
		t.Fatalf("spoke role has %d policy statements, want 1", len(found))
	}
	s := found[0].statement
	wantBus := `[{"Fn::Sub":"arn:${AWS::Partition}:events:us-east-1:` + testHubAccount + `:event-bus/rootguard-org"}]`
	if flatten(s["Action"]) != `["events:PutEvents"]` || flatten(s["Resource"]) != wantBus {
		t.Errorf("spoke role allows %s on %s, want events:PutEvents on %s", flatten(s["Action"]), flatten(s["Resource"]), wantBus)
	}
	res := doc["Resources"].(map[string]any)
	role := res[LogicalSpokeRole].(map[string]any)["Properties"].(map[string]any)
	if got := flatten(role["AssumeRolePolicyDocument"]); !strings.Contains(got, "aws:SourceArn") || !strings.Contains(got, "events.amazonaws.com") {
		t.Errorf("spoke role trust %s is not limited to the spoke rule", got)
	}
	rule := res[LogicalSpokeRule].(map[string]any)["Properties"].(map[string]any)
	target := rule["Targets"].([]any)[0].(map[string]any)
	if flatten(target["Arn"]) != strings.Trim(wantBus, "[]") || flatten(target["RoleArn"]) != `{"Fn::GetAtt":["SpokeRole","Arn"]}` {
		t.Errorf("spoke target %s", flatten(target))
	}
	if rule["EventPattern"] != ForwardPattern() || rule["State"] != RuleEnabled {
		t.Errorf("spoke rule pattern %v state %v", rule["EventPattern"], rule["State"])
	}
	tags, _ := spoke.Resources[LogicalSpokeRole].Properties.(map[string]any)["Tags"].([]Tag)
	if !slices.Contains(tags, Tag{ManagedTagKey, ManagedTagValue}) {
		t.Errorf("spoke role lacks the %s tag", ManagedTagKey)
	}
	orgHub, err := Hub(HubOptions{OrgID: testOrgID})
	if err != nil {
		t.Fatal(err)
	}
	busTags, _ := orgHub.Resources[LogicalOrgBus].Properties.(map[string]any)["Tags"].([]Tag)
	if !slices.Contains(busTags, Tag{ManagedTagKey, ManagedTagValue}) {
		t.Errorf("organization bus lacks the %s tag", ManagedTagKey)
	}

	for _, bad := range []string{"1234", "11112222333a", ""} {
		if _, err := Spoke(HubOptions{}, bad); err == nil {
			t.Errorf("Spoke accepted hub account %q", bad)
		}
	}
}

// TestOrgRulesFollowAllManagementEvents: with --all-management-events the
// spoke rule and the hub's organization-bus rule see read-only root calls
// too, like the hub's own rule; a rule left ENABLED would never forward them.
func TestOrgRulesFollowAllManagementEvents(t *testing.T) {
	for _, all := range []bool{false, true} {
		want := ruleState(all)
		spoke, err := Spoke(HubOptions{AllManagementEvents: all}, testHubAccount)
		if err != nil {
			t.Fatal(err)
		}
		if got := spoke.Resources[LogicalSpokeRule].Properties.(map[string]any)["State"]; got != want {
			t.Errorf("all=%v: spoke rule state %v, want %s", all, got, want)
		}
		hub, err := Hub(HubOptions{OrgID: testOrgID, AllManagementEvents: all})
		if err != nil {
			t.Fatal(err)
		}
		if got := hub.Resources[LogicalOrgRule].Properties.(map[string]any)["State"]; got != want {
			t.Errorf("all=%v: organization-bus rule state %v, want %s", all, got, want)
		}
	}
	if ruleState(true) == ruleState(false) {
		t.Fatal("ruleState ignores its argument")
	}
}

// TestPostureImportRoleIsMinimal: the spoke's import role exists once per
// account (its home-Region instance), may only BatchImportFindings into the
// account's own default product there, and is trusted only by the hub's
// posture auditor role, named by aws:PrincipalArn.
func TestPostureImportRoleIsMinimal(t *testing.T) {
	spoke, err := Spoke(HubOptions{Prefix: "rgx"}, testHubAccount)
	if err != nil {
		t.Fatal(err)
	}
	doc := decoded(t, spoke)
	if got := flatten(doc["Conditions"]); got != `{"InPostureRegion":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}}` {
		t.Errorf("conditions %s", got)
	}
	role := doc["Resources"].(map[string]any)[LogicalPostureImportRole].(map[string]any)
	if role["Condition"] != ConditionPostureRegion {
		t.Errorf("import role condition %v: IAM is global, one Region's instance must create it", role["Condition"])
	}
	props := role["Properties"].(map[string]any)
	if props["RoleName"] != "rgx-posture-import" {
		t.Errorf("role name %v", props["RoleName"])
	}
	var found []foundStatement
	for _, s := range statements(t, doc) {
		if s.resource == LogicalPostureImportRole {
			found = append(found, s)
		}
	}
	wantProduct := `[{"Fn::Sub":"arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default"}]`
	if len(found) != 1 || flatten(found[0].statement["Action"]) != `["securityhub:BatchImportFindings"]` || flatten(found[0].statement["Resource"]) != wantProduct {
		t.Errorf("import role allows %+v, want only securityhub:BatchImportFindings on %s", found, wantProduct)
	}
	trust := props["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
	if len(trust) != 1 {
		t.Fatalf("trust has %d statements", len(trust))
	}
	st := trust[0].(map[string]any)
	if got := flatten(st["Principal"]); got != `{"AWS":{"Fn::Sub":"arn:${AWS::Partition}:iam::`+testHubAccount+`:root"}}` {
		t.Errorf("trust principal %s, want the hub account", got)
	}
	if got := flatten(st["Condition"]); got != `{"ArnEquals":{"aws:PrincipalArn":{"Fn::Sub":"arn:${AWS::Partition}:iam::`+testHubAccount+`:role/rgx-posture-function"}}}` {
		t.Errorf("trust condition %s, want the hub's posture auditor role only", got)
	}
}
