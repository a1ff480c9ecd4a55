package audit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/faultyorg"
	"github.com/rootguard/rootguard/internal/iostreams"
	"github.com/rootguard/rootguard/internal/orgaudit"
	"github.com/rootguard/rootguard/internal/orgscan"
)

const schemaID = "https://github.com/rootguard/rootguard/blob/main/docs/audit.schema.json"

// auditSchema compiles docs/audit.schema.json: the document, and one
// account (a jsonl line).
func auditSchema(t *testing.T) (doc, line *jsonschema.Schema) {
	t.Helper()
	f, err := os.Open("../../../docs/audit.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaID, raw); err != nil {
		t.Fatal(err)
	}
	if doc, err = c.Compile(schemaID); err != nil {
		t.Fatal(err)
	}
	if line, err = c.Compile(schemaID + "#/$defs/account"); err != nil {
		t.Fatal(err)
	}
	return doc, line
}

func validate(t *testing.T, s *jsonschema.Schema, name string, data []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", name, err, data)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s does not match docs/audit.schema.json: %v\n%s", name, err, data)
	}
}

// TestOutputsMatchTheSchema runs real audits against the local AWS — one
// account with a denied read, and an organization with an unreachable, a
// hanging, a suspended and an excluded member — and validates the json
// documents and every jsonl line against docs/audit.schema.json.
func TestOutputsMatchTheSchema(t *testing.T) {
	docSchema, lineSchema := auditSchema(t)
	emu, auditor := faultyorg.New(t, 5) // and 200000000004 is excluded
	run := func(output string, org bool) []byte {
		ios, _, out, _ := iostreams.Test()
		opts := &AuditOptions{
			IO:        ios,
			AWSConfig: func(context.Context) (aws.Config, error) { return emu.Config(auditor), nil },
			OrgAudit:  orgaudit.Run,
			Now:       func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
			Audit:     audit.Account,
			Output:    output, RootUseDays: 90, ReportWait: 5 * time.Second,
			RoleName: orgscan.DefaultRoleName, Concurrency: 4, AccountTimeout: 3 * time.Second,
		}
		var err error
		if org {
			opts.Org, opts.Exclude = true, []string{"200000000004"}
			err = runOrgAudit(context.Background(), opts)
		} else {
			err = runAudit(context.Background(), opts)
		}
		if err == nil || (!strings.Contains(err.Error(), "exit status 3") && !strings.Contains(err.Error(), "exit status 4")) {
			t.Fatalf("%s (org %v): err %v, want findings and errors", output, org, err)
		}
		return out.Bytes()
	}

	single := run("json", false)
	validate(t, docSchema, "single-account json", single)
	if !bytes.Contains(single, []byte(`"status": "ERROR"`)) {
		t.Errorf("the single-account run has no ERROR to validate:\n%s", single)
	}

	orgDoc := run("json", true)
	validate(t, docSchema, "organization json", orgDoc)
	for _, want := range []string{`"account_id": "200000000001"`, `"account_id": "200000000002"`, `"status": "SUSPENDED"`, `"status": "EXCLUDED"`, `not audited: cannot reach the account`, `deadline`} {
		if !bytes.Contains(orgDoc, []byte(want)) {
			t.Errorf("organization json lacks %s", want)
		}
	}

	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(run("jsonl", true)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines++
		validate(t, lineSchema, fmt.Sprintf("jsonl line %d", lines), sc.Bytes())
	}
	if lines != 4+2 {
		t.Errorf("%d jsonl lines, want every account: 4 audited or tried (management, members 1, 2, 5) and 2 skipped (3 suspended, 4 excluded)", lines)
	}
}

// TestSchemaRejects keeps the schema able to fail: the shapes the issue
// found are refused.
func TestSchemaRejects(t *testing.T) {
	docSchema, lineSchema := auditSchema(t)
	for name, bad := range map[string]string{
		"checks null":             `{"account_id":"111122223333","account_alias":"","error":"x","checks":null}`,
		"error without an ERROR":  `{"account_id":"111122223333","account_alias":"","error":"x","checks":[{"id":"root-mfa","status":"PASS","severity":"critical","title":"t","detail":"d","remediation":"r","evidence":{},"references":[]}]}`,
		"no checks, not skipped":  `{"account_id":"111122223333","account_alias":"","error":"x","checks":[]}`,
		"blank account":           `{"account_id":"","account_alias":"","error":"x","checks":[{"id":"root-mfa","status":"ERROR","severity":"critical","title":"t","detail":"d","remediation":"r","evidence":{},"references":[]}]}`,
		"unknown check":           `{"account_id":"111122223333","account_alias":"","error":"","checks":[{"id":"root-typo","status":"PASS","severity":"critical","title":"t","detail":"d","remediation":"r","evidence":{},"references":[]}]}`,
		"skipped but with checks": `{"account_id":"111122223333","account_alias":"","error":"","skipped":"SUSPENDED","checks":[{"id":"root-mfa","status":"PASS","severity":"critical","title":"t","detail":"d","remediation":"r","evidence":{},"references":[]}]}`,
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if lineSchema.Validate(v) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	v, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"schema_version":"rootguard.audit/v1","generated_at":"2024-06-01T12:00:00Z","accounts":[],"summary":{"pass":0,"fail":0,"not_applicable":0,"error":0}}`))
	if docSchema.Validate(v) == nil {
		t.Error("a document without account_summary is accepted")
	}
}

// TestSchemaKnowsEveryCheck: the schema's check IDs are the engine's.
func TestSchemaKnowsEveryCheck(t *testing.T) {
	_, lineSchema := auditSchema(t)
	for _, id := range audit.CheckIDs() {
		line := `{"account_id":"111122223333","account_alias":"","error":"","checks":[{"id":"` + string(id) + `","status":"PASS","severity":"critical","title":"t","detail":"d","remediation":"r","evidence":{},"references":[]}]}`
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(line))
		if err := lineSchema.Validate(v); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}
