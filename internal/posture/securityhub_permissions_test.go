package posture

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/stack"
)

type policyStatement struct {
	Sid    string
	Action []string
}

// policyStatements reads docs/permissions/<file>'s statements (an Action
// is a string or a list).
func policyStatements(t *testing.T, file string) []policyStatement {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "permissions", file))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Sid    string
			Action json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []policyStatement
	for _, st := range doc.Statement {
		var many []string
		if json.Unmarshal(st.Action, &many) != nil {
			var one string
			if err := json.Unmarshal(st.Action, &one); err != nil {
				t.Fatalf("%s: Action is neither a string nor a list", file)
			}
			many = []string{one}
		}
		out = append(out, policyStatement{st.Sid, many})
	}
	return out
}

// TestDocumentedPolicyImportsSecurityHub keeps
// docs/permissions/posture-securityhub.json true. The hub: a management
// principal whose identity policy is exactly audit.json, audit-org.json,
// posture.json and posture-securityhub.json (sts:AssumeRole evaluated on
// the import role, the artifacts objects and the alert queue on theirs)
// runs `posture run --security-hub` and none of its calls is refused. The
// members: the spoke template's import role allows exactly the file's
// ImportIntoTheCallersOwnDefaultProduct actions, and every call the import
// role's sessions make is one of them (the local AWS does not evaluate a
// role's inline policy, so its calls are checked instead).
func TestDocumentedPolicyImportsSecurityHub(t *testing.T) {
	h, _ := securityHubWorld(t)
	mgmt := h.emu.Account("100000000000")
	var docs [][]byte
	for _, f := range []string{"audit.json", "audit-org.json", "posture.json", "posture-securityhub.json"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "permissions", f))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, raw)
	}
	u, err := mgmt.AddPolicyUser("least-posture-sechub", docs...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.emu.Config(u.AddAccessKey(awsemu.AccessKey{}))
	caller, err := account.Resolve(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := New(caller)
	names := stack.Names{Prefix: stack.DefaultPrefix}
	// The engine finds the pipeline's bucket by name: this test's bucket is
	// the hub's, under the name the engine expects.
	bucket := e.Bucket(names)
	h.bucket = bucket
	if _, err := h.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		t.Fatal(err)
	}
	h.emu.ResetCalls()
	res, err := e.Run(t.Context(), names, Options{SecurityHub: true, Concurrency: 4, AccountTimeout: time.Minute,
		Audit: audit.Options{Now: func() time.Time { return now }}, Now: h.clock})
	if err != nil {
		t.Fatal(err)
	}
	if res.SecurityHub == nil || res.SecurityHub.Accounts != 3 {
		t.Fatalf("import: %+v", res.SecurityHub)
	}
	// The queue is kumo's, shared by the package's tests: take the digest.
	if msgs := h.queued(t); len(msgs) != 1 {
		t.Errorf("%d digests queued", len(msgs))
	}
	var importActions []string
	for _, s := range policyStatements(t, "posture-securityhub.json") {
		if s.Sid == "ImportIntoTheCallersOwnDefaultProduct" {
			importActions = s.Action
		}
	}
	imported := 0
	for _, c := range h.emu.Calls() {
		// Member 4 has no import role: its refusal is the expected gap.
		noRole := c.Action == "AssumeRole" && c.Params["RoleArn"] == "arn:aws:iam::"+h.members[3].ID+":role/"+names.PostureImportRole()
		if c.Account == mgmt.ID && strings.HasPrefix(c.ErrorCode, "AccessDenied") && !noRole {
			t.Errorf("%s:%s refused: the documented policies do not allow it", c.Service, c.Action)
		}
		if strings.Contains(c.Principal, ":assumed-role/"+names.PostureImportRole()+"/") {
			if !slices.Contains(importActions, c.Service+":"+c.Action) {
				t.Errorf("the import role called %s:%s, which posture-securityhub.json does not grant it", c.Service, c.Action)
			}
			imported++
		}
	}
	if imported == 0 {
		t.Error("no call by the import role: the members were not imported through it")
	}

	// The spoke's role is exactly the documented member side.
	spoke, err := stack.Spoke(stack.HubOptions{}, mgmt.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := spoke.JSON()
	var tmpl struct {
		Resources map[string]struct {
			Properties struct {
				Policies []struct {
					PolicyDocument struct{ Statement []struct{ Action []string } }
				}
			}
		}
	}
	if err := json.Unmarshal(body, &tmpl); err != nil {
		t.Fatal(err)
	}
	var roleActions []string
	for _, p := range tmpl.Resources[stack.LogicalPostureImportRole].Properties.Policies {
		for _, s := range p.PolicyDocument.Statement {
			roleActions = append(roleActions, s.Action...)
		}
	}
	if !slices.Equal(roleActions, importActions) {
		t.Errorf("the spoke's import role allows %v, posture-securityhub.json documents %v", roleActions, importActions)
	}
}
