package reliability

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// policyEdit changes a documented policy before it is attached: the
// statements whose Sid is in drop are removed, and each old → new of
// replace is applied to the text (a test's own --prefix for the rootguard
// names the document uses).
type policyEdit struct {
	drop    []string
	replace []string // old, new, old, new…
}

// prefixed is the replace list that puts a test's own --prefix in place
// of rootguard in the documents' names: the rootguard-* resources and the
// webhook parameter's /rootguard/ path (stack.Names.WebhookParameter).
func prefixed(prefix string) []string {
	return []string{"rootguard-", prefix + "-", "parameter/rootguard/", "parameter/" + prefix + "/"}
}

// policyUser adds to acct a user whose identity policy is exactly the
// documents docs/permissions/<names> (edited by edit), and returns its
// credentials: every call's action is checked against the documents'
// actions and each role a call passes — also in what CloudFormation
// provisions as the user — against their iam:PassRole statements, Resource
// and iam:PassedToService condition included (awsemu.Account.AddPolicyUser).
func policyUser(t *testing.T, acct *awsemu.Account, user string, edit policyEdit, names ...string) aws.Credentials {
	t.Helper()
	var docs [][]byte
	dropped := 0
	for _, name := range names {
		raw, err := os.ReadFile("../../docs/permissions/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if len(edit.drop) > 0 {
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			stmts, _ := doc["Statement"].([]any)
			kept := stmts[:0:0]
			for _, s := range stmts {
				if sid, _ := s.(map[string]any)["Sid"].(string); !slices.Contains(edit.drop, sid) {
					kept = append(kept, s)
				}
			}
			dropped += len(stmts) - len(kept)
			doc["Statement"] = kept
			if raw, err = json.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}
		text := string(raw)
		for i := 0; i+1 < len(edit.replace); i += 2 {
			text = strings.ReplaceAll(text, edit.replace[i], edit.replace[i+1])
		}
		docs = append(docs, []byte(text))
	}
	if dropped < len(edit.drop) {
		t.Fatalf("%v do not have all of the statements %v", names, edit.drop)
	}
	u, err := acct.AddPolicyUser(user, docs...)
	if err != nil {
		t.Fatal(err)
	}
	return u.AddAccessKey(awsemu.AccessKey{})
}
